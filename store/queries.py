"""The read side: what the CLI and the dashboard ask of the projection. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from store.models import Event, Outbox, Process, Step

OPEN = "open"
FAILED = "failed"


# A single-school install's one school (workflows.models.common.DEFAULT_SCHOOL: the store imports no workflows).
DEFAULT_SCHOOL = "default"


@dataclass(frozen=True)
class OpenStep:
    """One open statutory step with what a reader needs from its process. Carries no personal data."""

    workflow_id: str
    process_kind: str
    case_ref: str
    la: str
    rule_id: str
    basis: str
    due: date
    target: date
    owner: str
    exempt: bool
    days_left: int  # (due - today).days; negative when overdue
    overdue: bool  # due < today
    stopped: bool = False  # its process was stopped outside sendclock (store/reconcile.py): no reminders
    school: str = DEFAULT_SCHOOL  # its process's school (Process.school)


def open_steps(
    session: Session,
    today: date,
    *,
    overdue_only: bool = False,
    due_within: int | None = None,
    owner: str | None = None,
    school: str | None = None,
) -> list[OpenStep]:
    """Open steps, overdue first (most overdue first), then by target date, then case reference.

    `overdue_only`: due before `today`. `due_within=N`: due between `today` and `today + N` inclusive (so not
    overdue). `owner`: the step's owner (a staff id). `school`: only that school's processes (Process.school; None:
    every school of the deployment). Filters combine with AND.
    """
    overdue = Step.due < today
    query = (
        select(Step, Process)
        .join(Step.process)
        .where(Step.status == OPEN)
        .order_by(
            case((overdue, 0), else_=1),
            case((overdue, Step.due)),  # NULL for every row of the not-overdue group, so NULL ordering is moot
            Step.target,
            Process.case_ref,
            Step.id,
        )
    )
    if overdue_only:
        query = query.where(overdue)
    if due_within is not None:
        query = query.where(Step.due >= today, Step.due <= today + timedelta(days=due_within))
    if owner is not None:
        query = query.where(Step.owner == owner)
    if school is not None:
        query = query.where(Process.school == school)
    return [
        OpenStep(
            workflow_id=process.workflow_id,
            process_kind=process.kind,
            case_ref=process.case_ref,
            la=process.la,
            rule_id=step.rule_id,
            basis=step.basis,
            due=step.due,
            target=step.target,
            owner=step.owner,
            exempt=step.exempt,
            days_left=(step.due - today).days,
            overdue=step.due < today,
            stopped=process.status == "stopped",
            school=process.school,
        )
        for step, process in session.execute(query)
    ]


def processes_for_case(
    session: Session, case_ref: str, kind: str | None = None, open_only: bool = False, *, school: str | None = None
) -> list[Process]:
    """The processes of one case, oldest first, with their steps loaded (usable after the session closes). `school`:
    the case at that school only (two schools of a trust may use the same reference); None: every school."""
    query = select(Process).options(selectinload(Process.steps)).where(Process.case_ref == case_ref)
    if school is not None:
        query = query.where(Process.school == school)
    if kind is not None:
        query = query.where(Process.kind == kind)
    if open_only:
        query = query.where(Process.status == OPEN)
    query = query.order_by(Process.opened_at, Process.workflow_id)
    return list(session.scalars(query))


def process_detail(session: Session, workflow_id: str) -> tuple[Process, list[Step], list[Event]] | None:
    """A process, its steps (in id order) and its events (in occurred_at, id order); None if unknown."""
    process = session.get(Process, workflow_id)
    if process is None:
        return None
    steps = list(session.scalars(select(Step).where(Step.process_id == workflow_id).order_by(Step.id)))
    events = list(
        session.scalars(select(Event).where(Event.process_id == workflow_id).order_by(Event.occurred_at, Event.id))
    )
    return process, steps, events


def recent_outbox(
    session: Session, limit: int = 200, *, recipient: str | None = None, school: str | None = None
) -> list[Outbox]:
    """Up to `limit` outbox rows (of one `recipient`, a staff id, when given; of one `school`, when given): failed
    ones first, then newest first (a failure is never pushed off the page)."""
    query = (
        select(Outbox)
        .order_by(case((Outbox.status == FAILED, 0), else_=1), Outbox.created_at.desc(), Outbox.id.desc())
        .limit(limit)
    )
    if recipient is not None:
        query = query.where(Outbox.recipient == recipient)
    if school is not None:
        query = query.where(Outbox.school == school)
    return list(session.scalars(query))


def open_process_ids(session: Session, case_ref: str | None = None, *, school: str | None = None) -> list[str]:
    """The workflow ids of the open processes (of one case, or all; of one school, or every school), oldest first."""
    query = select(Process.workflow_id).where(Process.status == OPEN)
    if school is not None:
        query = query.where(Process.school == school)
    if case_ref is not None:
        query = query.where(Process.case_ref == case_ref)
    return list(session.scalars(query.order_by(Process.opened_at, Process.workflow_id)))


def open_processes_with_step(
    session: Session, case_ref: str, rule_id: str, *, school: str | None = None
) -> list[Process]:
    """The open processes of a case that have an open step of `rule_id`, oldest first, with their steps loaded: what
    a change to "the step RULE of case REF" applies to (the caller asks which one when there are several). `school`:
    the case at that school only; None: every school."""
    has_open_step = (
        select(Step.id)
        .where(Step.process_id == Process.workflow_id, Step.rule_id == rule_id, Step.status == OPEN)
        .exists()
    )
    query = (
        select(Process)
        .options(selectinload(Process.steps))
        .where(Process.case_ref == case_ref, Process.status == OPEN, has_open_step)
        .order_by(Process.opened_at, Process.workflow_id)
    )
    if school is not None:
        query = query.where(Process.school == school)
    return list(session.scalars(query))


def open_step_due_between(
    session: Session, case_ref: str, rule_id: str, first: date, last: date, *, school: str | None = None
) -> date | None:
    """The due date of a case's open step of `rule_id` falling due from `first` to `last` (a PEP's term: is the
    annual review due in it?), the earliest if several; None if none. `school`: the case at that school only."""
    query = (
        select(Step.due)
        .join(Process, Step.process_id == Process.workflow_id)
        .where(
            Process.case_ref == case_ref,
            Process.status == OPEN,
            Step.rule_id == rule_id,
            Step.status == OPEN,
            Step.due >= first,
            Step.due <= last,
        )
        .order_by(Step.due)
        .limit(1)
    )
    if school is not None:
        query = query.where(Process.school == school)
    return session.scalars(query).first()
