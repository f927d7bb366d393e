"""Turning query results into what pages and the API show: step rows with words for their state, filters, sorting,
counts, the case timeline and the outbox. Shared by the HTML pages, the JSON API and the feeds.

Every read is the user's scope (dashboard/scope.py), its school's included: a trust role's lists (several schools in
one deployment, issue 25) add each row's school (shows_schools), and name each row's staff by that school's
directory; a school's own lists, and every list of a single-school deployment, name no school."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

from audit.backdating import ESCALATION, completion_flag
from config.school_calendar import school_calendar
from config.settings import LaPractice, UnknownSchool
from dashboard.auth import User
from dashboard.case_words import facts_said
from dashboard.context import PROCESS_LABELS, Web
from dashboard.scope import EventPart, ProcessPart, scope_of
from statutory import RULES, get_rule
from statutory.actions import StepKind, step_kind
from statutory.clock import fmt
from statutory.conventions import transfer_warning as rule_book_transfer_warning
from store.models import Event, Process, Step
from store.queries import OpenStep, process_detail
from store.reconcile import reopened_outside, stopped_processes
from store.step_list import Counts, Cursor, Facet, RuleKinds, StepQuery, count, facets, page, stopped_rows
from store.web_queries import (
    REVIEW_DUE,
    case_processes,
    completion_key,
    outbox_messages,
    process_facts,
    step_prefix,
)
from workflows.registry import SCHOOL_DUTY

# A review's steps before its meeting (the notice, the advice circulated): short notice of the meeting may be agreed.
BEFORE_MEETING = ("review-notice", "review-advice-circulation")

VIEWS = {"open": "Open statutory steps", "overdue": "Overdue statutory steps", "due-soon": "Statutory steps due soon"}
SORTS = ("due", "target", "case", "la", "owner", "rule", "process")  # the columns a list sorts by (store/step_list.py)
PAGE_SIZE = 50  # rows on a page of the step lists (?limit= asks for another size, up to MAX_PAGE)
MAX_PAGE = 500
OUTBOX_LIMIT = 200


def shows_schools(web: Web, user: Any) -> bool:
    """Whether the user's lists name each row's school: a trust role, in a deployment of several schools."""
    return web.several_schools and bool(getattr(user, "is_trust", False))


def school_choices(web: Web) -> list[tuple[str, str]]:
    """Every school of the deployment as a filter offers it: (id, name), in the settings' order."""
    return [(school, web.school_name(school)) for school in web.root.settings.school_ids]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@lru_cache(maxsize=256)
def kind_of(rule_id: str) -> StepKind:
    """What kind of step a rule makes (statutory/actions.py): a duty, a look-out on the LA, the parent's window, an
    earliest date; a rule the rule book does not know is treated as a duty."""
    try:
        return step_kind(get_rule(rule_id))
    except ValueError:
        return "duty"


@lru_cache(maxsize=256)
def title_of(rule_id: str) -> str:
    """The rule's plain title (the rule id if the rule book does not know it)."""
    try:
        return get_rule(rule_id).title
    except ValueError:
        return rule_id


def days_text(step: OpenStep, kind: StepKind = "duty") -> str:
    """Time left as words, so the state never depends on colour alone; said as the kind of step is: the LA late, a
    window closing, an earliest date come (never "overdue")."""
    days = step.days_left
    if kind == "window":
        return "Closes today" if days == 0 else f"Closes in {plural(days, 'day')}" if days > 0 else "Closed"
    if kind == "prompt":
        return "Can be done now" if days <= 0 else f"From {fmt(step.target)}"
    if kind == "chase":
        if days < 0:
            return f"The LA is {plural(-days, 'day')} late"
        return "The LA is due today" if days == 0 else f"The LA has {plural(days, 'day')} left"
    if step.overdue:
        return f"{plural(-days, 'day')} overdue"
    if days == 0:
        return "Due today"
    return f"{plural(days, 'day')} left"


