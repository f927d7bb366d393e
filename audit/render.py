"""The timeline and the replay verdict in plain English: dates as dates (Europe/London), staff by role, the case by
its reference only (no pupil data is in history to begin with)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from audit.notices import Notice, Told
from audit.timeline import Entry, StepSummary, Timeline
from statutory.clock import LONDON, fmt
from statutory.exemptions import EXEMPTION_GROUNDS
from statutory.rules import Holder, Rule, get_rule
from workflows.registry import BY_KIND, PROCESS_LABELS

ROLE_NAMES = {
    "senco": "the SENCO",
    "head": "the headteacher",
    "staff": "a member of staff",
    "leadership": "a member of the leadership team",
    "auditor": "an auditor",
}
NOTICE_NAMES = {
    "reminder": "Reminder",
    "overdue": "Overdue escalation",
    "asap": "'As soon as practicable' reminder",
    "prompt": "Prompt",
    "closes": "Closing notice",
}


class Roles:
    """Staff ids to roles (from settings.staff). An id not in the directory is shown as it is."""

    def __init__(self, staff: Mapping[str, Any] | None = None) -> None:
        self.roles = {sid: getattr(member, "role", None) or member.get("role") for sid, member in (staff or {}).items()}

    def __call__(self, staff_id: str | None) -> str:
        if not staff_id:
            return "sendclock"
        if staff_id == "sendclock":
            return "sendclock (automatically)"
        role = self.roles.get(staff_id)
        if role is None:
            return f"staff id '{staff_id}'"
        name = ROLE_NAMES.get(role, role)
        return name if staff_id == role else f"{name} ('{staff_id}')"

    def many(self, ids: list[str]) -> str:
        names = [self(i) for i in ids]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else "nobody"


def d(value: date | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        try:
            value_date = date.fromisoformat(value)
        except ValueError:
            return value
        return fmt(value_date)
    return fmt(value)


def lateness(on_time: bool | None, days_late: int | None) -> str:
    if on_time is None:
        return "no deadline applies (an earliest date)"
    return "on time" if on_time else f"late by {days_late} day{'s' if days_late != 1 else ''}"


def describe(
    entry: Entry, roles: Roles, titles: Mapping[str, str] | None = None, *, plain: bool = False, notes: bool = False
) -> str:
    """One record as a sentence. `plain` (the report): no rule ids, grounds or codes, only words; staff's own words
    (notes, reasons, evidence) only with `notes` (the roles that may read them: NOTE_READERS)."""
    if plain:
        return describe_plainly(entry, roles, titles, notes=notes)
    data, kind = entry.data, entry.kind
    step = (titles or {}).get(entry.rule_id or "", entry.rule_id or "")
    if kind == "request-received":
        return f"Request received on {d(data.get('received_on'))} (by {data.get('channel', 'unknown channel')})."
    if kind == "step-opened":
        s = entry.record.step
        basis = f" Basis: {s.basis}." if s else ""
        return (
            f"Step '{step}' opened for {roles(s.owner if s else None)}: statutory due date {d(data.get('due'))}, "
            f"target {d(data.get('target'))}.{basis}"
        )
    if kind in ("reminder-sent", "escalation-sent"):
        name = NOTICE_NAMES.get(data.get("kind", ""), str(data.get("kind", "Notice")).capitalize())
        failed = "" if data.get("delivered", True) else " It could not be delivered (recorded as failed)."
        return f"{name} for '{step}' sent to {roles.many(list(data.get('recipients', [])))}.{failed}"
    if kind == "exemption-recorded":
        period = ""
        if data.get("start"):
            period = f" from {d(data['start'])}" + (f" to {d(data['end'])}" if data.get("end") else "")
        return (
            f"Exemption recorded on '{step}' by {roles(entry.actor)}: ground {data.get('ground')}{period}. "
            "The duty became 'as soon as practicable'."
        )
    if kind == "completed":
        s = entry.record.step
        on_time = data.get("on_time") if "on_time" in data else (s.on_time if s else None)
        return (
            f"'{step}' done on {d(data.get('completed_on'))}, recorded by {roles(entry.actor)}: "
            f"{lateness(on_time, data.get('days_late'))}."
        )
    if kind in ("withdrawn", "cancelled"):
        return (
            f"'{step}' {kind} on {d(data.get(f'{kind}_on'))} by {roles(entry.actor)}"
            + (f": {data['reason']}" if data.get("reason") else "")
            + "."
        )
    if kind == "reassigned":
        return (
            f"'{step}' reassigned from {roles(data.get('from'))} to {roles(data.get('to'))} by {roles(entry.actor)}"
            + (f": {data['reason']}" if data.get("reason") else "")
            + "."
        )
    if kind == "step-rescheduled":
        return (
            f"'{step}' planned again from {d(data.get('anchor'))}: due {d(data.get('due'))} "
            f"(was {d(data.get('previous_due'))}), target {d(data.get('target'))}."
        )
    if kind == "step-replanned":
        return (
            f"'{step}' planned again by {roles(entry.actor)} ({data.get('reason') or 'no reason given'}): due "
            f"{d(data.get('due'))} (was {d(data.get('previous_due'))}), target {d(data.get('target'))} "
            f"(was {d(data.get('previous_target'))})."
        )
    if kind == "notification-failed":
        return (
            f"A '{data.get('kind')}' notice for '{step}' to {roles.many(list(data.get('recipients', [])))} "
            "failed after every retry."
        )
    if kind == "process-closed":
        return (
            f"Process closed: {data.get('status', '')}" + (f" ({data['outcome']})" if data.get("outcome") else "") + "."
        )
    words = kind.replace("-", " ").capitalize()
    details = ", ".join(
        f"{k.replace('_', ' ')} {d(v) if k.endswith('_on') and isinstance(v, str) else v}"
        for k, v in data.items()
        if isinstance(v, (str, int, bool)) and v not in ("", None)
    )
    by = f" by {roles(entry.actor)}" if entry.actor else ""
    return f"{words}{by}" + (f": {details}" if details else "") + "."


def step_lines(step: StepSummary, roles: Roles) -> list[str]:
    head = f"{step.title} ({step.rule_id}" + (f", occurrence {step.instance}" if step.instance > 1 else "") + ")"
    lines = [head, f"  basis: {step.basis}", f"  from {d(step.anchor)}: due {d(step.due)}, target {d(step.target)}"]
    lines += [f"    {line}" for line in step.explanation]
    lines.append(f"  owner: {roles(step.owner)}")
    if step.reminders:
        sent = "; ".join(f"{d(r.on)} to {roles.many(list(r.data.get('recipients', [])))}" for r in step.reminders)
        lines.append(f"  reminders sent ({len(step.reminders)}): {sent}")
    if step.exempt:
        lines.append(f"  exemption: {step.exemption_ground}")
    if step.status == "completed":
        lines.append(f"  outcome: done on {d(step.completed_on)}, {lateness(step.on_time, step.days_late)}")
    else:
        lines.append(f"  outcome: {step.status}")
    return lines


def timeline_text(timeline: Timeline, roles: Roles) -> str:
    kind = PROCESS_LABELS.get(timeline.process_kind or "", timeline.process_kind or timeline.workflow_type)
    lines = [
        f"Case {timeline.case_ref or '?'}: {kind}" + (f", LA {timeline.la}" if timeline.la else ""),
        f"Workflow {timeline.workflow_id} ({len(timeline.runs)} run{'s' if len(timeline.runs) != 1 else ''}, "
        f"{timeline.events} history events)",
    ]
    if timeline.received_on:
        lines.append(f"Received: {d(timeline.received_on)}")
    if timeline.closed:
        lines.append(
            f"Closed: {d(timeline.entries[-1].on if timeline.entries else None)}, status {timeline.status}"
            + (f" ({timeline.outcome})" if timeline.outcome else "")
        )
    else:
        lines.append(f"Still open (status {timeline.status or 'open'})")
    for reset in timeline.resets:
        lines.append(f"WARNING: {reset.sentence()}")
    if timeline.rewritten:
        lines.append(
            f"WARNING: {len(timeline.rewritten)} record(s) of an earlier run are not in the current history "
            "(marked REMOVED BY A RESET below); the steps below follow the current history."
        )
    titles = {s.rule_id: s.title for s in timeline.steps}
    lines += ["", "Statutory steps:"]
    for step in timeline.steps:
        lines += ["  " + line for line in step_lines(step, roles)]
    lines += ["", "What happened, in order (dates in Europe/London):"]
    for entry in timeline.entries:
        removed = "REMOVED BY A RESET: " if entry.rewritten else ""
        lines.append(f"  {d(entry.on)}  {removed}{describe(entry, roles, titles)}")
    lines += ["", "Who was told, and how it went then (times in Europe/London):"]
    for notice in timeline.notices:
        removed = "REMOVED BY A RESET: " if notice.rewritten else ""
        lines.append(f"  {d(notice.on)} {local_time(notice.at)}  {removed}{notice_sentence(notice, roles, titles)}")
    if not timeline.notices:
        lines.append("  No notice was sent.")
    return "\n".join(lines)


# --- plain words, for the report (issue 21, finding 5) -----------------------------------------------------------

NOTE_READERS = ("senco", "auditor")  # who may read staff's own words (notes, reasons, evidence) in the report
WORDS = ("note", "reason", "evidence")  # those words, in a record's data
NOTICE_KINDS = {
    "assigned": "Assignment notice",
    "reminder": "Reminder",
    "overdue": "Overdue escalation",
    "asap": "\u2018As soon as practicable\u2019 reminder",
    "prompt": "Prompt",
    "completed": "\u2018Done\u2019 confirmation",
    "exemption": "Exemption notice",
    "rescheduled": "\u2018Dates changed\u2019 notice",
    "withdrawn": "\u2018Withdrawn\u2019 notice",
    "cancelled": "\u2018Cancelled\u2019 notice",
    "closes": "\u2018Period closing\u2019 notice",
}
CHANNEL_WORDS = {
    "email": "by e-mail",
    "o365": "by e-mail (Microsoft 365)",
    "teams": "in Teams",
    "outbox": "in the outbox",
}
# An ISO date (or instant) standing on its own: not one inside a key (".../overdue/2027-01-04T08:00:00+00:00/...").
_ISO_DATE = re.compile(r"(?<![/\w-])(\d{4}-\d{2}-\d{2})(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?(?![\w:/+-])")
_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")  # e.g. cease-upheld, la-sen-officer


def local_time(instant: datetime, zone: str = LONDON) -> str:
    """'14:05': the wall-clock time in Europe/London."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def local_moment(instant: datetime, zone: str = LONDON) -> str:
    """'Tue 12 Jan 2027 at 14:05': the project's date format and the wall-clock time, in Europe/London."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{fmt(local.date())} at {local:%H:%M}"


def rule_of(rule_id: str | None, on: date | None = None) -> Rule | None:
    if not rule_id:
        return None
    try:
        return get_rule(rule_id, on)
    except Exception:  # noqa: BLE001 - unknown, or not in force on that day: the latest version, or nothing
        try:
            return get_rule(rule_id)
        except Exception:  # noqa: BLE001
            return None


def step_title(rule_id: str | None, titles: Mapping[str, str] | None = None) -> str:
    """A step's plain title: as the plan gave it, else the rule book's, else "a step"."""
    title = (titles or {}).get(rule_id or "")
    if title and title != rule_id:
        return title
    rule = rule_of(rule_id)
    return rule.title if rule else "a step"


def ground_words(ground_id: str | None) -> str:
    """An exemption ground in plain words (the rule book's), with its regulation."""
    ground = next((g for g in EXEMPTION_GROUNDS if g.id == ground_id), None)
    if ground is None:
        return "a ground the rule book does not name" if ground_id else "no ground given"
    title = getattr(ground, "title", None) or ground.summary
    return f"{title} ({ground.regulation})"


def plain_text(text: str) -> str:
    """Dates in a piece of text in the project's format; a code (cease-upheld) in words."""
    text = _ISO_DATE.sub(lambda m: d(m[1]), text)
    for ground in EXEMPTION_GROUNDS:  # e.g. an outcome "exemption la-absence: as soon as practicable"
        title = getattr(ground, "title", None) or ground.summary
        text = re.sub(rf"(?<![\w-]){re.escape(ground.id)}(?![\w-])", f"({title})", text)
    text = re.sub(r"\b(\d+) day\(s\)", lambda m: f"{m[1]} day{'s' if m[1] != '1' else ''}", text)
    if _CODE.match(text):
        text = re.sub(r"\b(la|sen|send|ehc)\b", lambda m: m[1].upper(), text.replace("-", " "))
    return text


def plain_value(key: str, value: Any, roles: Roles) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in ("by", "claimed_by", "from", "to", "owner") and isinstance(value, str):
        return roles(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_value(key, v, roles) for v in value) or "none"
    return plain_text(str(value))


def kind_words(kind: str) -> str:
    words = kind.replace("-", " ").replace("_", " ").capitalize()
    return re.sub(r"\b[Ll]a\b", "LA", words)


def _words(data: Mapping[str, Any], notes: bool) -> str:
    """Staff's own words in a record, when the reader may see them."""
    if not notes:
        return ""
    said = [(k, str(data[k]).strip()) for k in WORDS if isinstance(data.get(k), str) and str(data[k]).strip()]
    return "".join(f" {k.capitalize()}: \u201c{v}\u201d." for k, v in said)


def describe_plainly(
    entry: Entry, roles: Roles, titles: Mapping[str, str] | None = None, *, notes: bool = False
) -> str:
    """One record as a sentence, in words only (see describe)."""
    data, kind = entry.data, entry.kind
    step = step_title(entry.rule_id, titles)
    words = _words(data, notes)
    if kind in ("request-received", "consultation-received"):
        how = CHANNEL_WORDS.get(str(data.get("channel")), f"by {data['channel']}") if data.get("channel") else ""
        what = "Request" if kind == "request-received" else "Draft plan consultation"
        return f"{what} received on {d(data.get('received_on'))}" + (f" ({how})" if how else "") + "."
    if kind == "step-opened":
        s = entry.record.step
        return (
            f"Step \u2018{step}\u2019 opened for {roles(s.owner if s else None)}: statutory date "
            f"{d(data.get('due'))}, target {d(data.get('target'))}."
        )
    if kind in ("reminder-sent", "escalation-sent"):
        name = NOTICE_KINDS.get(str(data.get("kind")), "Notice")
        failed = "" if data.get("delivered", True) else " It could not be delivered."
        return f"{name} about \u2018{step}\u2019 sent to {roles.many(list(data.get('recipients', [])))}.{failed}"
    if kind == "exemption-recorded":
        period = ""
        if data.get("start"):
            period = f", from {d(data['start'])}" + (f" to {d(data['end'])}" if data.get("end") else "")
        return (
            f"Exemption recorded on \u2018{step}\u2019 by {roles(entry.actor)}: {ground_words(data.get('ground'))}"
            f"{period}. The time limit no longer binds; the duty is to act as soon as practicable.{words}"
        )
    if kind == "completed":
        s = entry.record.step
        on_time = data.get("on_time") if "on_time" in data else (s.on_time if s else None)
        how = f" ({CHANNEL_WORDS.get(str(data['method']), 'by ' + str(data['method']))})" if data.get("method") else ""
        return (
            f"\u2018{step}\u2019 done on {d(data.get('completed_on'))}{how}, recorded by {roles(entry.actor)}: "
            f"{lateness(on_time, data.get('days_late'))}.{words}"
        )
    if kind in ("withdrawn", "cancelled"):
        return f"\u2018{step}\u2019 {kind} on {d(data.get(f'{kind}_on'))} by {roles(entry.actor)}.{words}"
    if kind == "reassigned":
        return (
            f"\u2018{step}\u2019 handed from {roles(data.get('from'))} to {roles(data.get('to'))} by "
            f"{roles(entry.actor)}.{words}"
        )
    if kind == "step-rescheduled":
        return (
            f"\u2018{step}\u2019 planned again as its date moved to {d(data.get('anchor'))}: statutory date "
            f"{d(data.get('due'))} (was {d(data.get('previous_due'))}), target {d(data.get('target'))}."
        )
    if kind == "step-replanned":
        return (
            f"\u2018{step}\u2019 planned again by {roles(entry.actor)} with the rule book and calendar as they "
            f"are now: statutory date {d(data.get('due'))} (was {d(data.get('previous_due'))}), target "
            f"{d(data.get('target'))} (was {d(data.get('previous_target'))}).{words}"
        )
    if kind == "notification-failed":
        name = NOTICE_KINDS.get(str(data.get("kind")), "A notice")
        return (
            f"{name} about \u2018{step}\u2019 to {roles.many(list(data.get('recipients', [])))} could not be "
            "delivered after every retry."
        )
    if kind == "process-closed":
        outcome = f" ({plain_text(str(data['outcome']))})" if data.get("outcome") else ""
        return f"Process closed: {plain_text(str(data.get('status', '')))}{outcome}."
    if kind in ("meeting-set", "meeting-rescheduled"):
        verb = "set for" if kind == "meeting-set" else "moved to"
        short = " at short notice" if data.get("short_notice") else ""
        return (
            f"Review meeting {verb} {d(data.get('meeting_on'))}{short}, recorded by "
            f"{roles(data.get('by') or entry.actor)}.{words}"
        )
    if kind in ("la-decision", "la-decided"):
        by = data.get("by") or entry.actor
        return (
            f"The LA\u2019s decision, {plain_text(str(data.get('decision', 'recorded')))}, made on "
            f"{d(data.get('decided_on'))}" + (f", recorded by {roles(by)}" if by else "") + f".{words}"
        )
    if kind == "meeting-held":
        came = f" Attended: {plain_value('attended', data['attended'], roles)}." if data.get("attended") else ""
        return (
            f"Review meeting held on {d(data.get('held_on'))}, recorded by {roles(data.get('by') or entry.actor)}."
            f"{came}{words}"
        )
    details = ", ".join(
        f"{kind_words(k).lower()}: {plain_value(k, v, roles)}"
        for k, v in data.items()
        if k not in WORDS and k != "explanation" and v not in ("", None, [], {})
    )
    by = f" by {roles(entry.actor)}" if entry.actor and "by" not in data else ""
    return re.sub(r"\bla\b", "LA", f"{kind_words(kind)}{by}" + (f": {details}" if details else "") + ".") + words


def channel_words(channel: str) -> str:
    """A channel label of the outbox ("email", "teams", "email-2", "email+teams") in words."""
    labels = [re.sub(r"-\d+$", "", label) for label in channel.split("+") if label]
    said = list(dict.fromkeys(CHANNEL_WORDS.get(label, f"by {label}") for label in labels))
    return " and ".join(said) or "by no channel"


def outcome_words(told: Told) -> str:
    """How a notice went for one recipient, at the time (activities/notifier.py says what each status means)."""
    channel, status = told.channel, told.status
    if status == "kept":
        return {
            "own-action": "not sent: they made the change themselves (kept in the outbox)",
            "dashboard": "shown on the dashboard (a period given to the parent; nothing asked of staff)",
            "digest": "left for the weekly digest (kept in the outbox)",
        }.get(channel, "kept in the outbox (no e-mail or Teams set up for them)")
    if status == "sent":
        return f"sent {channel_words(channel)}"
    if status == "accepted":
        return f"accepted {channel_words(channel)}"
    if status == "held":
        return f"held until working hours, then to be sent {channel_words(channel)}"
    if status == "fallback":
        return (
            f"not delivered on their own channels, so sent to the SENCO "
            f"{channel_words(channel.removeprefix('fallback:'))} instead"
        )
    if status == "skipped":
        return "already delivered before (not sent twice)"
    if status == "failed":
        return (
            f"failed {channel_words(channel)} after every retry"
            if channel not in ("", "-")
            else "failed after every retry"
        )
    return "not known (the notice failed for someone else)"


def notice_sentence(notice: Notice, roles: Roles, titles: Mapping[str, str] | None = None) -> str:
    """A notice as a sentence: what it was, about which step, and for each recipient how it went then."""
    name = NOTICE_KINDS.get(notice.kind or "", "A notice (the history does not say which)")
    about = f" about \u2018{step_title(notice.rule_id, titles)}\u2019" if notice.rule_id else ""
    each = "; ".join(f"{roles(t.recipient)}: {outcome_words(t)}" for t in notice.told) or "nobody"
    return f"{name}{about}. To {each}."


def plain_explanation(lines: list[str], rule_id: str, title: str | None = None) -> list[str]:
    """The rule book's explanation of a step's dates, without rule ids or counting-convention codes (nor the step's
    title, when the reader has it already)."""
    out = []
    for line in lines:
        line = re.sub(rf"^{re.escape(rule_id)}: ", "", line)
        if title and line.startswith(f"{title}. "):
            line = line[len(title) + 2 :]
        line = re.sub(r"Counting convention C\d+ \(([^()]*)\)", r"How it is counted (\1)", line)
        line = re.sub(r" ?\(C\d+\)", "", line)
        line = line.replace("Duty-holder:", "Whose duty:").replace("; anchor:", "; counted from:")
        out.append(line)
    return out


def received_words(process_kind: str | None) -> str:
    """What a process's first date is (Timeline.received_on): an annual review's is its cycle's opening."""
    return BY_KIND[process_kind].began if process_kind in BY_KIND else "received"


def is_window(rule: Rule | None) -> bool:
    """A period given to the parent (it ends by itself), or an earliest date: no deadline of the school's."""
    return rule is not None and rule.holder in (Holder.PARENT, Holder.REQUESTER)


def verdict_words(step: StepSummary, today: date) -> tuple[str, str]:
    """Was the statutory date met: (words, one of "ok", "late", "open", "overdue", "exempt", "none")."""
    if step.exempt:
        return f"exempt: {ground_words(step.exemption_ground)}", "exempt"
    rule = rule_of(step.rule_id, step.anchor)
    if step.status in ("withdrawn", "cancelled"):
        return f"{step.status}: no longer required", "none"
    if step.status == "completed":
        if step.on_time is None or (rule is not None and rule.holder is Holder.REQUESTER):
            return "done (an earliest date, not a deadline)", "none"
        if rule is not None and rule.holder is Holder.PARENT:
            return "period ended", "none"
        if step.on_time:
            return "on time", "ok"
        n = step.days_late or 0
        return f"{n} day{'s' if n != 1 else ''} late", "late"
    if is_window(rule):
        return ("still open" if today <= step.due else "still open, its date has passed"), "none"
    if today > step.due:
        n = (today - step.due).days
        return f"still open, {n} day{'s' if n != 1 else ''} overdue", "overdue"
    n = (step.due - today).days
    return ("still open, due today" if n == 0 else f"still open, due in {n} day{'s' if n != 1 else ''}"), "open"
