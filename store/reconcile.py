"""The database's side of reconciliation with Temporal: which processes it holds open, and the records that say a
process was stopped outside sendclock (and later resumed).

Both records go through the recorder (store/recorder.py), so they are in the hash chain like every other event, and
are idempotent: one per stopped run, one per resume. They are the only events no workflow history writes (nothing
ran in the workflow to write them), which `sendclock audit verify` knows (OUTSIDE_KINDS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from store.models import Event, Process
from store.recorder import record_event

OPEN, STOPPED = "open", "stopped"
STOPPED_OUTSIDE, RESUMED = "process-stopped-outside", "process-resumed"
REOPENED_OUTSIDE = "process-reset-outside"  # a closed process running again after a reset in Temporal
OUTSIDE_KINDS = (STOPPED_OUTSIDE, RESUMED, REOPENED_OUTSIDE)  # written by sendclock about a workflow, not by it
ACTOR = "sendclock"


def open_processes(session: Session) -> list[Process]:
    """The processes the database holds open (their workflows should be running), oldest first."""
    return list(
        session.scalars(select(Process).where(Process.status == OPEN).order_by(Process.opened_at, Process.workflow_id))
    )


@dataclass(frozen=True)
class Stopped:
    """A process stopped outside sendclock, as its latest record says."""

    process: Process
    found_at: datetime
    data: dict[str, Any]

    @property
    def sentence(self) -> str:
        return self.process.outcome or "stopped outside sendclock"


def stopped_processes(session: Session, case_ref: str | None = None) -> list[Stopped]:
    """Processes stopped outside sendclock and not resumed, the earliest found first."""
    query = select(Process).where(Process.status == STOPPED)
    if case_ref is not None:
        query = query.where(Process.case_ref == case_ref)
    found = []
    for process in session.scalars(query):
        event = session.scalars(
            select(Event)
            .where(Event.process_id == process.workflow_id, Event.kind == STOPPED_OUTSIDE)
            .order_by(Event.id.desc())
            .limit(1)
        ).first()
        found.append(Stopped(process, event.occurred_at if event else process.opened_at, event.data if event else {}))
    return sorted(found, key=lambda s: (s.found_at, s.process.case_ref))


def record_stopped(
    connection: Connection,
    workflow_id: str,
    *,
    found_at: datetime,
    temporal_status: str,
    run_id: str | None,
    closed_at: datetime | None,
    reason: str | None,
    identity: str | None,
    sentence: str,
) -> bool:
    """Mark the process stopped outside sendclock (its steps stay as they were: the duties are not done) and record
    what Temporal says. False if this run's stop was recorded before."""
    return record_event(
        connection,
        key=f"{workflow_id}/{STOPPED_OUTSIDE}/{run_id or 'gone'}",
        process_id=workflow_id,
        kind=STOPPED_OUTSIDE,
        occurred_at=found_at,
        actor=ACTOR,
        data={
            "temporal_status": temporal_status,
            "run_id": run_id,
            "closed_at": closed_at.isoformat() if closed_at else None,
            "reason": reason,
            "identity": identity,
        },
        process={"status": STOPPED, "outcome": f"Stopped outside sendclock: {sentence}"[:200], "closed": False},
    )


def closed_processes(session: Session) -> list[Process]:
    """The processes the database holds closed (their workflows should not be running)."""
    return list(session.scalars(select(Process).where(Process.closed_at.is_not(None))))


def record_reopened(
    connection: Connection,
    workflow_id: str,
    *,
    found_at: datetime,
    run_id: str,
    reset_at: datetime | None,
    sentence: str,
) -> bool:
    """A process closed in the database runs again in Temporal: reset outside sendclock to before it closed. Its
    rows stay as they were written (the record stands); the case page and the SENCO are told. False if this run was
    found before."""
    return record_event(
        connection,
        key=f"{workflow_id}/{REOPENED_OUTSIDE}/{run_id}",
        process_id=workflow_id,
        kind=REOPENED_OUTSIDE,
        occurred_at=found_at,
        actor=ACTOR,
        data={"run_id": run_id, "reset_at": reset_at.isoformat() if reset_at else None, "what": sentence},
    )


def reopened_outside(session: Session, workflow_ids: list[str]) -> dict[str, dict[str, Any]]:
    """For each of these processes that was found running again after it closed, the latest such record's data."""
    found: dict[str, dict[str, Any]] = {}
    rows = session.scalars(
        select(Event).where(Event.process_id.in_(workflow_ids), Event.kind == REOPENED_OUTSIDE).order_by(Event.id)
    )
    for row in rows:
        found[row.process_id] = {**row.data, "found_at": row.occurred_at}
    return found


def record_resumed(
    connection: Connection, workflow_id: str, *, at: datetime, from_run_id: str, run_id: str, by: str
) -> bool:
    """The process runs again (a new run carrying the stopped run's history): open in the database again."""
    return record_event(
        connection,
        key=f"{workflow_id}/{RESUMED}/{from_run_id}",
        process_id=workflow_id,
        kind=RESUMED,
        occurred_at=at,
        actor=by,
        data={"from_run_id": from_run_id, "run_id": run_id},
        process={"status": OPEN, "outcome": None, "closed": False},
    )
