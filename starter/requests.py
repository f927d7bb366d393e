"""What every starter shares: the bad-input error, staff checks, step options from settings, and updates that
turn a rejection into that error."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from config.settings import Settings
from workflows.models import StepOptions


class RequestError(ValueError):
    """Bad input that names the field and the reason (the CLI exits non-zero, the API answers 4xx)."""


def check_staff(settings: Settings, **fields: str) -> None:
    for field, staff_id in fields.items():
        if staff_id not in settings.staff:
            known = ", ".join(sorted(settings.staff)) or "none configured"
            raise RequestError(f"{field}: no staff member with id {staff_id!r} (known: {known})")


def step_options(settings: Settings) -> StepOptions:
    retry = settings.notifications
    return StepOptions(notify_attempts=retry.retry_attempts,
                       notify_initial_interval=timedelta(seconds=retry.retry_initial_seconds),
                       notify_maximum_interval=timedelta(seconds=retry.retry_max_seconds))


async def update(client: Client, workflow_id: str, handler: Any, argument: Any) -> Any:
    """Run an update; a rejection (or a process that has ended) becomes a RequestError naming the field."""
    try:
        return await client.get_workflow_handle(workflow_id).execute_update(handler, argument)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        raise RequestError(getattr(cause, "message", None) or str(cause or err)) from err
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise RequestError(await _ended(client, workflow_id)) from err
        raise


ENDED = {WorkflowExecutionStatus.COMPLETED: "already completed", WorkflowExecutionStatus.FAILED: "failed",
         WorkflowExecutionStatus.CANCELED: "been cancelled", WorkflowExecutionStatus.TERMINATED: "been terminated",
         WorkflowExecutionStatus.TIMED_OUT: "timed out"}


async def _ended(client: Client, workflow_id: str) -> str:
    """Why an update found no running process: it has closed (how), or there is none."""
    try:
        status = (await client.get_workflow_handle(workflow_id).describe()).status
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        return f"workflow_id: {workflow_id} does not exist"
    if status in ENDED:
        return f"workflow_id: {workflow_id} has {ENDED[status]}: nothing more can be recorded on it"
    return f"workflow_id: {workflow_id} has ended, or does not exist"


def consume_start_error(operation: WithStartWorkflowOperation) -> None:
    """After a refused update-with-start, the operation's handle future holds the same error: read it, so asyncio
    does not log it as never retrieved."""
    future = getattr(operation, "_workflow_handle", None)
    if future is not None and future.done():
        future.exception()
