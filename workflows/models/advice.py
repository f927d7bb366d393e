"""The EHC advice request (reg 8): input, updates and state."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from workflows.models.common import (
    CaseRef,
    Channel,
    Initials,
    Model,
    Note,
    RecordedBy,
    SendDate,
    ShortText,
    StaffId,
    StepStatus,
)
from workflows.models.step import StepOptions, StepState

__all__ = ["AdviceRequest", "AdviceSent", "Withdrawal", "AdviceState", "AdviceRunInput"]


class AdviceRequest(Model):
    """Start an EHC advice request: the LA asked the school for advice (SEND Regulations 2014 reg 8)."""

    case_ref: CaseRef
    la: ShortText
    received_on: SendDate
    channel: Channel = Channel.EMAIL
    owner: StaffId
    escalate_to: StaffId = "senco"
    initials: Initials | None = None  # shown in notices only if the school turns that on
    # The day the LA received the request for an EHC needs assessment (its letter says so), if known: the LA's own
    # 6/16/20-week clock (regs 5, 10, 13) runs from it, and sendclock shows it beside the advice and chases the plan.
    assessment_requested_on: SendDate | None = None
    # The date of the LA's request (its letter), when it came before the day it was received. The statutory six weeks
    # run from receipt (reg 8(1)); a school whose published policy promises six weeks "from the date of the request"
    # (settings: law.advice_promise_from = "request") gets the earlier date as its target.
    requested_on: SendDate | None = None

    @model_validator(mode="after")
    def _requested_before_received(self) -> AdviceRequest:
        if self.requested_on is not None and self.requested_on > self.received_on:
            raise ValueError(
                f"requested_on: {self.requested_on} is after the request was received "
                f"({self.received_on}); give the date on the LA's letter, or leave it out"
            )
        return self

    @model_validator(mode="after")
    def _assessment_before_advice(self) -> AdviceRequest:
        if self.assessment_requested_on is not None and self.assessment_requested_on > self.received_on:
            raise ValueError(
                f"assessment_requested_on: {self.assessment_requested_on} is after the request for "
                f"advice was received ({self.received_on}); the LA asks for advice during its assessment"
            )
        return self


class AdviceSent(Model):
    sent_on: SendDate
    method: Channel = Channel.EMAIL
    by: StaffId
    note: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class Withdrawal(Model):
    withdrawn_on: SendDate
    reason: Note = ""
    by: StaffId
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class AdviceState(Model):
    """The query result, and what every update returns."""

    workflow_id: str
    request: AdviceRequest
    status: StepStatus
    step: StepState
    closed: bool = False
    # The LA's clock beside the advice (see AdviceRequest.assessment_requested_on): the chased steps, and the dates.
    la_steps: list[StepState] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)
    # The id of the update that came with the start (update-with-start): its caller created the process.
    start_update_id: str | None = None


class AdviceRunInput(Model):
    """The workflow input: the request, plus the state carried over when a run continues as new."""

    request: AdviceRequest
    options: StepOptions = Field(default_factory=StepOptions)
    carried: StepState | None = None
    carried_la_steps: list[StepState] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)
