"""Workflow IDs: built from the opaque case reference and dates only, never from a name."""

from datetime import date

EHC_ADVICE = "ehc-advice-request"


def advice_workflow_id(case_ref: str, received_on: date) -> str:
    """One workflow per LA request: the same case and date of receipt always give the same ID (idempotent start)."""
    return f"{EHC_ADVICE}-{case_ref}-{received_on:%Y%m%d}"

DRAFT_CONSULTATION = "draft-plan-consultation"
ANNUAL_REVIEW = "annual-review"
REASSESSMENT = "reassessment"

# Each process kind in a SENCO's words (pages, notices, CLI).
PROCESS_LABELS = {
    EHC_ADVICE: "EHC advice request",
    DRAFT_CONSULTATION: "Draft plan consultation",
    ANNUAL_REVIEW: "Annual review",
    REASSESSMENT: "Re-assessment",
}


def draft_workflow_id(case_ref: str, received_on: date) -> str:
    return f"{DRAFT_CONSULTATION}-{case_ref}-{received_on:%Y%m%d}"


def review_workflow_id(case_ref: str) -> str:
    """One annual review cycle workflow per EHC plan (it continues as new each year)."""
    return f"{ANNUAL_REVIEW}-{case_ref}"


def reassessment_workflow_id(case_ref: str, needs_changed_on: date) -> str:
    return f"{REASSESSMENT}-{case_ref}-{needs_changed_on:%Y%m%d}"
