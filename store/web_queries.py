"""Read-side queries for the web pages that store.queries does not answer: every step (for exports and the
compliance figures) and the event log (for auditors). Nothing here writes.

Schools (issue 25): every query here takes `school`, the one school whose rows to read (Process.school, or
Outbox.school; a step and an event are their process's school's); None reads every school (a trust-wide reader, or a
single-school deployment). The dashboard passes the reader's (dashboard/scope.py, Scope.school), so no page or API
answer reads another school's rows; each row carries its school, for the trust's lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, String, any_, bindparam, case, cast, func, literal, select, tuple_
from sqlalchemy.orm import Session, selectinload

from statutory.clock import local_date
from store.accounts import Account, SignInEvent
from store.models import Event, Outbox, Process, Step
from store.queries import DEFAULT_SCHOOL


@dataclass(frozen=True)
class StepFact:
    """One step of any status with what a report needs from its process. Carries no personal data."""

    workflow_id: str
    process_kind: str
    case_ref: str
    la: str
    rule_id: str
    instance: int
    basis: str
    anchor: date
    due: date
    target: date
    owner: str
    status: str
    exempt: bool
    exemption_ground: str | None
    completed_on: date | None
    on_time: bool | None
    days_late: int | None
    # The review meeting of an `annual-review-due` step (None for other rules, or when not yet known): the school's
    # part of the review, while the step's own completion is the LA's decision that concludes it.
    meeting_on: date | None = None
    # A completed step's completion record: when it was written (workflow time), its actor (the staff id given as
    # `by`) and the account that recorded it (data["recorded_by"], when the change came with one).
    recorded_at: datetime | None = None
    recorded_actor: str | None = None
    recorded_by: str | None = None
    # The step's overdue notices (escalation records: time, data), read only where they could show backdating: the
    # completion recorded after its due date and after its date given (audit/backdating.py).
    escalations: tuple[tuple[datetime, dict], ...] = ()
    # Why the completion looks backdated (audit/backdating.py), set by the caller that has the school calendar
    # (dashboard/compliance_view.py); None: not flagged, or not judged.
    backdated: str | None = None
    school: str = DEFAULT_SCHOOL  # its process's school (Process.school)


REVIEW_DUE = "annual-review-due"
# The columns a StepFact is made of, in its field order: selected as plain columns, not whole ORM objects (at 100k
# steps this takes the compliance report from about 10 s to about 2 s, bench/dashboard_queries.py).
# The process's workflow id, kind, case reference and LA are the step's copies (migration 0011): no join.
STEP_FACT_COLUMNS = (
    Step.process_id,
    Step.process_kind,
    Step.case_ref,
    Step.la,
    Step.rule_id,
    Step.instance,
    Step.basis,
    Step.anchor,
    Step.due,
    Step.target,
    Step.owner,
    Step.status,
    Step.exempt,
    Step.exemption_ground,
    Step.completed_on,
    Step.on_time,
    Step.days_late,
)


def completion_key(process_id: str, rule_id: str, instance: int) -> str:
    """The key a step's completion event is recorded under (workflows/step.py: "{workflow_id}/{rule_id}[#n]/..")."""
    return f"{step_prefix(process_id, rule_id, instance)}completed"


def step_prefix(process_id: str, rule_id: str, instance: int) -> str:
    """The prefix of every event key of one step instance (workflows/step.py: "{workflow_id}/{rule_id}[#n]/")."""
    return f"{process_id}/{rule_id}{'' if instance == 1 else f'#{instance}'}/"


ESCALATION = "escalation-sent"  # an overdue notice's record; its key: "{step prefix}overdue/{instant}"


