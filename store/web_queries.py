"""Read-side queries for the web pages that store.queries does not answer: every step (for exports and the
compliance figures) and the event log (for auditors). Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Event, Process, Step


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


# The columns a StepFact is made of, in its field order: selected as plain columns, not whole ORM objects (at 100k
# steps this takes the compliance report from about 10 s to about 2 s, bench/dashboard_queries.py).
STEP_FACT_COLUMNS = (
    Process.workflow_id, Process.kind, Process.case_ref, Process.la, Step.rule_id, Step.instance, Step.basis,
    Step.anchor, Step.due, Step.target, Step.owner, Step.status, Step.exempt, Step.exemption_ground,
    Step.completed_on, Step.on_time, Step.days_late,
)


def all_steps(session: Session, *, due_from: date | None = None, due_to: date | None = None) -> list[StepFact]:
    """Every step (optionally those due in [due_from, due_to]), by due date, case reference and step id."""
    query = (select(*STEP_FACT_COLUMNS).select_from(Step).join(Process, Process.workflow_id == Step.process_id)
             .order_by(Step.due, Process.case_ref, Step.id))
    if due_from is not None:
        query = query.where(Step.due >= due_from)
    if due_to is not None:
        query = query.where(Step.due <= due_to)
    return [StepFact(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class EventRow:
    occurred_at: datetime
    workflow_id: str
    case_ref: str
    kind: str
    rule_id: str | None
    actor: str | None
    data: dict


def recent_events(session: Session, limit: int = 500) -> list[EventRow]:
    """The newest events of every process (the audit log), newest first."""
    query = (select(Event, Process.case_ref).join(Process, Process.workflow_id == Event.process_id)
             .order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit))
    return [EventRow(occurred_at=e.occurred_at, workflow_id=e.process_id, case_ref=case_ref, kind=e.kind,
                     rule_id=e.rule_id, actor=e.actor, data=e.data or {})
            for e, case_ref in session.execute(query)]
