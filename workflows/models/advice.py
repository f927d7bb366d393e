"""The EHC advice request (reg 8): input, updates and state."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from workflows.models.common import CaseRef, Channel, Model, Note, ShortText, StaffId, StepStatus
from workflows.models.step import StepOptions, StepState


__all__ = ['AdviceRequest', 'AdviceSent', 'Withdrawal', 'AdviceState', 'AdviceRunInput']


class AdviceRequest(Model):
    """Start an EHC advice request: the LA asked the school for advice (SEND Regulations 2014 reg 8)."""

    case_ref: CaseRef
    la: ShortText
    received_on: date
    channel: Channel = Channel.EMAIL
    owner: StaffId
    escalate_to: StaffId = "senco"


class AdviceSent(Model):
    sent_on: date
    method: Channel = Channel.EMAIL
    by: StaffId
    note: Note = ""


class Withdrawal(Model):
    withdrawn_on: date
    reason: Note = ""
    by: StaffId


class AdviceState(Model):
    """The query result, and what every update returns."""

    workflow_id: str
    request: AdviceRequest
    status: StepStatus
    step: StepState
    closed: bool = False


class AdviceRunInput(Model):
    """The workflow input: the request, plus the state carried over when a run continues as new."""

    request: AdviceRequest
    options: StepOptions = Field(default_factory=StepOptions)
    carried: StepState | None = None
