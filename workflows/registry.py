"""Every workflow the worker runs, and every statutory process kind, declared once.

`WORKFLOWS` is what the worker registers and what replay (the dashboard's, the CLI's, the tests') replays against,
without importing worker.py (which wires activities, apprise and the schedules).

`PROCESSES` is the process registry: for each kind of statutory process its workflow class, the run input it starts
with, its workflow id scheme, its label in a SENCO's words and the rules whose steps it opens. The worker, the command
layer, the dashboard, the audit replay and the reports read it; adding a process kind means one workflow module, one
entry here and its start command (commands/start.py: the fields a form, a JSON body and the command line give;
README, Architecture).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from workflows.annual_review import DUE as REVIEW_DUE
from workflows.annual_review import AnnualReview
from workflows.archive import ArchiveClosedRuns
from workflows.chain_head import PublishChainHead
from workflows.chase import FOLLOW_UP as CHASE_FOLLOW_UP
from workflows.draft_consultation import DraftPlanConsultation
from workflows.ehc_advice import EhcAdviceRequest
from workflows.housekeeping import DispatchHeld, WeeklyDigest
from workflows.models import (
    CASE_REF_PATTERN,
    DEFAULT_SCHOOL,
    SCHOOL_DUTIES,
    SCHOOL_ID_PATTERN,
    AdviceRunInput,
    DraftConsultationInput,
    ReassessmentInput,
    ReviewInput,
    SchoolDutyInput,
    TermlyInput,
)
from workflows.reassessment import Reassessment
from workflows.reconcile import ReconcileProcesses
from workflows.school_duty import SchoolDuty
from workflows.termly import PepReviews, SenSupportCycle

_CASE = CASE_REF_PATTERN.strip("^$")
_SCHOOL = SCHOOL_ID_PATTERN.strip("^$")
# Between a school's id and the process's own id, in the workflow id of a school other than DEFAULT_SCHOOL
# ("oak~ehc-advice-request-EHC-0042-20270111"): in neither a school id, a kind nor a case reference, so the id splits
# one way only; safe in a URL path.
SCHOOL_SEPARATOR = "~"


def for_school(school: str, workflow_id: str) -> str:
    """The workflow id of a process of `school`: DEFAULT_SCHOOL's as it always was, any other's prefixed with the
    school's id (issue 25)."""
    return workflow_id if school == DEFAULT_SCHOOL else f"{school}{SCHOOL_SEPARATOR}{workflow_id}"


def school_of(workflow_id: str) -> str:
    """The school a workflow id belongs to (no prefix: DEFAULT_SCHOOL)."""
    school, separator, _ = workflow_id.partition(SCHOOL_SEPARATOR)
    return school if separator else DEFAULT_SCHOOL


@dataclass(frozen=True)
class ProcessKind:
    """One kind of statutory process."""

    label: str  # in a SENCO's words: pages, notices, the CLI
    workflow: type  # the workflow class (a StatutoryProcess, or EhcAdviceRequest)
    start_input: type  # the model its run method takes
    began: str  # what the date it began means, as the audit report says it ("request received")
    rules: tuple[str, ...]  # the rule book ids of the steps it can open
    dated: bool = True  # its id carries the date it began: one per case and date (else one per case)

    @property
    def kind(self) -> str:
        """The Process search attribute, the store's process.kind and the first part of its workflow ids: the
        workflow class's KIND (which its code records)."""
        return self.workflow.KIND  # type: ignore[attr-defined, no-any-return]

    def workflow_id(self, case_ref: str, began_on: date | None = None, school: str = DEFAULT_SCHOOL) -> str:
        """The workflow id: the school's id (none for DEFAULT_SCHOOL), the opaque case reference and a date only,
        never a name (the same inputs always give the same id, which makes a start idempotent)."""
        if not self.dated:
            return for_school(school, f"{self.kind}-{case_ref}")
        if began_on is None:
            raise ValueError(f"a {self.label.lower()} is identified by the date it began")
        return for_school(school, f"{self.kind}-{case_ref}-{began_on:%Y%m%d}")

    @property
    def id_pattern(self) -> str:
        """A regular expression matching this kind's workflow ids (without anchors; also valid in OpenAPI's ECMA
        dialect: a kind is lower-case letters, digits and hyphens)."""
        return f"{self.kind}-{_CASE}" + (r"-\d{8}" if self.dated else "")


