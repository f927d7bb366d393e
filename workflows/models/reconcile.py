"""Payloads of the reconciliation job: the database's open processes compared with their workflows in Temporal."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from workflows.models.common import Model

__all__ = ["ReconcileRun", "ReconcileInput", "StoppedProcess", "ReconcileResult"]


class ReconcileRun(Model):
    """Input of the scheduled workflow (serialised once, when the schedule is created): nothing that changes."""

    as_of: datetime | None = None


class ReconcileInput(Model):
    now: datetime  # workflow time: when the divergence was found (the record's time)


class StoppedProcess(Model):
    """A process open in the database whose workflow Temporal no longer runs."""

    workflow_id: str
    case_ref: str
    temporal_status: str  # terminated | failed | timed out | canceled | completed | not found
    run_id: str | None = None
    closed_at: datetime | None = None
    reason: str | None = None  # what Temporal recorded (a termination's reason, a failure's message)
    identity: str | None = None  # who did it, as Temporal recorded it (e.g. the Web UI's or a CLI's identity)
    new: bool = True  # False: found before (recorded and told already)


class ReconcileResult(Model):
    checked: int = 0  # open processes compared
    stopped: list[StoppedProcess] = Field(default_factory=list)
