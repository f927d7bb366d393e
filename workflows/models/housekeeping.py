"""Payloads of the scheduled housekeeping jobs: the weekly digest and the held-notification dispatcher.

A Temporal Schedule starts these workflows with a `HousekeepingRun` serialised once, when the schedule is created, so
it carries nothing that changes: the activities read the settings, and the time comes from the workflow.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from workflows.models.activities import Delivery
from workflows.models.common import Model

__all__ = ["HousekeepingRun", "DigestInput", "DigestResult", "DispatchHeldInput", "DispatchHeldResult"]


class HousekeepingRun(Model):
    """Input of a scheduled workflow. `as_of` is empty when a schedule starts it (the workflow's own time is used);
    set it to run a job by hand as of another instant, e.g. to send a missed week's digest."""

    as_of: datetime | None = None


class DigestInput(Model):
    now: datetime  # workflow time: which week, which day, what is overdue


class DigestResult(Model):
    """What one run of the digest job did. `due` is False before the week's digest day, and in a week with no
    working day on or after it: then `reason` says why and nothing was delivered."""

    on: date  # the local date the run was for
    week: str  # ISO week, e.g. "2027-W02": one digest per recipient per week
    due: bool
    reason: str | None = None
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    deliveries: list[Delivery] = Field(default_factory=list)


class DispatchHeldInput(Model):
    now: datetime  # workflow time: held notifications whose not_before has come go out


class DispatchHeldResult(Model):
    dispatched: int
