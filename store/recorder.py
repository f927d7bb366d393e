"""The write side: apply one event and the projection it changes, exactly once per idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Event, Process, Step


def record_event(
    session: Session,
    *,
    key: str,
    process_id: str,
    kind: str,
    occurred_at: datetime,
    rule_id: str | None = None,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
    process: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
) -> bool:
    """Insert the event and upsert the process/step rows it carries. Returns False if the key was already applied
    (a retried activity), in which case nothing changes. Call inside one transaction."""
    if session.scalar(select(Event.id).where(Event.key == key)) is not None:
        return False
    if process is not None:
        _upsert_process(session, process_id, occurred_at, dict(process))
    if step is not None:
        _upsert_step(session, process_id, dict(step))
    session.add(Event(key=key, process_id=process_id, kind=kind, occurred_at=occurred_at, rule_id=rule_id,
                      actor=actor, data=data or {}))
    session.flush()
    return True


def _upsert_process(session: Session, process_id: str, occurred_at: datetime, fields: dict[str, Any]) -> None:
    closed = fields.pop("closed", False)
    row = session.get(Process, process_id)
    if row is None:
        row = Process(workflow_id=process_id, opened_at=occurred_at, **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
    row.closed_at = occurred_at if closed else None
    session.flush()


def _upsert_step(session: Session, process_id: str, fields: dict[str, Any]) -> None:
    row = session.scalar(select(Step).where(Step.process_id == process_id, Step.rule_id == fields["rule_id"],
                                            Step.instance == fields.get("instance", 1)))
    if row is None:
        session.add(Step(process_id=process_id, **fields))
    else:
        for name, value in fields.items():
            setattr(row, name, value)
