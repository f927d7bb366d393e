"""Re-assessment (regs 24-27): the pupil's needs changed significantly; the school asks the LA to re-assess."""

from __future__ import annotations

from workflows.models.common import Model, Note, RecordedBy, SendDate, StaffId
from workflows.models.process import ProcessRunInput

__all__ = ["ReassessmentInput", "LaDecision"]


class ReassessmentInput(ProcessRunInput):
    """`header.received_on` is the day the school recorded that the pupil's needs changed significantly.

    `last_assessment_on` anchors reassessment-earliest: a request within 6 months of the last EHC needs assessment
    may be refused on that ground (reg 24). It is never after `header.received_on` (the starter checks)."""

    last_assessment_on: SendDate


class LaDecision(Model):
    """The LA's notice of its decision on the request (reg 25): re-assess, or not."""

    decided_on: SendDate
    reassess: bool
    by: StaffId
    evidence: Note = ""  # a reference to the LA's notice, never pupil details
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)
