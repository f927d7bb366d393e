"""The annual review of an EHC plan: one workflow per plan, one cycle per run (continue-as-new each year)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from workflows.models.common import Model, Note, RecordedBy, SendDate, ShortText, StaffId
from workflows.models.process import ProcessRunInput

__all__ = [
    "Invitee",
    "ReviewInput",
    "MeetingDate",
    "MeetingHeld",
    "ReviewDecision",
    "PlanCeased",
    "FinalPlan",
    "AppealChange",
    "TransferKind",
    "AppealOutcome",
]

# phase: reg 18(1)(b), before 15 February; post16: reg 18(1)(a), before 31 March (school to post-16);
# post16-move: reg 18(2), between post-16 institutions at any other time, five months before.
TransferKind = Literal["phase", "post16", "post16-move"]
AppealOutcome = Literal["plan-maintained", "cease-upheld", "withdrawn"]


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
    transfer_on: SendDate | None = None  # a transfer in this cycle's year (reg 18)
    transfer_kind: TransferKind | None = None
    invitees: list[Invitee] = Field(
        default_factory=lambda: [
            Invitee.PARENTS,
            Invitee.PUPIL,
            Invitee.LA_SEN_OFFICER,
            Invitee.HEALTH,
            Invitee.SOCIAL_CARE,
            Invitee.SCHOOL_STAFF,
        ]
    )
    # The anchor of the next 12 months: the meeting (default) or the LA's decision (docs/law.md, known ambiguities).
    next_cycle_from: Literal["meeting", "la-decision"] = "meeting"
    instances: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _transfer_pair(self) -> ReviewInput:
        if (self.transfer_on is None) != (self.transfer_kind is None):
            raise ValueError(
                "transfer_kind: give both the transfer date and its kind (phase, post16 or post16-move), or neither"
            )
        return self


class MeetingDate(Model):
    """Set or move the review meeting. Less than two weeks' notice (reg 20(3), read as 14 clear days: the meeting at
    least 15 days away) needs `short_notice`, recorded."""

    meeting_on: SendDate
    short_notice: bool = False
    by: StaffId
    note: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class MeetingHeld(Model):
    held_on: SendDate
    by: StaffId
    attended: list[Invitee] = Field(default_factory=list)
    note: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class ReviewDecision(Model):
    """The LA's decision after the review: maintain, amend or cease the plan (within four weeks of the meeting)."""

    decided_on: SendDate
    decision: Literal["maintain", "amend", "cease"]
    by: StaffId
    evidence: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class PlanCeased(Model):
    """The plan ended outside a review (the pupil left the LA's area, or an appeal ended it)."""

    ceased_on: SendDate
    by: StaffId
    reason: Note
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class FinalPlan(Model):
    """The LA's final plan after the review: it meets a transfer year's reg 18 step (the plan amended so that it names
    the new school or institution, or the LA's written word that it already does) and the amended plan (reg 22(3))."""

    issued_on: SendDate
    names_setting: ShortText | None = None  # the setting the plan now names (a school's name, never a pupil's)
    already_named: bool = False  # the LA confirmed in writing that the plan already names it
    by: StaffId
    evidence: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)

    @model_validator(mode="after")
    def _one_of(self) -> FinalPlan:
        if self.names_setting is None and not self.already_named:
            raise ValueError(
                "names_setting: say which school or institution the final plan names, or confirm that "
                "the plan already names it"
            )
        if self.names_setting is not None and self.already_named:
            raise ValueError(
                "already_named: give the school or institution the plan names, or confirm that it "
                "already names it, not both"
            )
        return self


class AppealChange(Model):
    """An appeal to the Tribunal against the LA's decision to cease the plan (s45; SEND Code of Practice 9.208): lodged
    (`lodged_on`), or decided (`decided_on` with its `outcome`), one at a time. Until the window closes with no appeal,
    or an appeal ends, the plan is maintained."""

    lodged_on: SendDate | None = None
    decided_on: SendDate | None = None
    outcome: AppealOutcome | None = None
    by: StaffId
    note: Note = ""
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)

    @model_validator(mode="after")
    def _lodged_or_decided(self) -> AppealChange:
        if self.lodged_on is not None and self.decided_on is not None:
            raise ValueError(
                "decided_on: give the date the appeal was lodged, or the date it was decided, not both: "
                "one change at a time"
            )
        if self.lodged_on is None and self.decided_on is None:
            raise ValueError(
                "lodged_on: give the date the appeal was lodged, or the date it was decided with its outcome"
            )
        if self.decided_on is not None and self.outcome is None:
            raise ValueError("outcome: a decided appeal needs its outcome (plan-maintained, cease-upheld or withdrawn)")
        if self.lodged_on is not None and self.outcome is not None:
            raise ValueError("outcome: an outcome comes with the date the appeal was decided, not with its lodging")
        return self
