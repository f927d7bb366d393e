"""Payloads of the daily chain-head job (workflows/chain_head.py): the audit record's fingerprint sent to the SENCO
and the auditors. The schedule starts the workflow with a `HousekeepingRun` (workflows/models/housekeeping.py)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from workflows.models.activities import Delivery
from workflows.models.common import Model

__all__ = ["ChainHeadInput", "ChainHeadResult"]


class ChainHeadInput(Model):
    now: datetime  # workflow time: which day the fingerprint is for, and when it was asked for (quiet hours)


class ChainHeadResult(Model):
    """What one run did. `published` is False on a day that is not a working day (then `reason` says why and
    nothing was recorded or sent); `new` is False when the day's fingerprint had been recorded by an earlier run
    (the same head is sent again, and the notifier sends nothing twice)."""

    on: date  # the school's date the run was for
    published: bool
    reason: str | None = None
    new: bool = False
    event_id: int | None = None  # the last chained event row (None: the record had no entries yet)
    rows: int = 0
    hash: str | None = None
    deliveries: list[Delivery] = Field(default_factory=list)