# completion_key in SQL, of the step's own columns (store/compliance_sql.py and the tests match events by it).
_COMPLETION_KEY = (
    Step.process_id
    + literal("/")
    + Step.rule_id
    + case((Step.instance == 1, literal("")), else_=literal("#") + cast(Step.instance, String))
    + literal("/completed")
)
# The meeting of an annual review, where it is written: on the step's completion (the LA's decision, since issue 18);
# for a step still open, in the process's facts once this cycle's meeting is held. Both as the step carries them
# (migration 0012). Other rules: NULL.
_MEETING = case(
    (
        Step.rule_id == REVIEW_DUE,
        func.coalesce(
            case((Step.status == "completed", Step.meeting_held_on)),
            case((Step.status == "open", Step.process_held_on)),
        ),
    )
)
_RULE, _STATUS, _COMPLETED_ON = (STEP_FACT_COLUMNS.index(c) for c in (Step.rule_id, Step.status, Step.completed_on))
# A completed step's completion record, as the step carries it (migration 0012); read only while it is completed.
_RECORDED = (Step.recorded_at, Step.recorded_actor, Step.recorded_by)


def _meeting_on(rule_id: str, status: str, completed_on: date | None, recorded: str | None) -> date | None:
    """The meeting of an annual-review-due step: as recorded (on its completion, or this cycle's while it is open),
    else its completion date (steps completed by the meeting itself, before issue 18)."""
    if rule_id != REVIEW_DUE:
        return None
    if recorded:
        try:
            return date.fromisoformat(recorded)
        except ValueError:  # not a date: say nothing rather than fail the whole report
            return None
    return completed_on if status == "completed" else None


def all_steps(
    session: Session, *, due_from: date | None = None, due_to: date | None = None, school: str | None = None
) -> list[StepFact]:
    """Every step (optionally those due in [due_from, due_to]; of one `school`), by due date, case reference and step
    id; a completed step with its completion record, an annual-review-due step with its meeting date, and the overdue
    notices of a step completed after its due date (a second query, by process). The step table alone: the process's
    facts and the completion's are the step's copies (migrations 0011 and 0012)."""
    query = _facts_query(school).order_by(Step.due, Step.case_ref, Step.id)
    if due_from is not None:
        query = query.where(Step.due >= due_from)
    if due_to is not None:
        query = query.where(Step.due <= due_to)
    facts, _ = _facts_of(session.execute(query))
    return _with_escalations(session, facts)


def _with_escalations(session: Session, facts: list[StepFact]) -> list[StepFact]:
    """Each step's overdue notices, where they could matter: its completion recorded (on a later day, in Europe/London
    as every date of a step) after its due date (overdue notices come after it) and after its date given."""
    wanted = {
        step_prefix(f.workflow_id, f.rule_id, f.instance): i
        for i, f in enumerate(facts)
        if f.recorded_at is not None
        and f.completed_on is not None
        and f.recorded_at.date() >= max(f.due, f.completed_on)  # cheap first: London is never behind UTC
        and local_date(f.recorded_at) > max(f.due, f.completed_on)
    }
    if not wanted:
        return facts
    found: dict[int, list[tuple[datetime, dict]]] = {}
    process_ids = sorted({facts[i].workflow_id for i in wanted.values()})
    for batch in batches_of(session, process_ids):
        query = (
            select(Event.key, Event.occurred_at, Event.data)
            .where(Event.kind == ESCALATION, among(session, Event.process_id, batch, String))
            .order_by(Event.occurred_at, Event.id)
        )
        for key, at, data in session.execute(query):
            index = wanted.get(key[: key.rfind("/overdue/") + 1])
            if index is not None:
                found.setdefault(index, []).append((at, data or {}))
    return [replace(f, escalations=tuple(found[i])) if i in found else f for i, f in enumerate(facts)]


def batches_of(session: Session, values: list[Any]) -> Iterable[list[Any]]:
    """`values` in lists for among(): all at once on PostgreSQL (one array), 500 at a time on SQLite (a parameter
    each, under its limit)."""
    if _postgres(session):
        return [values] if values else []
    return (values[first : first + 500] for first in range(0, len(values), 500))


