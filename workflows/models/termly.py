"""The school's own termly and yearly processes: SEN support reviews, PEP reviews, the school duties (issue 24).

Their dates come from the school's terms, which a planning activity reads (so history records them): `TermInfo` is
what it says about a term.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from statutory.terms import Term
from workflows.models.common import CaseRef, Model, Note, RecordedBy, SendDate, StaffId
from workflows.models.process import ProcessHeader
from workflows.models.step import StepOptions, StepState

__all__ = [
    "NO_LA",
    "SCHOOL_DUTIES",
    "duty_case_ref",
    "TermRequest",
    "TermInfo",
    "TermlyInput",
    "SchoolDutyInput",
    "ReviewHeld",
    "ProcessEnded",
    "SupportEnding",
    "PepEnding",
]

# A process with no LA to name (SEN support, a school duty): what its header's `la` holds.
NO_LA = "none"
SCHOOL_DUTIES = ("sen-information-report", "send-policy-review", "annual-progress-report")


def duty_case_ref(duty: str) -> str:
    """A school duty's case reference: its rule id in capitals (SEN-INFORMATION-REPORT), a reference like a case's,
    not the rule id pages keep for the detail."""
    return duty.upper()


SupportEnding = Literal["needs-met", "left-school", "ehc-assessment", "ehc-plan"]
PepEnding = Literal["no-longer-looked-after", "left-school"]


class TermRequest(Model):
    """Which term: the one `on` falls in (or the next, in a holiday). `case_ref`: for a PEP, whether the pupil's annual
    review falls due in the same term."""

    on: date
    case_ref: CaseRef | None = None


class TermInfo(Model):
    """A term as the school's calendar has it, the term after it and the instant it opens (00:00 London on its first
    day); for a PEP, the due date of an annual review of the pupil's plan in the same term."""

    term: Term
    next: Term
    next_opens_at: datetime
    annual_review_due: date | None = None


class TermlyInput(Model):
    """A SEN support cycle or PEP reviews: the header (received_on: the day the pupil was placed on SEN support, or
    the PEP's reviews began; owner: the key worker or the designated teacher) and, in a continued run, the term it is
    in and whether that term's review is still to be opened."""

    header: ProcessHeader
    options: StepOptions = Field(default_factory=StepOptions)
    carried_steps: list[StepState] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)
    instances: dict[str, int] = Field(default_factory=dict)
    term: TermInfo | None = None
    opening: bool = True


class SchoolDutyInput(Model):
    """A school duty (header.case_ref is the duty's rule id; received_on the day it was last done): one run a year,
    each opening the year's step from `anchor` (the last publication or review, or the school year of the report)."""

    header: ProcessHeader
    options: StepOptions = Field(default_factory=StepOptions)
    carried_steps: list[StepState] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)
    instances: dict[str, int] = Field(default_factory=dict)
    anchor: SendDate | None = None  # None: the header's received_on


class ReviewHeld(Model):
    """A termly review held: its date, whether the parents took part (a SEN support review) and if not why, the date
    planned for the next one, whether it was held with the annual review (a PEP), and the evidence (a reference)."""

    held_on: SendDate
    by: StaffId
    with_parents: bool | None = None
    why_not: Note = ""
    next_review_on: SendDate | None = None
    with_annual_review: bool = False
    evidence: Note = ""
    recorded_by: RecordedBy | None = None


class ProcessEnded(Model):
    """The process ends: the pupil left SEN support (needs met, left the school, an EHC needs assessment, an EHC plan
    made), is no longer looked after, or the school stops tracking a duty."""

    ended_on: SendDate
    reason: str = Field(min_length=1, max_length=40)
    by: StaffId
    note: Note = ""
    recorded_by: RecordedBy | None = None
