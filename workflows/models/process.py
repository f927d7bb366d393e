"""Every process: who it is for (by reference), its steps, and the changes any step accepts."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workflows.models.common import (
    CaseRef,
    Channel,
    Initials,
    Model,
    Note,
    RecordedBy,
    RuleId,
    SendDate,
    ShortText,
    StaffId,
    StepStatus,
)
from workflows.models.step import Exemption, StepOptions, StepState

__all__ = [
    "ProcessHeader",
    "ProcessState",
    "StepDone",
    "StepExemption",
    "Reassignment",
    "Cancellation",
    "ProcessRunInput",
    "Replan",
]


class ProcessHeader(Model):
    """What starts a process: the case (by its opaque reference), the LA, who owns it, when the LA's document came."""

    case_ref: CaseRef
    la: ShortText
    received_on: SendDate
    channel: Channel = Channel.EMAIL
    owner: StaffId
    escalate_to: StaffId = "senco"
    initials: Initials | None = None


class ProcessState(Model):
    """The query result of every process, and what its updates return."""

    workflow_id: str
    kind: str
    header: ProcessHeader
    status: StepStatus
    steps: list[StepState]
    facts: dict[str, Any] = Field(default_factory=dict)
    closed: bool = False
    # The id of the update that came with the start (update-with-start): its caller created the process.
    start_update_id: str | None = None

    def step(self, rule_id: str) -> StepState:
        """The latest occurrence of a rule's step."""
        return [s for s in self.steps if s.rule_id == rule_id][-1]


class StepDone(Model):
    """A step completed: the date it was done, by whom, how, and the evidence (a reference, never pupil details)."""

    rule_id: RuleId
    done_on: SendDate
    by: StaffId
    method: Channel | None = None
    evidence: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class StepExemption(Model):
    rule_id: RuleId
    exemption: Exemption


class Reassignment(Model):
    rule_id: RuleId
    owner: StaffId
    by: StaffId
    reason: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class Cancellation(Model):
    rule_id: RuleId
    cancelled_on: SendDate
    by: StaffId
    reason: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class Replan(Model):
    """Plan every open step again from its anchor, with the rule book and the school calendar as they are now: after
    the rule book is revised (a new sendclock), a term date edited, an LA's own date set."""

    by: StaffId
    reason: Note = "the rule book or the school calendar changed"
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class ProcessRunInput(Model):
    """A generic process input: the header, options, and what a continued run carries."""

    header: ProcessHeader
    options: StepOptions = Field(default_factory=StepOptions)
    carried_steps: list[StepState] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)