def among(session: Session, column: Any, values: list[Any], kind: Any) -> ColumnElement[bool]:
    """`column` IN `values`: on PostgreSQL as `= ANY(array)`, one parameter however many values (a list of thousands
    of parameters costs more to send than to run); on SQLite a parameter each (see batches_of)."""
    if _postgres(session):
        return column == any_(bindparam(None, values, type_=ARRAY(kind)))
    in_values: ColumnElement[bool] = column.in_(values)
    return in_values


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- in batches, and by condition (issue 26): all_steps' steps without reading every one -----------------------------

# A step's place in all_steps' order, (due, case reference, step id): the key a batch is read after.
StepKey = tuple[date, str, int]
# The key of a step's completion event written in SQL (completion_key), for readers that count in SQL
# (store/compliance_sql.py).
COMPLETION_EVENT_KEY = _COMPLETION_KEY
_DUE = STEP_FACT_COLUMNS.index(Step.due)


def _facts_query(school: str | None) -> Select[*tuple[Any, ...]]:
    """all_steps' query, unordered, with each step's id and its copy of the case reference last; `school` read on the
    step (its process's, copied by migration 0011's triggers), as its indexes hold it."""
    query = select(*STEP_FACT_COLUMNS, _MEETING, *_RECORDED, Step.school, Step.id, Step.case_ref)
    return query if school is None else query.where(Step.school == school)


def _facts_of(rows: Iterable[Any]) -> tuple[list[StepFact], StepKey | None]:
    """The rows of _facts_query as all_steps makes them (without escalations), and the key of the last. The step's
    copies of its completion record count only while it is completed (as the record itself was read before 0012)."""
    width = len(STEP_FACT_COLUMNS)
    facts: list[StepFact] = []
    last: StepKey | None = None
    for row in rows:
        completed = row[_STATUS] == "completed"
        facts.append(
            StepFact(
                *row[:width],  # type: ignore[misc]
                meeting_on=_meeting_on(row[_RULE], row[_STATUS], row[_COMPLETED_ON], row[width]),
                recorded_at=row[width + 1] if completed else None,
                recorded_actor=row[width + 2] if completed else None,
                recorded_by=row[width + 3] if completed else None,
                school=row[width + 4],
            )
        )
        last = (row[_DUE], row[width + 6], row[width + 5])
    return facts, last


def steps_after(
    session: Session, after: StepKey | None = None, *, limit: int = 1000, school: str | None = None
) -> tuple[list[StepFact], StepKey | None]:
    """The next `limit` steps of all_steps (of one `school`), in its order, after the step at `after` (None: from the
    first): keyset paging on (due, case reference, step id), so a batch costs the same wherever it starts. Each as
    all_steps gives it, overdue notices included (read for this batch only). With the key of the last step read (None:
    there were none): the `after` of the next batch. The case reference is the step's copy of its process's (0011),
    so that one index on the step table, (due, case_ref, id), holds the whole order."""
    query = _facts_query(school).order_by(Step.due, Step.case_ref, Step.id).limit(limit)
    if after is not None:
        query = query.where(tuple_(Step.due, Step.case_ref, Step.id) > tuple_(*after))
    facts, last = _facts_of(session.execute(query))
    return _with_escalations(session, facts), last


def steps_where(
    session: Session, *conditions: ColumnElement[bool], school: str | None = None, notices: bool = True
) -> list[StepFact]:
    """The steps of all_steps (of one `school`) that meet `conditions` (on the step), in its order, each as all_steps
    gives it, overdue notices included (`notices` False: without them; with_notices reads them later)."""
    query = _facts_query(school).where(*conditions).order_by(Step.due, Step.case_ref, Step.id)
    facts, _ = _facts_of(session.execute(query))
    return _with_escalations(session, facts) if notices else facts


def with_notices(session: Session, facts: list[StepFact]) -> list[StepFact]:
    """`facts` read without their overdue notices (steps_where), with them, as all_steps gives them."""
    return _with_escalations(session, facts)


@dataclass(frozen=True)
class EventRow:
    occurred_at: datetime
    workflow_id: str
    case_ref: str
    kind: str
    rule_id: str | None
    actor: str | None
    data: dict
    school: str = DEFAULT_SCHOOL