PROCESSES: tuple[ProcessKind, ...] = (
    ProcessKind(
        "EHC advice request",
        EhcAdviceRequest,
        AdviceRunInput,
        "request received",
        ("ehc-advice", "ehc-assessment-decision", "ehc-no-plan-notice", "ehc-final-plan", CHASE_FOLLOW_UP),
    ),
    ProcessKind(
        "Draft plan consultation",
        DraftPlanConsultation,
        DraftConsultationInput,
        "draft plan received",
        ("naming-consultation", "draft-plan-representations"),
    ),
    ProcessKind(
        "Annual review",
        AnnualReview,
        ReviewInput,
        "cycle opened",
        (
            REVIEW_DUE,
            "review-notice",
            "review-advice-circulation",
            "review-report",
            "review-la-decision",
            "phase-transfer-meeting-by",
            "phase-transfer-review",
            "post16-transfer-review",
            "post16-move-review",
            "amended-plan-final",
            "cease-appeal-window",
            CHASE_FOLLOW_UP,
        ),
        dated=False,
    ),
    ProcessKind(
        "Re-assessment",
        Reassessment,
        ReassessmentInput,
        "needs changed",
        ("reassessment-earliest", "reassessment-decision", "reassessment-final", CHASE_FOLLOW_UP),
    ),
    # The school's own commitments (issue 24): one cycle per pupil on SEN support, one per looked-after pupil, one per
    # school duty (its case reference is the duty's rule id).
    ProcessKind("SEN support reviews", SenSupportCycle, TermlyInput, "placed on SEN support", ("sen-support-review",)),
    ProcessKind("PEP reviews", PepReviews, TermlyInput, "PEP reviews began", ("pep-review",)),
    ProcessKind("School duty", SchoolDuty, SchoolDutyInput, "last done", SCHOOL_DUTIES, dated=False),
)
ADVICE, DRAFT, REVIEW, REASSESSMENT, SUPPORT, PEP, SCHOOL_DUTY = PROCESSES
BY_KIND: dict[str, ProcessKind] = {p.kind: p for p in PROCESSES}
PROCESS_KINDS: tuple[str, ...] = tuple(BY_KIND)
# Each process kind in a SENCO's words (pages, notices, CLI).
PROCESS_LABELS: dict[str, str] = {p.kind: p.label for p in PROCESSES}
# Any statutory process's workflow id, and nothing else (the audit pages take one from a URL).
PROCESS_WORKFLOW_ID = re.compile(
    f"^(?:{_SCHOOL}{SCHOOL_SEPARATOR})?(?:" + "|".join(p.id_pattern for p in PROCESSES) + ")$"
)


def process_kind(kind: str) -> ProcessKind:
    """The registry entry of `kind`; a clear ValueError naming the known kinds otherwise."""
    try:
        return BY_KIND[kind]
    except KeyError:
        raise ValueError(f"unknown process {kind!r} (one of {', '.join(PROCESS_KINDS)})") from None


def kinds_with_rule(rule_id: str) -> tuple[str, ...]:
    """The process kinds that can hold a step of `rule_id`."""
    return tuple(p.kind for p in PROCESSES if rule_id in p.rules)


# The housekeeping workflows the worker's schedules start (starter/schedules.py).
HOUSEKEEPING: list[type] = [WeeklyDigest, DispatchHeld, ArchiveClosedRuns, ReconcileProcesses, PublishChainHead]
WORKFLOWS: list[type] = [p.workflow for p in PROCESSES] + HOUSEKEEPING
