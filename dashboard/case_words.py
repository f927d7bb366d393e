"""The case page in a SENCO's words (issue 23): each event as a sentence naming staff by name, lists as lists
("the parents, the pupil and the LA's SEN officer"), dates as `fmt` writes them, a process headed by what its first
date means, and each step's dates explained first in a plain sentence from the rule book (`Rule.summary`).

Rule ids, citations, counting-convention codes and staff ids are not in these words: the page keeps them one click
away, in a <details> ("How this date is counted"), from `counted_detail`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from audit.render import CHANNEL_WORDS, NOTICE_KINDS, ground_words, plain_text
from statutory import get_rule
from statutory.clock import fmt
from statutory.rules import Convention, Rule
from workflows.registry import BY_KIND

# What a process's first date (its received_on) means, where the registry's `began` is not how a SENCO says it: an
# annual review's is the date of the plan (made or last reviewed), from which its 12 months run.
BEGAN_WORDS = {"annual-review": "plan dated", "pep-review": "began"}
# The school's own processes (issue 24): a process with no LA to name (workflows/models/termly.py NO_LA), how each
# began and ended in a sentence, by kind.
NO_LA = "none"
BEGAN_SENTENCES = {
    "sen-support": "The pupil was placed on SEN support on {on}.",
    "pep-review": "The PEP reviews began on {on}.",
}
ENDED_SENTENCES = {
    "sen-support": "The SEN support reviews ended on {on}",
    "pep-review": "The PEP reviews ended on {on}",
    "school-duty": "The school stopped tracking this duty on {on}",
}
INVITEES = {
    "parents": "the parents",
    "pupil": "the pupil",
    "la-sen-officer": "the LA's SEN officer",
    "health": "health services",
    "social-care": "social care",
    "school-staff": "school staff",
}
DECISIONS = {"maintain": "keep the plan as it is", "amend": "amend the plan", "cease": "cease the plan"}
APPEAL_OUTCOMES = {
    "plan-maintained": "the plan is kept",
    "cease-upheld": "the decision to cease the plan was upheld",
    "withdrawn": "the appeal was withdrawn",
}
CHANNELS = CHANNEL_WORDS | {"post": "by post", "hand": "by hand", "portal": "through the LA's portal"}
STATUS_WORDS = {
    "open": "Open",
    "stopped": "Stopped outside sendclock",
    "completed": "Finished: completed",
    "withdrawn": "Finished: withdrawn",
    "cancelled": "Finished: cancelled",
}
STAFF_KEYS = ("by", "claimed_by", "from", "to", "owner")  # the data fields that hold a staff id
WORDS = ("note", "reason", "evidence")  # staff's own words in a record's data
SILENT = frozenset({"recorded_by", "explanation"})  # not said as "Key: value" (said by `entered`, or the step's)
# Which account told sendclock (workflows/models/common.py RECORDED_BY_PATTERN), by the door it came through.
DOORS = {
    "web": "in the dashboard by the account",
    "api": "through the API by the account",
    "cli:as": "on the command line as the account",
    "cli:os": "on the command line by the computer's user",
}

# How the rule book's explanation begins the sentence of a school's promise (statutory/explain.py describe_promise):
# a target brought forward by it, not by a day off.
PROMISE = "The school's SEND policy promises"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FMT_DATE = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}"
_BACKWARDS_RUN = re.compile(rf"({_FMT_DATE}) to ({_FMT_DATE}) are not working days")


def listing(items: Iterable[str]) -> str:
    """Items as a sentence writes them: "a", "a and b", "a, b and c"."""
    said = [i for i in items if i]
    if len(said) <= 1:
        return "".join(said)
    return ", ".join(said[:-1]) + " and " + said[-1]


def title_lower(rule_id: Any) -> str:
    """A rule's title inside a sentence ("the final EHC plan", "the LA decision on ...")."""
    try:
        title = get_rule(str(rule_id)).title
    except ValueError:
        return plain_text(str(rule_id))
    return title if title.startswith("LA") else title[0].lower() + title[1:]