@dataclass(frozen=True)
class StepRow:
    step: OpenStep
    owner_name: str
    days_text: str
    workflow_url: str
    due_soon: bool
    process_label: str
    kind: StepKind = "duty"  # statutory/actions.py: duty, chase (the LA's), window (the parent's), prompt (earliest)
    title: str = ""  # the rule's plain title
    short_notice: bool = False  # a review's notice or advice step, with short notice of the meeting agreed
    school_name: str = ""  # its school's name, in a deployment of several schools ("": one school, named nowhere)

    @property
    def overdue(self) -> bool:
        """Late: a duty past its due date, or the LA past its own (a window closes, an earliest date is never late)."""
        return self.step.overdue and self.kind in ("duty", "chase")

    @property
    def status(self) -> str:
        if self.step.stopped:
            return "stopped"
        return "overdue" if self.overdue else "due-soon" if self.due_soon else "open"

    def as_json(self) -> dict[str, Any]:
        s = self.step
        school = {"school": s.school, "school_name": self.school_name} if self.school_name else {}
        return school | {
            "workflow_id": s.workflow_id,
            "process": s.process_kind,
            "case_ref": s.case_ref,
            "la": s.la,
            "rule_id": s.rule_id,
            "basis": s.basis,
            "owner": s.owner,
            "owner_name": self.owner_name,
            "due": s.due.isoformat(),
            "target": s.target.isoformat(),
            "days_left": s.days_left,
            "overdue": self.overdue,
            "title": self.title,
            "kind": self.kind,
            "due_soon": self.due_soon,
            "status": self.status,
            "exempt": s.exempt,
            "days_text": self.days_text,
            "temporal_url": self.workflow_url or None,
            "stopped_outside_sendclock": s.stopped,
        }


@dataclass(frozen=True)
class Filters:
    la: str = ""
    owner: str = ""
    rule: str = ""
    process: str = ""
    sort: str = ""
    desc: bool = False
    school: str = ""  # a trust role's one school (the scope applies it: dashboard/access.py); kept in sort links

    def keep(self, row: StepRow) -> bool:
        s = row.step
        return (
            (not self.la or s.la == self.la)
            and (not self.owner or s.owner == self.owner)
            and (not self.rule or s.rule_id == self.rule)
            and (not self.process or s.process_kind == self.process)
        )

    def query(self, **changes: Any) -> dict[str, str]:
        values = {
            "la": self.la,
            "owner": self.owner,
            "rule": self.rule,
            "process": self.process,
            "sort": self.sort,
            "desc": "1" if self.desc else "",
            "school": self.school,
        } | changes
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class StepList:
    view: str
    today: date
    rows: list[StepRow]  # this page's rows (the first page: the steps of stopped processes first)
    counts: dict[str, int]  # every open step the filters keep, over all pages
    options: dict[str, list[tuple[str, str]]]  # filter choices: value, label
    # Processes stopped outside sendclock (store/reconcile.py) the user may see: first on the page, for a SENCO.
    stopped: list[dict[str, str]] = field(default_factory=list)
    show_schools: bool = False  # a trust role's list: a School column and filter (shows_schools)
    total: int = 0  # rows of this view over all pages
    start: int = 1  # the number of this page's first row in the whole list
    next_cursor: str | None = None  # where the next page starts (None: this is the last page)
    limit: int = PAGE_SIZE
    by_school: dict[str, Counts] = field(default_factory=dict)  # the counts of each school, filters applied

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1


@lru_cache(maxsize=1)
def rule_kinds() -> RuleKinds:
    """The rules whose steps are never overdue (a window, an earliest date) or never due soon (an earliest date)."""
    kinds = {rule.id: step_kind(rule) for rule in RULES}
    return RuleKinds(
        never_overdue=frozenset(r for r, k in kinds.items() if k in ("window", "prompt")),
        never_due_soon=frozenset(r for r, k in kinds.items() if k == "prompt"),
    )


def step_query(web: Web, user: User, filters: Filters) -> StepQuery:
    scope = scope_of(user)
    return StepQuery(
        today=web.clock.today(),
        due_soon_days=web.web.due_soon_days,
        kinds=rule_kinds(),
        school=scope.school,
        scope_owner=scope.owner,
        la=filters.la,
        owner=filters.owner,
        rule=filters.rule,
        process=filters.process,
    )


def in_view(row: StepRow, view: str) -> bool:
    return view == "open" or (row.overdue if view == "overdue" else row.due_soon)


