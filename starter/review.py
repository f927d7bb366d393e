"""Starting an annual review cycle and the SENCO's and LA's moves in it: what the CLI (and the API) call."""

from __future__ import annotations

from temporalio.client import Client

from config.settings import Settings
from starter.processes import StartedProcess, start_process
from starter.requests import check_staff, start_school, step_options, update
from workflows.annual_review import TRANSFER, AnnualReview
from workflows.models import (
    AppealChange,
    FinalPlan,
    MeetingDate,
    MeetingHeld,
    PlanCeased,
    ProcessState,
    ReviewDecision,
    ReviewInput,
)
from workflows.registry import REVIEW


async def start_review(client: Client, settings: Settings, review: ReviewInput) -> StartedProcess:
    """Start the review cycle of an EHC plan (one per plan at a school; the same case returns the existing one), at
    the school `settings` are the view of (Settings.for_school)."""
    if not review.options.model_fields_set:
        review = review.model_copy(update={"options": step_options(settings)})
    workflow_id = REVIEW.workflow_id(review.header.case_ref, school=start_school(settings))
    return await start_process(client, settings, AnnualReview.run, review, workflow_id, REVIEW.kind)


async def set_meeting(client: Client, settings: Settings, workflow_id: str, meeting: MeetingDate) -> ProcessState:
    check_staff(settings, by=meeting.by)
    return await update(client, workflow_id, AnnualReview.set_meeting, meeting)


async def meeting_held(client: Client, settings: Settings, workflow_id: str, held: MeetingHeld) -> ProcessState:
    check_staff(settings, by=held.by)
    return await update(client, workflow_id, AnnualReview.meeting_held, held)


async def la_decision(client: Client, settings: Settings, workflow_id: str, decision: ReviewDecision) -> ProcessState:
    check_staff(settings, by=decision.by)
    return await update(client, workflow_id, AnnualReview.la_decision, decision)


async def plan_ceased(client: Client, settings: Settings, workflow_id: str, ceased: PlanCeased) -> ProcessState:
    check_staff(settings, by=ceased.by)
    return await update(client, workflow_id, AnnualReview.plan_ceased, ceased)


async def final_plan(client: Client, settings: Settings, workflow_id: str, plan: FinalPlan) -> ProcessState:
    """The LA's final plan: meets a transfer year's reg 18 step (naming the new setting) and an amended plan."""
    check_staff(settings, by=plan.by)
    return await update(client, workflow_id, AnnualReview.final_plan, plan)


async def appeal(client: Client, settings: Settings, workflow_id: str, change: AppealChange) -> ProcessState:
    """An appeal against a decision to cease the plan: lodged, then decided (SEND Code of Practice 9.208)."""
    check_staff(settings, by=change.by)
    return await update(client, workflow_id, AnnualReview.appeal, change)


def transfer_warnings(state: ProcessState) -> list[str]:
    """A transfer on or before the date reg 18 sets (a January or mid-year move) is allowed, with a warning (the rule
    book's, statutory.conventions.transfer_warning). One line per open reg 18 step."""
    return [
        f"Warning: {step.plan.warning}"
        for step in state.steps
        if step.rule_id in TRANSFER.values()
        and step.plan is not None
        and step.plan.warning
        and step.status.value == "open"
    ]
