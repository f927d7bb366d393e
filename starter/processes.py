"""Starting any statutory process, and the changes every process's steps accept: what the CLI and the API call.

Starting is idempotent: update-with-start creates the workflow if it is missing (USE_EXISTING) and waits until its
first steps are planned; a process already closed is not started again but returned as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from temporalio.client import Client

from commands.errors import CONFLICT, Problem
from config.settings import Settings
from starter.requests import RequestError, check_staff, open_or_find, start_school, update
from workflows.models import (
    Cancellation,
    LaChase,
    LaDecision,
    ProcessEnded,
    ProcessHeader,
    ProcessState,
    Reassignment,
    Replan,
    ReviewHeld,
    StepDone,
    StepExemption,
)
from workflows.process import StatutoryProcess
from workflows.registry import school_of


@dataclass(frozen=True)
class StartedProcess:
    state: ProcessState
    created: bool  # False: it already existed (a duplicate start)


def check_header(settings: Settings, header: ProcessHeader) -> None:
    check_staff(settings, owner=header.owner, escalate_to=header.escalate_to)


async def start_process(
    client: Client, settings: Settings, run: Any, run_input: Any, workflow_id: str, kind: str
) -> StartedProcess:
    """Start `run` (a process workflow's run method) with `run_input`, or return the one already there. `settings`
    are the school's (Settings.for_school): `workflow_id` must be one of its ids (ProcessKind.workflow_id with the
    school), and the workflow carries the school's id in SendclockSchool."""
    school = start_school(settings)
    if school_of(workflow_id) != school:
        raise ValueError(f"{workflow_id} is not a workflow id of school {school!r} (ProcessKind.workflow_id(school=))")
    check_header(settings, run_input.header)
    state, created = await open_or_find(
        client,
        settings,
        run,
        run_input,
        StatutoryProcess.process_opened,
        lambda: process_state(client, workflow_id),
        workflow_id=workflow_id,
        case_ref=run_input.header.case_ref,
        kind=kind,
        la=run_input.header.la,
        school=school,
    )
    if state.header.la != run_input.header.la:
        raise RequestError(
            Problem(
                "la",
                f"this case already has this process with {state.header.la!r}; "
                f"not starting another with {run_input.header.la!r}",
                CONFLICT,
            )
        )
    return StartedProcess(state=state, created=created)


async def process_state(client: Client, workflow_id: str) -> ProcessState:
    return await client.get_workflow_handle(workflow_id).query(StatutoryProcess.process_state)


async def complete_step(client: Client, settings: Settings, workflow_id: str, done: StepDone) -> ProcessState:
    check_staff(settings, by=done.by)
    return await update(client, workflow_id, StatutoryProcess.complete_step, done)


async def exempt_step(client: Client, settings: Settings, workflow_id: str, request: StepExemption) -> ProcessState:
    check_staff(settings, by=request.exemption.claimed_by)
    return await update(client, workflow_id, StatutoryProcess.exempt_step, request)


async def reassign_step(client: Client, settings: Settings, workflow_id: str, change: Reassignment) -> ProcessState:
    check_staff(settings, by=change.by, owner=change.owner)
    return await update(client, workflow_id, StatutoryProcess.reassign_step, change)


async def chase_la(client: Client, settings: Settings, workflow_id: str, chase: LaChase) -> ProcessState:
    check_staff(settings, by=chase.by)
    return await update(client, workflow_id, StatutoryProcess.chase_la, chase)


async def replan_steps(client: Client, settings: Settings, workflow_id: str, request: Replan) -> ProcessState:
    check_staff(settings, by=request.by)
    return await update(client, workflow_id, StatutoryProcess.replan_steps, request)


async def cancel_step(client: Client, settings: Settings, workflow_id: str, cancellation: Cancellation) -> ProcessState:
    check_staff(settings, by=cancellation.by)
    return await update(client, workflow_id, StatutoryProcess.cancel_step, cancellation)


async def reassessment_decided(
    client: Client, settings: Settings, workflow_id: str, decision: LaDecision
) -> ProcessState:
    """The LA's decision on a request to re-assess (workflows/reassessment.py)."""
    from workflows.reassessment import Reassessment

    check_staff(settings, by=decision.by)
    return await update(client, workflow_id, Reassessment.la_decided, decision)


async def review_held(client: Client, settings: Settings, workflow_id: str, held: ReviewHeld) -> ProcessState:
    """A termly review held (SEN support, PEP: workflows/termly.py)."""
    from workflows.termly import TermlyReviews

    check_staff(settings, by=held.by)
    return await update(client, workflow_id, TermlyReviews.review_held, held)


async def end_process(client: Client, settings: Settings, workflow_id: str, ended: ProcessEnded) -> ProcessState:
    """A termly process or a school duty ends (workflows/termly.py, workflows/school_duty.py); returns once closed."""
    from workflows.termly import TermlyReviews

    check_staff(settings, by=ended.by)
    # SchoolDuty's update has the same name and types: one handler reference serves both.
    return await update(client, workflow_id, TermlyReviews.end_process, ended)