def step_list(
    web: Web,
    user: User,
    view: str,
    filters: Filters,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    start: int = 1,
) -> StepList:
    """One page of a step list, its counts and its filters' choices, read in SQL (store/step_list.py). `cursor`:
    where the page starts (the last page's `next_cursor`; BadCursor if this list did not make it); `start`: the
    number of its first row, for the page to say (the link carries it)."""
    (found,) = step_lists(web, user, (view,), filters, cursor=cursor, limit=limit, start=start)
    return found


def step_lists(
    web: Web,
    user: User,
    views: Sequence[str],
    filters: Filters,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    start: int = 1,
) -> list[StepList]:
    """step_list of each of `views` with the same filters (the trust view's overdue and due-soon lists): the counts,
    the filters' choices and the stopped processes read once for all of them, a page of rows for each."""
    scope = scope_of(user)
    query = step_query(web, user, filters)
    today = query.today
    sort = filters.sort if filters.sort in SORTS else ""
    after = Cursor.decode(cursor, sort, filters.desc) if cursor else None
    several = web.several_schools
    with web.sessionmaker() as session:
        groups = facets(session, query)
        names = {(f.school, f.owner): web.staff_name(f.owner, f.school) for f in groups}
        stopped = stopped_processes(session)
        halted = [st.process.workflow_id for st in stopped]
        pages = [
            page(
                session,
                query,
                view,
                sort=sort,
                desc=filters.desc,
                after=after,
                limit=limit,
                owner_names=names,
                stopped=halted,
            )
            for view in views
        ]
        unfiltered = replace(query, la="", owner="", rule="", process="")
        stopped_steps = stopped_rows(session, unfiltered, "open", halted)
        shown = [s for s in stopped_steps if after is None] + [s for found in pages for s in found.steps]
        facts = process_facts(session, (s.workflow_id for s in shown if s.rule_id in BEFORE_MEETING))
    mine = {s.workflow_id for s in stopped_steps}
    stopped_views = [
        {
            "case_ref": st.process.case_ref,
            "la": st.process.la,
            "sentence": st.sentence,
            "label": PROCESS_LABELS.get(st.process.kind, st.process.kind),
            "workflow_id": st.process.workflow_id,
            "school": st.process.school,
        }
        for st in stopped
        if scope.sees_school(st.process.school) and (scope.everything or st.process.workflow_id in mine)
    ]

    def row_of(s: OpenStep) -> StepRow:
        return StepRow(
            step=s,
            owner_name=names.get((s.school, s.owner)) or web.staff_name(s.owner, s.school),
            days_text=days_text(s, kind_of(s.rule_id)),
            workflow_url=web.workflow_url(s.workflow_id, user),
            due_soon=0 <= s.days_left <= query.due_soon_days and kind_of(s.rule_id) != "prompt",
            process_label=PROCESS_LABELS.get(s.process_kind, s.process_kind),
            kind=kind_of(s.rule_id),
            title=title_of(s.rule_id),
            short_notice=s.rule_id in BEFORE_MEETING and bool(facts.get(s.workflow_id, {}).get("short_notice")),
            school_name=web.school_name(s.school) if several else "",
        )

    stopped_first = [row_of(s) for s in (stopped_steps if after is None else [])]
    show_schools = shows_schools(web, user)
    options = {
        "la": [(v, v) for v in sorted({f.la for f in groups})],
        # Staff ids are each school's own: across schools one id is several people, so only one school's are offered.
        "owner": sorted({(f.owner, names[(f.school, f.owner)]) for f in groups}, key=lambda o: o[1].lower())
        if not show_schools or scope.school is not None
        else [],
        "rule": sorted({(f.rule_id, title_of(f.rule_id)) for f in groups}, key=lambda o: o[1].lower()),
        "process": sorted({(f.process_kind, PROCESS_LABELS.get(f.process_kind, f.process_kind)) for f in groups}),
        "school": school_choices(web) if show_schools else [],
    }
    kept = [f for f in groups if f.kept(query)]
    counts = count(kept)
    by_school: dict[str, list[Facet]] = {}
    for f in kept:
        by_school.setdefault(f.school, []).append(f)
    return [
        StepList(
            view=view,
            today=today,
            rows=[r for r in stopped_first if filters.keep(r) and in_view(r, view)] + [row_of(s) for s in found.steps],
            counts=counts.as_dict(),
            options=options,
            stopped=stopped_views,
            show_schools=show_schools,
            total=counts.of(view),
            start=start,
            next_cursor=found.next.encode() if found.next else None,
            limit=limit,
            by_school={school: count(fs) for school, fs in by_school.items()},
        )
        for view, found in zip(views, pages, strict=True)
    ]


