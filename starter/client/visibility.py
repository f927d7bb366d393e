"""What Temporal says about a process the database holds open: still running, or ended outside sendclock.

The database is a projection written by each workflow's own record activity, so a workflow that something else ends
(a terminate or reset in the Temporal Web UI or CLI, a run that failed or timed out, a history deleted by
retention) leaves its process open in the database for ever. These functions find such processes: visibility lists
the running workflows in a few pages, and each open process missing from it is described (visibility lags a start
by a moment, so "not listed" alone proves nothing). Used by the reconciliation job (activities/reconcile.py),
`sendclock audit verify` and `sendclock process resume`. What they answer (WorkflowView) is audit/divergence.py's.

An error Temporal answers with is raised as starter.client.TemporalError.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, HistoryEventFilterType
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from audit.divergence import NOT_FOUND, PROCESS_FILTER, RUNNING, WorkflowView
from starter.client import temporal_errors

STATUS_WORDS: dict[WorkflowExecutionStatus | None, str] = {  # a status describe() leaves out (None) is str(None)
    WorkflowExecutionStatus.RUNNING: RUNNING,
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "canceled",
    WorkflowExecutionStatus.TERMINATED: "terminated",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "continued as new",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
}


async def running_ids(client: Client) -> set[str]:
    """The ids of every running sendclock process workflow (visibility: eventually consistent)."""
    with temporal_errors():
        return {ex.id async for ex in client.list_workflows(f"ExecutionStatus = 'Running' AND {PROCESS_FILTER}")}


async def listed_process_ids(client: Client, task_queue: str) -> set[str]:
    """The ids of every sendclock process workflow visibility lists on `task_queue` (one school's), in any state."""
    queue = task_queue.replace("\\", "\\\\").replace("'", "\\'")
    with temporal_errors():
        return {ex.id async for ex in client.list_workflows(f"{PROCESS_FILTER} AND TaskQueue = '{queue}'")}


async def view(client: Client, workflow_id: str) -> WorkflowView:
    """The latest run of `workflow_id`: its status, and for a closed run when and why it closed."""
    with temporal_errors():
        try:
            described = await client.get_workflow_handle(workflow_id).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return WorkflowView(workflow_id, NOT_FOUND)
            raise
        extended = described.raw_description.workflow_extended_info
        reset_at = extended.last_reset_time.ToDatetime(tzinfo=UTC) if extended.HasField("last_reset_time") else None
        status = STATUS_WORDS.get(described.status, str(described.status))
        if status == RUNNING:
            return WorkflowView(workflow_id, status, described.run_id, last_reset_at=reset_at)
        reason, identity = await _close_reason(client, workflow_id, described.run_id)
    return WorkflowView(workflow_id, status, described.run_id, described.close_time, reason, identity, reset_at)


async def _close_reason(client: Client, workflow_id: str, run_id: str) -> tuple[str | None, str | None]:
    """The reason and identity Temporal recorded with the run's close event (terminations carry both; a failure
    its message, which is encrypted when payload keys are configured, so only its type is said)."""
    response = await client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace=client.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id),
            history_event_filter_type=HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        )
    )
    if not response.history.events:
        return None, None
    event = response.history.events[-1]
    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
        a = event.workflow_execution_terminated_event_attributes
        return a.reason or None, a.identity or None
    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        failure = event.workflow_execution_failed_event_attributes.failure
        kind = failure.application_failure_info.type if failure.HasField("application_failure_info") else ""
        return (f"the workflow failed{f' ({kind})' if kind else ''}", None)
    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
        return "the run reached its time limit", None
    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
        return "a cancellation was requested", None
    return None, None


async def stopped_outside(
    client: Client, open_ids: Iterable[str], running: set[str] | None = None
) -> list[WorkflowView]:
    """Of the processes the database holds open (`open_ids`), those whose workflow Temporal no longer runs
    (`running`: running_ids, if the caller has it)."""
    open_ids = list(open_ids)
    if not open_ids:
        return []
    running = await running_ids(client) if running is None else running
    found = []
    for workflow_id in open_ids:
        if workflow_id in running:
            continue
        seen = await view(client, workflow_id)
        if not seen.running:
            found.append(seen)
    return found
