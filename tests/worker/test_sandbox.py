"""The worker's sandbox loads each workflow module once per process, not once per run (starter/sandbox.py)."""

from __future__ import annotations

import uuid

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from starter.sandbox import workflow_runner
from tests.worker.which_class import WhichClass
from worker import WORKFLOWS


@pytest.fixture
def env(time_skipping: WorkflowEnvironment) -> WorkflowEnvironment:
    """The module's time-skipping server (tests/conftest.py)."""
    return time_skipping


async def classes(env: WorkflowEnvironment, n: int, **worker_options) -> list[int]:
    queue = f"sandbox-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=queue, workflows=[WhichClass], **worker_options):
        return [
            await env.client.execute_workflow(WhichClass.run, id=f"which-{uuid.uuid4()}", task_queue=queue)
            for _ in range(n)
        ]


async def test_each_run_uses_the_module_the_worker_imported(env) -> None:
    assert await classes(env, 3, workflow_runner=workflow_runner([WhichClass])) == [id(WhichClass)] * 3


async def test_temporals_default_loads_a_fresh_copy_for_every_run(env) -> None:
    assert id(WhichClass) not in await classes(env, 3)  # (a copy freed after its run may leave its id to the next)


def test_the_worker_passes_through_the_module_of_every_workflow_it_runs() -> None:
    assert {cls.__module__ for cls in WORKFLOWS} <= workflow_runner(WORKFLOWS).restrictions.passthrough_modules