# --- case timeline -------------------------------------------------------------------------------------------

EVENT_LABELS = {
    "process-opened": "Received",
    "step-opened": "Step opened",
    "reminder-sent": "Reminder sent",
    "escalation-sent": "Escalation sent",
    "exemption-recorded": "Exemption recorded",
    "completed": "Completed",
    "withdrawn": "Withdrawn",
    "cancelled": "Cancelled",
    "reassigned": "Reassigned",
    "step-rescheduled": "Rescheduled",
    "notification-failed": "Notification failed",
    "request-received": "Request received",
    "consultation-received": "Consultation received",
    "review-cycle-opened": "Review cycle opened",
    "review-cycle-closed": "Review cycle closed",
    "meeting-set": "Meeting set",
    "meeting-rescheduled": "Meeting moved",
    "meeting-held": "Meeting held",
    "la-decision": "LA decision",
    "la-decided": "LA decision",
    "final-plan": "Final plan",
    "appeal-lodged": "Appeal lodged",
    "appeal-decided": "Appeal decided",
    "plan-ceased": "Plan ceased",
    "needs-changed": "Needs changed",
    "request-sent": "Request sent",
    "advice-closed": "Advice closed",
    "process-closed": "Closed",
    "la-chased": "LA chased",
    "la-chase-failed": "Chase letter not sent",
}


def event_label(kind: str) -> str:
    """An event's kind as a short heading ("LA decision"); one the table does not know, from its words."""
    words = kind.replace("-", " ").replace("_", " ")
    return EVENT_LABELS.get(kind) or re.sub(r"\b(la|sen|ehc)\b", lambda m: m[1].upper(), words.capitalize())


@dataclass(frozen=True)
class ProcessView:
    process: Process | ProcessPart  # a ProcessPart for staff (dashboard.scope)
    label: str
    steps: list[Step]
    events: list[Event | EventPart]
    workflow_url: str
    # Why a completed step's completion looks backdated, by (rule id, instance) (audit/backdating.py); judged from
    # every record of the process, before the user's scope cuts them.
    backdated: dict[tuple[str, int], str] = field(default_factory=dict)
    # Closed here, but running again in Temporal after a reset outside sendclock (store/reconcile.py): what was found.
    reopened: dict[str, Any] | None = None
    # The process's LA profile (settings las.<name>: its portal and SEN team mailbox, shown by its name); None: none.
    la_profile: LaPractice | None = None
    school_name: str = ""  # its school's name, in a deployment of several schools ("": one school, named nowhere)

    @property
    def finished(self) -> bool:
        """Closed (completed, withdrawn, cancelled): shown after the open ones. A process stopped outside sendclock
        is not finished: its open steps still count."""
        return self.process.status not in ("open", "stopped")

    @property
    def titles(self) -> dict[str, str]:
        """Each rule of the process's steps by its plain title (the event sentences name steps so)."""
        return {s.rule_id: rule_title(s) for s in reversed(self.steps)}

    @property
    def facts_said(self) -> list[str]:
        """What a termly or yearly process has learnt, in sentences (dashboard/case_words.py)."""
        return facts_said(self.process, self.steps, self.events)

    def backdated_of(self, step: Step) -> str | None:
        return self.backdated.get((step.rule_id, step.instance))

    def meeting_on(self, step: Step) -> date | None:
        """The review meeting recorded on an annual-review-due step's completion (the LA's decision), if any."""
        if step.rule_id != REVIEW_DUE or step.status != "completed":
            return None
        key = completion_key(self.process.workflow_id, step.rule_id, step.instance)
        found = next((e for e in self.events if e.key == key), None)
        try:
            return (
                date.fromisoformat(found.data["meeting_held_on"])
                if found and found.data.get("meeting_held_on")
                else None
            )
        except (TypeError, ValueError):
            return None