def first_up(text: str) -> str:
    """The first letter in upper case, the rest as it is ("LA" stays "LA", unlike str.capitalize)."""
    return text[:1].upper() + text[1:]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def day(value: Any) -> str:
    """A date (or an ISO date as the records keep it) as `fmt` writes it; anything else in plain words."""
    if value is None or value == "":
        return "a date not recorded"
    if isinstance(value, datetime):
        return fmt(value.date())
    if isinstance(value, date):
        return fmt(value)
    text = str(value)
    if _ISO_DATE.match(text):
        try:
            return fmt(date.fromisoformat(text))
        except ValueError:
            return text
    return plain_text(text)


def lateness(on_time: Any, days_late: Any) -> str:
    """ "on time", "3 days late", or "" when no deadline applies (an earliest date)."""
    if on_time is None:
        return ""
    if on_time:
        return "on time"
    return f"{plural(int(days_late or 0), 'day')} late" if days_late else "late"


def rule_of(rule_id: str | None, on: date | None = None) -> Rule | None:
    """The rule in force on `on` (the latest version if none was, or `on` is None); None for an unknown id."""
    if not rule_id:
        return None
    for when in (on, None):
        try:
            return get_rule(rule_id, on=when)
        except ValueError:
            continue
    return None


def entered(recorded_by: Any) -> str:
    """ " Entered in the dashboard by the account alice.": which account recorded a change (docs/auditing.md, "Who
    recorded it"), beside who did it; "" for a change recorded before sendclock kept it."""
    if not isinstance(recorded_by, str) or ":" not in recorded_by:
        return ""
    door, _, name = recorded_by.rpartition(":")
    return f" Entered {DOORS.get(door, 'by the account')} {name}."


def forward_runs(line: str) -> str:
    """A run of days written backwards by an older rule book ("Thu 27 Aug 2026 to Wed 22 Jul 2026 are not working
    days", statutory/explain.py before issue 23) written forwards: explanations are stored as planned."""

    def swap(m: re.Match[str]) -> str:
        first, last = (datetime.strptime(m[i], "%a %d %b %Y").date() for i in (1, 2))
        if first <= last:
            return m[0]
        return f"{m[2]} to {m[1]} are not working days"

    return _BACKWARDS_RUN.sub(swap, line)


def plain_dates(step: Any) -> list[str]:
    """A step's dates in plain words, for the page before any legal detail: what the time limit means (the rule's
    summary), the day it is counted from, and why the target is earlier (or later) than the due date."""
    rule = rule_of(step.rule_id, step.anchor)
    lines = [rule.summary] if rule else []
    if rule is not None and rule.convention is Convention.C5:  # a fixed day in the year of the move (reg 18)
        lines.append(f"The move is on {fmt(step.anchor)}.")
    elif rule is not None and rule.convention is Convention.C3:
        lines.append(f"Counted back from the meeting on {fmt(step.anchor)}.")
    elif rule is not None and rule.convention is Convention.C9:
        lines.append(f"Worked back from the move on {fmt(step.anchor)}.")
    elif rule is not None and rule.direction == "before":
        lines.append(f"Counted back from the move on {fmt(step.anchor)}.")
    else:
        lines.append(f"Counted from {fmt(step.anchor)}.")
    if step.target != step.due:
        if rule is not None and rule.convention is Convention.C7:
            lines.append(
                f"{fmt(step.due)} is not a working day, so the first working day after it, {fmt(step.target)}, is "
                f"the day to act from."
            )
        elif getattr(step, "la_practice_due", None) is not None and step.target < step.due:
            lines.append(
                f"The LA asks for this sooner than the law does, so the target is {fmt(step.target)}; the legal limit "
                f"stays {fmt(step.due)}."
            )
        elif any(line.startswith(PROMISE) for line in step.explanation or []):
            lines.append(
                f"Your school's policy promises this sooner, counted from the date on the LA's letter: the target is "
                f"{fmt(step.target)}; the legal limit stays {fmt(step.due)}."
            )
        else:
            lines.append(
                f"{fmt(step.due)} is not a working day, so the target is the last working day before it: "
                f"{fmt(step.target)}."
            )
    return lines


