"""Retention, the Temporal side: delete the histories of purged processes (`temporal workflow delete`, through the
client's workflow service). Every run of a workflow ID (continue-as-new chains) is deleted; a history Temporal no
longer has (its namespace retention deleted it long ago) is not an error; a run still running is never touched."""

from __future__ import annotations

from collections.abc import Iterable

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode


async def delete_histories(client: Client, workflow_ids: Iterable[str]) -> dict[str, int]:
    """Ask Temporal to delete every closed run of each workflow ID. Returns the runs deletion was asked for, per ID
    (0: Temporal had none). A running run is left alone (the database says the process closed; a new process may
    have reused the ID)."""
    asked: dict[str, int] = {}
    for workflow_id in workflow_ids:
        quoted = workflow_id.replace("\\", "\\\\").replace('"', '\\"')
        runs = [w async for w in client.list_workflows(f'WorkflowId = "{quoted}"')]
        asked[workflow_id] = 0
        for run in runs:
            if run.status == WorkflowExecutionStatus.RUNNING:
                continue
            if await _delete(client, workflow_id, run.run_id):
                asked[workflow_id] += 1
    return asked


async def _delete(client: Client, workflow_id: str, run_id: str) -> bool:
    try:
        await client.workflow_service.delete_workflow_execution(
            DeleteWorkflowExecutionRequest(
                namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id)
            )
        )
        return True
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