def process_heading(process: Process) -> str:
    """A process as the case page heads it: its kind in a SENCO's words, and for a school duty, which duty (its case
    reference is the duty's rule id in capitals: workflows.models.duty_case_ref)."""
    label = PROCESS_LABELS.get(process.kind, process.kind)
    return f"{label}: {title_of(process.case_ref.lower())}" if process.kind == SCHOOL_DUTY.kind else label


def rule_title(step: Step) -> str:
    """The title of the step's rule (in force on its anchor), as the page names the step; the rule id if unknown."""
    try:
        return get_rule(step.rule_id, on=step.anchor).title
    except ValueError:
        return step.rule_id


def transfer_warning(step: Step) -> str | None:
    """A transfer on or before the reg 18 date (a January or mid-year move): the date the law sets does not help,
    and the page says so beside the step, in the rule book's words."""
    if step.status not in ("open", "completed"):
        return None
    try:
        rule = get_rule(step.rule_id, on=step.anchor)
    except ValueError:
        return None
    warning = rule_book_transfer_warning(rule, step.anchor, step.due)
    return warning[0].upper() + warning[1:] if warning else None


def step_state_text(step: Step, today: date, meeting_on: date | None = None) -> str:
    """The step's state in words; `meeting_on`, an annual review's meeting, marks a review concluded late by the LA
    after a meeting on time as "late (LA)"."""
    if step.status == "completed":
        if step.on_time:
            return "Completed on time"
        if step.days_late:
            late = f"Completed {plural(step.days_late, 'day')} late"
            if meeting_on is not None and meeting_on <= step.due:
                return f"{late} (LA): the meeting was on time ({fmt(meeting_on)}), the LA's decision was not"
            return late
        return "Completed"
    if step.status == "open":
        left = (step.due - today).days
        kind = kind_of(step.rule_id)
        if kind == "chase":  # the LA's own date: late is the LA's, and the school chases it
            return (
                f"Open: the LA is {plural(-left, 'day')} late"
                if left < 0
                else f"Open: the LA is due by {fmt(step.due)}"
            )
        if kind == "window":  # the parent's period: it closes by itself
            return "Open until " + fmt(step.due) if left >= 0 else "Closed"
        if kind == "prompt":  # an earliest date: never late
            return "Can be done now" if left <= 0 else f"From {fmt(step.due)}"
        return (
            f"Open, {plural(-left, 'day')} overdue"
            if left < 0
            else "Open, due today"
            if left == 0
            else f"Open, {plural(left, 'day')} left"
        )
    return step.status.capitalize()


def backdating_flags(web: Web, process: Process, steps: list[Step], events: list[Event]) -> dict[tuple[str, int], str]:
    """Each completed step whose completion looks backdated, with why: its record against its date given and the
    overdue notices recorded before it, by the school's calendar and audit.backdating_working_days."""
    settings = web.settings
    calendar, limit = school_calendar(settings), settings.audit.backdating_working_days
    by_key = {e.key: e for e in events}
    found = {}
    for s in steps:
        completion = by_key.get(completion_key(process.workflow_id, s.rule_id, s.instance))
        if s.status != "completed" or completion is None:
            continue
        prefix = step_prefix(process.workflow_id, s.rule_id, s.instance)
        escalations = [
            (e.occurred_at, e.data or {}) for e in events if e.kind == ESCALATION and e.key.startswith(prefix)
        ]
        flag = completion_flag(
            given=s.completed_on,
            recorded_at=completion.occurred_at,
            actor=completion.actor,
            escalations=escalations,
            calendar=calendar,
            working_days=limit,
            tz=settings.timezone,
        )
        if flag:
            found[(s.rule_id, s.instance)] = flag
    return found


