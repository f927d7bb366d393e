"""The annual review of an EHC plan: one workflow per plan, one cycle per run (continue-as-new each year)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from workflows.models.common import Model, Note, SendDate, StaffId
from workflows.models.process import ProcessRunInput

__all__ = ['Invitee', 'ReviewInput', 'MeetingDate', 'MeetingHeld', 'ReviewDecision', 'PlanCeased']


class Invitee(StrEnum):
    """Who is invited to the review (reg 20(2)): roles, never names."""

    PARENTS = "parents"
    PUPIL = "pupil"
    LA_SEN_OFFICER = "la-sen-officer"
    HEALTH = "health"
    SOCIAL_CARE = "social-care"
    SCHOOL_STAFF = "school-staff"


class ReviewInput(ProcessRunInput):
    """`header.received_on` is the date the plan was made or last reviewed: the 12 months run from it (s44(1))."""

    cycle: int = Field(default=1, ge=1)
    year_group: int | None = Field(default=None, ge=-1, le=14)  # national curriculum year during this cycle
    transfer_on: SendDate | None = None  # a phase transfer in this cycle's year (reg 18)
    transfer_kind: Literal["phase", "post16"] | None = None
    invitees: list[Invitee] = Field(default_factory=lambda: [Invitee.PARENTS, Invitee.PUPIL, Invitee.LA_SEN_OFFICER,
                                                             Invitee.HEALTH, Invitee.SOCIAL_CARE, Invitee.SCHOOL_STAFF])
    # The anchor of the next 12 months: the meeting (default) or the LA's decision (statutory-timescales.md §5).
    next_cycle_from: Literal["meeting", "la-decision"] = "meeting"
    instances: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _transfer_pair(self) -> "ReviewInput":
        if (self.transfer_on is None) != (self.transfer_kind is None):
            raise ValueError("transfer_kind: give both the transfer date and its kind (phase or post16), or neither")
        return self


class MeetingDate(Model):
    """Set or move the review meeting. Less than two weeks' notice (reg 20(3)) needs `short_notice`, recorded."""

    meeting_on: SendDate
    short_notice: bool = False
    by: StaffId
    note: Note = ""


class MeetingHeld(Model):
    held_on: SendDate
    by: StaffId
    attended: list[Invitee] = Field(default_factory=list)
    note: Note = ""


class ReviewDecision(Model):
    """The LA's decision after the review: maintain, amend or cease the plan (within four weeks of the meeting)."""

    decided_on: SendDate
    decision: Literal["maintain", "amend", "cease"]
    by: StaffId
    evidence: Note = ""


class PlanCeased(Model):
    """The plan ended outside a review (the pupil left the LA's area, or an appeal ended it)."""

    ceased_on: SendDate
    by: StaffId
    reason: Note
