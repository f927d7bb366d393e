"""Builders for fictional rows (case refs like EHC-0042, no personal data), imported by the store tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from store.models import Process, Step

OPENED = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)


def add_process(session: Session, workflow_id: str, case_ref: str, *, la: str = "Kent", **fields) -> Process:
    """A fictional process row (case refs like EHC-0042; no personal data)."""
    values = dict(
        kind="ehc-advice-request",
        owner="senco",
        status="open",
        received_on=date(2027, 1, 11),
        channel="email",
        opened_at=OPENED,
    )
    values.update(fields)
    process = Process(workflow_id=workflow_id, case_ref=case_ref, la=la, **values)
    session.add(process)
    return process


def add_step(session: Session, process: Process, rule_id: str, *, due: date, target: date, **fields) -> Step:
    values = dict(
        rule_version=date(2014, 9, 1),
        basis="SEND Regulations 2014 reg. 8(2)",
        anchor=date(2027, 1, 11),
        explanation=["fictional test step"],
        owner=process.owner,
        status="open",
        exempt=False,
    )
    values.update(fields)
    step = Step(process=process, rule_id=rule_id, due=due, target=target, **values)
    session.add(step)
    return step
