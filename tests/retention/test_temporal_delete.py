"""On the real dev server: the purge's Temporal part deletes every run of a closed workflow (a continue-as-new
chain of three), leaves a running one alone, and a workflow Temporal no longer has is not an error."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from starter.retention_temporal import delete_histories
from tests.audit.chain_workflow import Chain

pytestmark = pytest.mark.devserver


async def runs_listed(client, workflow_id: str, want: int) -> int:
    for _ in range(100):  # visibility is eventually consistent
        found = [w async for w in client.list_workflows(f'WorkflowId = "{workflow_id}"')]
        if len(found) >= want:
            return len(found)
        await asyncio.sleep(0.1)
    return len(found)


async def gone(client, workflow_id: str) -> bool:
    for _ in range(300):  # deletion is asynchronous on the server
        try:
            await client.get_workflow_handle(workflow_id).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return True
            raise
        await asyncio.sleep(0.2)
    return False


async def test_every_closed_run_is_deleted_and_a_running_one_kept(devserver) -> None:
    client = devserver.client
    queue = f"retention-{uuid.uuid4().hex[:8]}"
    closed, running = f"retention-chain-{uuid.uuid4().hex[:8]}", f"retention-open-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[Chain]):
        assert await client.execute_workflow(Chain.run, 2, id=closed, task_queue=queue) == 0
    await client.start_workflow("NotRegisteredAnywhere", id=running, task_queue=f"{queue}-idle")
    assert await runs_listed(client, closed, 3) == 3
    assert await runs_listed(client, running, 1) == 1

    asked = await delete_histories(client, [closed, running, "never-existed-" + uuid.uuid4().hex[:8]])
    assert asked[closed] == 3 and asked[running] == 0 and list(asked.values())[2] == 0
    assert await gone(client, closed)
    assert (await client.get_workflow_handle(running).describe()).status.name == "RUNNING"
    await client.get_workflow_handle(running).terminate("test over")