def counted_detail(step: Any) -> dict[str, Any]:
    """The legal detail of a step's dates, for the <details> under its plain sentence: the rule id, the citation, the
    counting convention and period, and the rule book's explanation lines (older backwards runs put right)."""
    rule = rule_of(step.rule_id, step.anchor)
    return {
        "rule_id": step.rule_id,
        "basis": step.basis,
        "convention": rule.convention.value if rule else None,
        "period": rule.period if rule else None,
        "lines": [forward_runs(line) for line in step.explanation or []],
    }


@dataclass(frozen=True)
class CaseWords:
    """The case page's words for one request: staff by name (settings.staff), instants in the school's zone."""

    staff_name: Callable[[str | None], str]
    zone: ZoneInfo

    def staff(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        if staff_id == "sendclock":
            return "sendclock (automatically)"
        return self.staff_name(staff_id) or staff_id

    def moment(self, instant: datetime) -> str:
        """ "Mon 11 Jan 2027 09:30": `fmt` and the wall-clock time in the school's zone."""
        local = instant.astimezone(self.zone)
        return f"{fmt(local.date())} {local:%H:%M}"

    @staticmethod
    def la_practice(step: Any) -> tuple[str, str] | None:
        """A step with an LA practice date (an LA profile's, settings las.<name>): what its due date is ("by law", or
        "to plan by" for a planning date that is guidance), and the sentence that says the LA's date and whose it is,
        shown beside the due date, never instead of it. None: the law alone."""
        practice_due = getattr(step, "la_practice_due", None)
        if practice_due is None:
            return None
        rule = rule_of(step.rule_id, step.anchor)
        what = "to plan by (guidance, not law)" if rule is not None and rule.guidance else "by law"
        note = step.la_practice_note or f"The LA asks for it by {fmt(practice_due)}: the LA's practice, not the law."
        return what, note

    @staticmethod
    def from_la(process: Any) -> str:
        """ " from Kent": the LA a process heading names, or nothing for a process with none (SEN support, a duty)."""
        return f" from {process.la}" if process.la and process.la != NO_LA else ""

    @staticmethod
    def began(process: Any) -> str:
        """What the process's first date means, in its kind's own words ("request received", "plan dated", "needs
        changed"): the page writes the date after it."""
        kind = BY_KIND.get(process.kind)
        return BEGAN_WORDS.get(process.kind) or (kind.began if kind else "received")

    def status(self, process: Any) -> str:
        """The process's state in words ("Open", "Finished: completed (sent 2 days late)")."""
        words = STATUS_WORDS.get(process.status, str(process.status).capitalize())
        if process.outcome:
            words += f" ({plain_text(str(process.outcome))})"
        return words

    def value(self, key: str, value: Any) -> str:
        """One field of a record's data in words."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if key in STAFF_KEYS and isinstance(value, str):
            return self.staff(value)
        if key in ("invitees", "attended"):
            return listing(INVITEES.get(str(v), plain_text(str(v))) for v in value or [])
        if key == "recipients":
            return listing(self.staff(str(v)) for v in value or [])
        if isinstance(value, (list, tuple)):
            return listing(self.value(key, v) for v in value) or "none"
        if isinstance(value, dict):
            return "; ".join(f"{self.key(k)}: {self.value(k, v)}" for k, v in value.items())
        return day(value)

    @staticmethod
    def dates(data: Mapping[str, Any]) -> str:
        """ ": due Mon 22 Feb 2027 (was ...), target Fri 19 Feb 2027", of the dates a record holds (a staff member's
        view of someone else's record may hold only some)."""
        said = []
        for name, was in (("due", "previous_due"), ("target", "previous_target")):
            if data.get(name):
                said.append(f"{name} {day(data[name])}" + (f" (was {day(data[was])})" if data.get(was) else ""))
        return f": {', '.join(said)}" if said else ""

    @staticmethod
    def key(name: str) -> str:
        words = name.replace("_", " ").replace("-", " ")
        return re.sub(r"\b(la|sen|ehc)\b", lambda m: m[1].upper(), words)

    def rest(self, data: Mapping[str, Any], said: Iterable[str]) -> str:
        """The fields of a record not already said, as "Key: value." sentences; staff's own words quoted."""
        skip = set(said) | SILENT | set(WORDS)
        parts = [
            f" {first_up(self.key(k))}: {self.value(k, v)}."
            for k, v in data.items()
            if k not in skip and v not in (None, "", [], {})
        ]
        quoted = [
            f" {k.capitalize()}: \u201c{str(data[k]).strip()}\u201d."
            for k in WORDS
            if k not in said and isinstance(data.get(k), str) and str(data[k]).strip()
        ]
        return "".join(parts + quoted)

    def event(self, event: Any, titles: Mapping[str, str] | None = None) -> str:
        """One event of the case as a whole sentence (or two), with names, never ids."""
        data: dict[str, Any] = dict(event.data or {})
        kind = event.kind
        rule = rule_of(event.rule_id)
        title = (titles or {}).get(event.rule_id or "") or (rule.title if rule else "a step")
        step = f"\u2018{title}\u2019"
        by = self.staff(data.get("by") or event.actor)
        recorded = f", recorded by {by}" if by else ""
        sentence, said = self._sentence(kind, data, step, by, recorded, _kind_of_key(event.key))
        return sentence + self.rest(data, said) + entered(data.get("recorded_by"))

    def _sentence(
        self, kind: str, data: dict[str, Any], step: str, by: str, recorded: str, process_kind: str | None = None
    ) -> tuple[str, tuple[str, ...]]:
        """The sentence for one kind of event (of a process of `process_kind`), and the fields of its data it says."""
        on = data.get
        termly = self._termly(kind, data, step, recorded, process_kind)
        if termly is not None:
            return termly
        if kind == "process-opened":
            return "The process was opened.", ()
        if kind == "request-received":
            how = f" {CHANNELS.get(str(on('channel')), 'by ' + str(on('channel')))}" if on("channel") else ""
            return f"The LA's request was received on {day(on('received_on'))}{how}.", ("received_on", "channel")
        if kind == "consultation-received":
            served = on("served_on")
            tail = (
                f"; the draft was served on the parent on {day(served)}"
                if served and served != on("received_on")
                else ""
            )
            return (
                f"The draft plan consultation was received on {day(on('received_on'))}{tail}.",
                ("received_on", "served_on"),
            )
        if kind == "review-cycle-opened":
            text = f"Review cycle {on('cycle')} opened." if on("cycle") else "A review cycle opened."
            if on("invitees"):
                text += f" Invited: {self.value('invitees', on('invitees'))}."
            if on("year_group") is not None:
                text += f" Year group {on('year_group')}."
            if on("preparing_for_adulthood"):
                text += " The review prepares for adulthood (year 9 or later)."
            return text, ("cycle", "invitees", "year_group", "preparing_for_adulthood")
        if kind == "review-cycle-closed":
            return (
                f"Review cycle {on('cycle') or ''} closed; the next cycle runs from {day(on('next_from'))}.".replace(
                    "cycle  ", "cycle "
                ),
                ("cycle", "next_from"),
            )
        if kind in ("meeting-set", "meeting-rescheduled"):
            verb = "set for" if kind == "meeting-set" else "moved to"
            short = " at short notice" if on("short_notice") else ""
            return (
                f"The review meeting was {verb} {day(on('meeting_on'))}{short}{recorded}.",
                ("meeting_on", "short_notice", "by"),
            )
        if kind == "meeting-held":
            came = f" Attended: {self.value('attended', on('attended'))}." if on("attended") else ""
            return (
                f"The review meeting was held on {day(on('held_on'))}{recorded}.{came}",
                ("held_on", "by", "attended"),
            )
        if kind == "la-decision":
            what = DECISIONS.get(str(on("decision")), f"decide: {plain_text(str(on('decision')))}")
            return f"The LA decided on {day(on('decided_on'))} to {what}.", ("decided_on", "decision", "by")
        if kind == "la-decided":
            what = "to re-assess" if on("decision") == "reassess" else "not to re-assess"
            return f"The LA decided on {day(on('decided_on'))} {what}{recorded}.", ("decided_on", "decision", "by")
        if kind == "final-plan":
            named = f", naming {on('names_setting')}" if on("names_setting") else ""
            if on("already_named"):
                named = ", which already names the new school or college"
            met = listing(f"\u2018{r.title}\u2019" for r in (rule_of(str(i)) for i in on("steps") or []) if r)
            meets = f" It meets {met}." if met else ""
            return (
                f"The LA issued the final plan on {day(on('issued_on'))}{named}{recorded}.{meets}",
                ("issued_on", "names_setting", "already_named", "steps", "by"),
            )
        if kind == "appeal-lodged":
            return f"An appeal to the Tribunal was lodged on {day(on('lodged_on'))}{recorded}.", ("lodged_on", "by")
        if kind == "appeal-decided":
            outcome = APPEAL_OUTCOMES.get(str(on("outcome")), plain_text(str(on("outcome") or "recorded")))
            return (
                f"The appeal ended on {day(on('decided_on'))}: {outcome}{recorded}.",
                ("decided_on", "outcome", "by"),
            )
        if kind == "plan-ceased":
            return f"The plan ceased on {day(on('ceased_on'))}{recorded}.", ("ceased_on",)
        if kind == "needs-changed":
            return (
                f"The pupil's needs were recorded as changed on {day(on('needs_changed_on'))}; the last EHC needs "
                f"assessment was on {day(on('last_assessment_on'))}.",
                ("needs_changed_on", "last_assessment_on"),
            )
        if kind == "request-sent":
            early = (
                f", before {day(on('earliest'))}, the first day the LA cannot refuse it as too soon"
                if on("sent_before_earliest")
                else ""
            )
            return (
                f"The request to re-assess was sent to the LA on {day(on('sent_on'))}{early}.",
                ("sent_on", "sent_before_earliest", "earliest"),
            )
        if kind == "step-opened":
            return f"{step} opened{self.dates(data)}.", ("due", "target")
        if kind in ("reminder-sent", "escalation-sent"):
            name = NOTICE_KINDS.get(str(on("kind")), "Escalation" if kind == "escalation-sent" else "Reminder")
            to = f" to {self.value('recipients', on('recipients'))}" if on("recipients") else ""
            when = ""
            if isinstance(data.get("days_to_target"), int):
                when = f", {plural(data['days_to_target'], 'day')} before the target"
            if isinstance(data.get("days_overdue"), int):
                when = f", {plural(data['days_overdue'], 'day')} after the due date"
            failed = " It could not be delivered." if on("delivered") is False else ""
            return (
                f"{name} about {step} sent{to}{when}.{failed}",
                ("kind", "on", "recipients", "days_to_target", "days_overdue", "delivered"),
            )
        if kind == "notification-failed":
            name = NOTICE_KINDS.get(str(on("kind")), "A notice")
            to = f" to {self.value('recipients', on('recipients'))}" if on("recipients") else ""
            return (
                f"{name} about {step}{to} could not be delivered after every retry.",
                ("kind", "recipients", "error"),
            )
        if kind == "exemption-recorded":
            period = f", from {day(on('start'))}" if on("start") else ""
            period += f" to {day(on('end'))}" if on("end") else ""
            who = f"{by} recorded" if by else "Recorded:"
            return (
                f"{who} an exemption on {step}: {ground_words(on('ground'))}{period}. The time limit no longer "
                f"binds; the duty is to act as soon as practicable.",
                ("ground", "start", "end", "claimed_by"),
            )
        if kind in ("la-chased", "la-chase-failed"):  # chasing the LA (workflows/chase.py)
            about = title_lower(on("rule_id"))
            overdue = f"{on('days_overdue')} day{'' if on('days_overdue') == 1 else 's'} overdue"
            if kind == "la-chase-failed":
                text = f"A chase letter about the {about} could not be sent on {day(on('sent_on'))}: {on('error')}."
            else:
                how = f"e-mailed to {on('to')}" if on("status") == "sent" else "sent by hand"
                text = f"The LA was chased about the {about} ({overdue}): the letter was {how}{recorded}."
            return text, tuple(data)
        if kind == "completed" and (on("la_answered") or on("chased_again")):  # a chase's follow-up
            why = "the LA's answer was recorded" if on("la_answered") else "the LA was chased again"
            return f"{step} closed on {day(on('completed_on'))}: {why}.", tuple(data)
        if kind == "completed":
            if on("closed"):
                return f"{step} closed on {day(on('completed_on'))}: {on('closed')}.", (
                    "closed",
                    "completed_on",
                    "on_time",
                    "days_late",
                )
            how = f" {CHANNELS.get(str(on('method')), 'by ' + str(on('method')))}" if on("method") else ""
            verdict = lateness(on("on_time"), on("days_late"))
            return (
                f"{step} done on {day(on('completed_on'))}{how}{recorded}" + (f": {verdict}." if verdict else "."),
                ("completed_on", "method", "on_time", "days_late", "by", "meeting_held_on", "meeting_on_time"),
            )
        if kind in ("withdrawn", "cancelled"):
            reason = f": {on('reason')}" if on("reason") else ""
            who = f" by {by}" if by else ""
            return f"{step} {kind} on {day(on(f'{kind}_on'))}{who}{reason}.", (
                f"{kind}_on",
                "reason",
            )
        if kind == "reassigned":
            who = f" by {by}" if by else ""
            reason = f": {on('reason')}" if on("reason") else ""
            return (
                f"{step} handed from {self.staff(on('from'))} to {self.staff(on('to'))}{who}{reason}.",
                ("from", "to", "reason", "by"),
            )
        if kind in ("step-rescheduled", "step-replanned"):
            why = f" from {day(on('anchor'))}" if on("anchor") else ""
            who = f" by {by}" if by and kind == "step-replanned" else ""
            return (
                f"{step} planned again{why}{who}{self.dates(data)}.",
                ("anchor", "due", "target", "previous_due", "previous_target"),
            )
        if kind == "advice-closed":
            return (
                f"The school's advice step closed ({plain_text(str(on('status', 'closed')))}); the LA's own dates "
                f"are still followed.",
                ("status",),
            )
        if kind == "process-closed":
            outcome = f" ({plain_text(str(on('outcome')))})" if on("outcome") else ""
            return f"The process closed: {plain_text(str(on('status', 'closed')))}{outcome}.", ("status", "outcome")
        who = f" by {by}" if by else ""
        return f"{first_up(self.key(kind))}{who}.", ("by",)

    def _termly(
        self, kind: str, data: dict[str, Any], step: str, recorded: str, process_kind: str | None
    ) -> tuple[str, tuple[str, ...]] | None:
        """The events of the school's own termly and yearly processes (workflows/termly.py, school_duty.py)."""
        from commands.termly import ENDINGS

        on = data.get
        if kind == "began" and process_kind in BEGAN_SENTENCES:
            return BEGAN_SENTENCES[process_kind].format(on=day(on("began_on"))), ("began_on",)
        if kind == "duty-set":
            return f"The duty was last done on {day(on('last_done_on'))}.", ("last_done_on",)
        if kind == "annual-review-this-term":
            return (
                f"The pupil's annual review is due this term ({plain_text(str(on('term') or 'this term'))}), by "
                f"{day(on('annual_review_due'))}: one meeting may do both.",
                ("term", "annual_review_due"),
            )
        if kind == "process-ended":
            head = ENDED_SENTENCES.get(process_kind or "", "The process ended on {on}").format(on=day(on("ended_on")))
            reason = str(on("reason") or "")
            because = ENDINGS.get(process_kind or "", {}).get(reason) or plain_text(reason)
            return f"{head}{recorded}: {because}.", ("ended_on", "reason", "by")
        if kind == "completed" and "with_annual_review" in data and not on("closed"):  # a termly review held
            parents = on("with_parents")
            who = " with the parents" if parents is True else " without the parents" if parents is False else ""
            both = ", together with the annual review," if on("with_annual_review") else ""
            verdict = lateness(on("on_time"), on("days_late"))
            text = f"{step} held on {day(on('completed_on'))}{who}{both}{recorded}" + (
                f": {verdict}." if verdict else "."
            )
            if on("with_parents") is False and str(on("why_not") or "").strip():
                text += f" Why not: \u201c{str(on('why_not')).strip()}\u201d."
            if on("next_review_on"):
                text += f" Next review planned for {day(on('next_review_on'))}."
            said = ("completed_on", "on_time", "days_late", "by", "with_parents", "why_not", "with_annual_review")
            return text, (*said, "next_review_on")
        return None


def facts_said(process: Any, steps: Sequence[Any], events: Sequence[Any]) -> list[str]:
    """What a termly or yearly process has learnt, as sentences under its heading (none for other kinds, or for a
    staff member, who sees part of it): from its steps and records, which hold every review as it was recorded (the
    process row's facts are written only when the process records something of its own)."""
    from commands.termly import ENDINGS, REVIEW_RULES, SCHOOL_DUTY, SUPPORT

    if process.facts is None or process.kind not in (*REVIEW_RULES, SCHOOL_DUTY):
        return []
    kind, running, said = process.kind, process.status == "open", []
    rule = REVIEW_RULES.get(kind) or process.case_ref  # a duty's rule is its case reference
    done = [e for e in events if e.kind == "completed" and e.rule_id == rule and not (e.data or {}).get("closed")]
    if kind in REVIEW_RULES:
        if done:
            last = max(done, key=lambda e: str(e.data.get("completed_on") or ""))
            count = plural(len(done), "review") + " held"
            if kind == SUPPORT:
                count += f", {sum(e.data.get('with_parents') is True for e in done)} with the parents"
            said.append(f"Last review {day(last.data.get('completed_on'))} ({count}).")
            if running and done[-1].data.get("next_review_on"):
                said.append(f"Next review planned for {day(done[-1].data['next_review_on'])}.")
        else:
            said.append("No review recorded as held yet.")
        said += _annual_review_this_term(rule, steps, events) if running else []
    else:
        set_on = [e.data.get("last_done_on") for e in events if e.kind == "duty-set"]
        last_done = max([str(e.data.get("completed_on")) for e in done] + [str(d) for d in set_on if d], default="")
        said.append(f"Last done {day(last_done or process.received_on)}.")
    for e in events:
        if e.kind == "process-ended":
            reason = str(e.data.get("reason") or "")
            because = ENDINGS.get(kind, {}).get(reason) or plain_text(reason)
            said.append(f"Ended on {day(e.data.get('ended_on'))}: {because}.")
    return said


def _annual_review_this_term(rule: str, steps: Sequence[Any], events: Sequence[Any]) -> list[str]:
    """A PEP whose open review's term has the pupil's annual review due in it: one meeting may do both. The record
    ("annual-review-this-term") is keyed by the term's first day; the review of that term opens on it, or later."""
    for e in reversed(events):
        if e.kind != "annual-review-this-term" or not e.data.get("annual_review_due"):
            continue
        try:
            begins, due = (
                date.fromisoformat(str(e.key).rsplit("/", 1)[-1]),
                date.fromisoformat(e.data["annual_review_due"]),
            )
        except ValueError:
            continue
        if any(s.rule_id == rule and s.status == "open" and begins <= s.anchor <= due for s in steps):
            return [f"An annual review is due this term ({day(due)}): one meeting may do both."]
    return []


def _kind_of_key(key: Any) -> str | None:
    """The process kind of an event, from its key ("{workflow_id}/...": a workflow id begins with its kind)."""
    return next((k for k in sorted(BY_KIND, key=len, reverse=True) if str(key or "").startswith(f"{k}-")), None)
