"""Read-side queries for the web pages that store.queries does not answer: every step (for exports and the
compliance figures) and the event log (for auditors). Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, and_, case, cast, func, literal, select
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
    # The review meeting of an `annual-review-due` step (None for other rules, or when not yet known): the school's
    # part of the review, while the step's own completion is the LA's decision that concludes it.
    meeting_on: date | None = None


REVIEW_DUE = "annual-review-due"
# The columns a StepFact is made of, in its field order: selected as plain columns, not whole ORM objects (at 100k
# steps this takes the compliance report from about 10 s to about 2 s, bench/dashboard_queries.py).
STEP_FACT_COLUMNS = (
    Process.workflow_id, Process.kind, Process.case_ref, Process.la, Step.rule_id, Step.instance, Step.basis,
    Step.anchor, Step.due, Step.target, Step.owner, Step.status, Step.exempt, Step.exemption_ground,
    Step.completed_on, Step.on_time, Step.days_late,
)


def completion_key(process_id: str, rule_id: str, instance: int) -> str:
    """The key a step's completion event is recorded under (workflows/step.py: "{workflow_id}/{rule_id}[#n]/..")."""
    return f"{process_id}/{rule_id}{'' if instance == 1 else f'#{instance}'}/completed"


# completion_key in SQL: an exact match on the event table's unique key, so the meeting date costs one index
# look-up per annual review.
_COMPLETION = Event.__table__.alias("completion")
_COMPLETION_KEY = (Step.process_id + literal("/") + Step.rule_id
                   + case((Step.instance == 1, literal("")), else_=literal("#") + cast(Step.instance, String))
                   + literal("/completed"))
# The meeting of an annual review, where it is written: on the step's completion (the LA's decision, since issue 18);
# for a step still open, in the process's facts once this cycle's meeting is held. Other rules: NULL, no JSON read.
_MEETING = case((Step.rule_id == REVIEW_DUE, func.coalesce(
    _COMPLETION.c.data["meeting_held_on"].as_string(),
    case((Step.status == "open", Process.facts["held_on"].as_string())))))
_RULE, _STATUS, _COMPLETED_ON = (STEP_FACT_COLUMNS.index(c) for c in (Step.rule_id, Step.status, Step.completed_on))


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


def all_steps(session: Session, *, due_from: date | None = None, due_to: date | None = None) -> list[StepFact]:
    """Every step (optionally those due in [due_from, due_to]), by due date, case reference and step id; an
    annual-review-due step with its meeting date (one query: its completion event is joined by its key)."""
    query = (select(*STEP_FACT_COLUMNS, _MEETING).select_from(Step)
             .join(Process, Process.workflow_id == Step.process_id)
             .outerjoin(_COMPLETION, and_(Step.rule_id == REVIEW_DUE, Step.status == "completed",
                                          _COMPLETION.c.key == _COMPLETION_KEY))
             .order_by(Step.due, Process.case_ref, Step.id))
    if due_from is not None:
        query = query.where(Step.due >= due_from)
    if due_to is not None:
        query = query.where(Step.due <= due_to)
    width = len(STEP_FACT_COLUMNS)
    return [StepFact(*row[:width], meeting_on=_meeting_on(row[_RULE], row[_STATUS], row[_COMPLETED_ON], row[width]))
            for row in session.execute(query)]


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