def recent_events(session: Session, limit: int = 500, *, school: str | None = None) -> list[EventRow]:
    """The newest events of every process (of one `school`'s: the audit log), newest first."""
    query = (
        select(Event, Process.case_ref, Process.school)
        .join(Process, Process.workflow_id == Event.process_id)
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(limit)
    )
    if school is not None:
        query = query.where(Process.school == school)
    return [
        EventRow(
            occurred_at=e.occurred_at,
            workflow_id=e.process_id,
            case_ref=case_ref,
            kind=e.kind,
            rule_id=e.rule_id,
            actor=e.actor,
            data=e.data or {},
            school=process_school,
        )
        for e, case_ref, process_school in session.execute(query)
    ]


# LIKE's own characters, escaped so a typed "%" or "_" matches itself (a case reference may hold "_").
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


def case_refs_starting(
    session: Session, prefix: str, *, owner: str | None = None, limit: int = 50, school: str | None = None
) -> list[str]:
    """The case references that start with `prefix` (case-insensitive), sorted, at most `limit`; with `owner` (a staff
    id), only cases with a step of theirs (the cases a member of staff may see); with `school`, that school's."""
    pattern = prefix.lower().translate(_LIKE_ESCAPE) + "%"
    query = select(Process.case_ref).where(func.lower(Process.case_ref).like(pattern, escape="\\")).distinct()
    if school is not None:
        query = query.where(Process.school == school)
    if owner is not None:
        query = query.join(Step, Step.process_id == Process.workflow_id).where(Step.owner == owner)
    return list(session.scalars(query.order_by(Process.case_ref).limit(limit)))


def process_facts(session: Session, workflow_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The recorded facts of each process (a review's meeting date, short notice agreed, ...), by workflow id."""
    ids = sorted(set(workflow_ids))
    if not ids:
        return {}
    rows = session.execute(select(Process.workflow_id, Process.facts).where(Process.workflow_id.in_(ids)))
    return {workflow_id: dict(facts or {}) for workflow_id, facts in rows}


# --- by school (issue 25) -------------------------------------------------------------------------------------------


def case_processes(session: Session, case_ref: str, *, school: str | None = None) -> list[Process]:
    """The processes of one case (at one `school`, when given: two schools may use the same reference), oldest
    first, with their steps loaded."""
    query = select(Process).options(selectinload(Process.steps)).where(Process.case_ref == case_ref)
    if school is not None:
        query = query.where(Process.school == school)
    return list(session.scalars(query.order_by(Process.opened_at, Process.workflow_id)))


def outbox_messages(
    session: Session, limit: int = 200, *, recipient: str | None = None, school: str | None = None
) -> list[Outbox]:
    """Up to `limit` outbox rows (of one `recipient`, a staff id; of one `school`, by Outbox.school): failed ones
    first, then newest first (a failure is never pushed off the page)."""
    query = select(Outbox).order_by(
        case((Outbox.status == "failed", 0), else_=1), Outbox.created_at.desc(), Outbox.id.desc()
    )
    if recipient is not None:
        query = query.where(Outbox.recipient == recipient)
    if school is not None:
        query = query.where(Outbox.school == school)
    return list(session.scalars(query.limit(limit)))


def schools_of(session: Session, workflow_ids: Iterable[str]) -> dict[str, str]:
    """The school of each process the database has, by workflow id (a process it does not have is left out)."""
    ids = sorted(set(workflow_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        query = select(Process.workflow_id, Process.school).where(Process.workflow_id.in_(ids[start : start + 500]))
        found.update({workflow_id: school for workflow_id, school in session.execute(query)})
    return found


def sign_ins_at(session: Session, school: str, *, limit: int = 200) -> list[SignInEvent]:
    """The newest entries of the sign-in log of the accounts at `school` (Account.school; an attempt with a name no
    account has, or by a trust-wide account, is no school's), newest first."""
    query = (
        select(SignInEvent)
        .join(Account, Account.id == SignInEvent.account_id)
        .where(Account.school == school)
        .order_by(SignInEvent.at.desc(), SignInEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
