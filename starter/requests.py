"""What every starter shares: the bad-input error, staff checks, step options from settings, the school a start is
for, the idempotent start (open_or_find), and updates that turn a rejection into that error, with the field and code
the workflow gave (workflows/refusal.py)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from commands import checks
from commands.errors import MISSING, NOT_OPEN, Problem, Refused
from config.settings import Settings
from workflows import search_attributes as sa
from workflows.models import StepOptions
from workflows.process import START_UPDATE_MEMO
from workflows.refusal import INVALID_REQUEST

# Bad input that names the field and the reason (the CLI exits 2, the API answers 422): the command layer's Refused,
# under the name the starters have always raised. RequestError("field: reason") still reads the text form.
RequestError = Refused


def check_staff(settings: Settings, **fields: str) -> None:
    checks.staff(settings, **fields)


def start_school(settings: Settings) -> str:
    """The school a process is started for (its workflow id's prefix and SendclockSchool): `settings` are one
    school's (Settings.for_school, or a single-school install's own). A trust's settings, which name several schools,
    are refused on `school` (the CLI's --school): which school a process belongs to is never guessed."""
    if settings.schools:
        known = ", ".join(settings.schools)
        raise Refused(Problem("school", f"the settings have several schools ({known}): say which one", MISSING))
    return settings.school_id


def step_options(settings: Settings) -> StepOptions:
    retry = settings.notifications
    return StepOptions(
        notify_attempts=retry.retry_attempts,
        notify_initial_interval=timedelta(seconds=retry.retry_initial_seconds),
        notify_maximum_interval=timedelta(seconds=retry.retry_max_seconds),
    )


async def update(client: Client, workflow_id: str, handler: Any, argument: Any) -> Any:
    """Run an update; a rejection (or a process that has ended) becomes a RequestError naming the field."""
    try:
        return await client.get_workflow_handle(workflow_id).execute_update(handler, argument)
    except WorkflowUpdateFailedError as err:
        raise Refused(refusal(err.cause or err)) from err
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise Refused(Problem("workflow_id", await _ended(client, workflow_id), NOT_OPEN)) from err
        raise


def refusal(cause: BaseException) -> Problem:
    """What a workflow's rejection of an update says: the field and code it gave (workflows/refusal.py), or, from a
    workflow version that raised ValueError("field: reason"), the field read from the text."""
    if (
        isinstance(cause, ApplicationError)
        and cause.type == INVALID_REQUEST
        and cause.details
        and isinstance(cause.details[0], dict)
    ):
        given = cause.details[0]
        return Problem(str(given.get("field") or "form"), cause.message, str(given.get("code") or "invalid"))
    return Problem.from_text(getattr(cause, "message", None) or str(cause))


ENDED = {
    WorkflowExecutionStatus.COMPLETED: "already completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "been cancelled",
    WorkflowExecutionStatus.TERMINATED: "been terminated",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
}


async def _ended(client: Client, workflow_id: str) -> str:
    """Why an update found no running process: it has closed (how), or there is none."""
    try:
        status = (await client.get_workflow_handle(workflow_id).describe()).status
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        return f"{workflow_id} does not exist"
    if status in ENDED:
        return f"{workflow_id} has {ENDED[status]}: nothing more can be recorded on it"
    return f"{workflow_id} has ended, or does not exist"


def consume_start_error(operation: WithStartWorkflowOperation) -> None:
    """After a refused update-with-start, the operation's handle future holds the same error: read it, so asyncio
    does not log it as never retrieved."""
    future = getattr(operation, "_workflow_handle", None)
    if future is not None and future.done():
        future.exception()


async def open_or_find(
    client: Client,
    settings: Settings,
    run: Any,
    run_input: Any,
    opened: Any,
    found: Callable[[], Awaitable[Any]],
    *,
    workflow_id: str,
    case_ref: str,
    kind: str,
    la: str,
    school: str,
) -> tuple[Any, bool]:
    """Start `run` with `run_input` and wait on its `opened` update (update-with-start), or find the process already
    there: its state, and whether this call created it. A process already closed is not started again: `found()`
    reads its state. The start's memo names this call's update (START_UPDATE_MEMO), and the workflow reports that
    name however late the update is handled (workflows/process.py note_start_update): two starters racing cannot
    both be told they created it."""
    update_id = str(uuid.uuid4())
    operation = WithStartWorkflowOperation(
        run,
        run_input,
        id=workflow_id,
        task_queue=settings.temporal.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.CASE_REF, case_ref),
                SearchAttributePair(sa.PROCESS, kind),
                SearchAttributePair(sa.LA, la),
                SearchAttributePair(sa.SCHOOL, school),
            ]
        ),
        memo={START_UPDATE_MEMO: update_id},
    )
    try:
        state = await client.execute_update_with_start_workflow(
            opened, id=update_id, start_workflow_operation=operation
        )
    except (WorkflowAlreadyStartedError, RPCError) as err:  # closed already: report it as it stands
        if isinstance(err, RPCError) and err.status != RPCStatusCode.ALREADY_EXISTS:
            raise
        consume_start_error(operation)
        state = await found()
    return state, state.start_update_id == update_id