def case_timeline(web: Web, user: User, case_ref: str) -> list[ProcessView]:
    """Every process of a case the user may see, with the steps and events they may see (dashboard.scope: staff see
    only the processes with a step of theirs, and of those only their steps; nobody another school's); empty when
    there is no such case, or none of it is the user's to see (the same answer, so a reference is never confirmed).
    The open processes come first, then the finished ones (completed, withdrawn, cancelled), each group oldest first.
    Each process is read with its school's settings (its LA profiles, its calendar for backdating)."""
    scope = scope_of(user)
    several = web.several_schools
    with web.sessionmaker() as session:
        processes = case_processes(session, case_ref, school=scope.school)
        reopened = reopened_outside(session, [p.workflow_id for p in processes])
        views = []
        for p in processes:
            detail = process_detail(session, p.workflow_id)
            assert detail is not None
            seen = scope.process_view(*detail)
            if seen is None:
                continue
            process, steps, events = seen
            own = school_web(web, p.school)
            views.append(
                ProcessView(
                    process=process,
                    label=process_heading(p),
                    steps=steps,
                    events=events,
                    workflow_url=web.workflow_url(p.workflow_id, user),
                    backdated=backdating_flags(own, *detail),
                    reopened=reopened.get(p.workflow_id),
                    la_profile=own.settings.la_practice(p.la) if p.la else None,
                    school_name=web.school_name(p.school) if several else "",
                )
            )
    return sorted(views, key=lambda v: v.finished)  # the open first, then the finished (each oldest first: stable)


def school_web(web: Web, school: str) -> Web:
    """The Web of `school` for a row of it on a trust-wide page (`web` itself where it is that school's already, or
    the deployment has one school)."""
    if web.school == school or not web.several_schools:
        return web
    try:
        return web.for_school(school)
    except UnknownSchool:
        return web


def _step_json(v: ProcessView, s: Step, today: date) -> dict[str, Any]:
    meeting = v.meeting_on(s)
    return {
        "rule_id": s.rule_id,
        "title": rule_title(s),
        "instance": s.instance,
        "basis": s.basis,
        "anchor": s.anchor.isoformat(),
        "due": s.due.isoformat(),
        "target": s.target.isoformat(),
        "owner": s.owner,
        "status": s.status,
        "state": step_state_text(s, today, meeting),
        "warning": transfer_warning(s),
        "meeting_held_on": meeting.isoformat() if meeting else None,
        "exempt": s.exempt,
        "exemption_ground": s.exemption_ground,
        "completed_on": s.completed_on.isoformat() if s.completed_on else None,
        "on_time": s.on_time,
        "days_late": s.days_late,
        "backdated": v.backdated_of(s),
        "explanation": s.explanation,
        # The LA's practice date beside the statutory `due` (never instead of it), and its sentence; null: the law.
        "la_practice_due": s.la_practice_due.isoformat() if s.la_practice_due else None,
        "la_practice_note": s.la_practice_note,
    }


def timeline_json(views: list[ProcessView], today: date, web: Web) -> list[dict[str, Any]]:
    return [
        ({"school": v.process.school, "school_name": v.school_name} if v.school_name else {})
        | {
            "workflow_id": v.process.workflow_id,
            "process": v.process.kind,
            "case_ref": v.process.case_ref,
            "la": v.process.la,
            "owner": v.process.owner,
            "status": v.process.status,
            "received_on": v.process.received_on.isoformat(),
            "outcome": v.process.outcome,
            "facts": v.process.facts,
            "temporal_url": v.workflow_url or None,  # None: the user may not open the Temporal Web UI
            "steps": [_step_json(v, s, today) for s in v.steps],
            "events": [
                {
                    "occurred_at": e.occurred_at.isoformat(),
                    "kind": e.kind,
                    "label": event_label(e.kind),
                    "rule_id": e.rule_id,
                    "actor": e.actor,
                    "data": e.data,
                }
                for e in v.events
            ],
        }
        for v in views
    ]


# --- outbox --------------------------------------------------------------------------------------------------


def outbox_rows(web: Web, user: User) -> list[dict[str, Any]]:
    """The user's notices (staff: their own; nobody another school's), failures first, then the newest."""
    scope = scope_of(user)
    with web.sessionmaker() as session:
        messages = outbox_messages(session, limit=OUTBOX_LIMIT, recipient=scope.owner, school=scope.school)
    zone = web.zone
    several = web.several_schools
    return [
        ({"school": m.school, "school_name": web.school_name(m.school)} if several else {})
        | {
            "created": m.created_at.astimezone(zone),
            "recipient": web.staff_name(m.recipient, m.school),
            "recipient_id": m.recipient,
            "kind": m.kind,
            "channel": m.channel,
            "status": m.status,
            "subject": m.subject,
            "attempts": m.attempts,
            "error": m.error,
            "workflow_id": m.process_id,
            "rule_id": m.rule_id,
        }
        for m in messages
    ]
