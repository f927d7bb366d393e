"""Every workflow the worker runs, in one list: the worker registers it, and replay (the dashboard's, the CLI's)
replays against it, without importing worker.py (which wires activities, apprise and the schedules)."""

from workflows.annual_review import AnnualReview
from workflows.archive import ArchiveClosedRuns
from workflows.chain_head import PublishChainHead
from workflows.draft_consultation import DraftPlanConsultation
from workflows.ehc_advice import EhcAdviceRequest
from workflows.housekeeping import DispatchHeld, WeeklyDigest
from workflows.reassessment import Reassessment
from workflows.reconcile import ReconcileProcesses

WORKFLOWS: list[type] = [EhcAdviceRequest, DraftPlanConsultation, AnnualReview, Reassessment, WeeklyDigest,
                         DispatchHeld, ArchiveClosedRuns, ReconcileProcesses, PublishChainHead]
