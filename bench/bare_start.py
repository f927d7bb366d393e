"""The bare arm of bench/open_workflows.py: an update-with-start of a workflow whose first workflow task is
sendclock's, with nothing of sendclock's in it.

sendclock's first workflow task for an EHC advice request (workflows/ehc_advice.py run() up to step.run(), and the
`opened` update that came with the start) issues: the `local-activities` patch marker; four local activities in a
row, record ("request-received"), plan_step, record ("step-opened"), notify ("assigned"); one upsert of
SendclockStatus and SendclockDue; and a timer (the wait for the reminder); the update returns once the step is
planned, and its answer goes with the task's completion, after the four local activities. `BareOpen` issues the same
commands, under the names of bench/bare_workflows.py's activities, so either of their bodies can run it:
  durable  bench/bare_workflows.DurableActivities (the default): record and notify each insert one row into a SQLite
           file and commit before returning, plan a no-op. sendclock's start answers only once its rows are
           committed (process and step rows, two hash-chained events, the notice's outbox row), and so would a
           hand-written app that keeps a deadline and tells someone: a bare arm with no-op bodies would measure
           Temporal alone, which no application doing this job can reach;
  noop     bench/bare_workflows.ACTIVITIES: every body returns at once (informative: Temporal and the SDK alone).
Its worker runs as a process of its own, as sendclock's does (`python -m worker`):

    python -m bench.bare_start --address 127.0.0.1:7233 --task-queue bench-bare-open --bodies durable --db FILE
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from datetime import UTC, timedelta

from temporalio import workflow
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

with workflow.unsafe.imports_passed_through():
    import workflows.search_attributes as sa

LOCAL = "local-activities"  # workflows.calls.LOCAL_ACTIVITIES: the same marker
OPTIONS = dict(start_to_close_timeout=timedelta(seconds=30))
WAIT = timedelta(days=30)  # the wait for the next notice: far beyond any benchmark
BODIES = ("durable", "noop")
POLLING = "bare worker polling task queue"  # what the benchmark waits for in the worker's log


@workflow.defn(name="BareOpen")
class BareOpen:
    def __init__(self) -> None:
        self.planned = False

    @workflow.run
    async def run(self, case_ref: str) -> str:
        workflow.patched(LOCAL)
        await workflow.execute_local_activity("bare_record", "request-received", **OPTIONS)
        await workflow.execute_local_activity("bare_plan", case_ref, **OPTIONS)
        self.planned = True
        await workflow.execute_local_activity("bare_record", "step-opened", **OPTIONS)
        await workflow.execute_local_activity("bare_notify", "assigned", **OPTIONS)
        due = workflow.now().replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
        workflow.upsert_search_attributes([sa.STATUS.value_set("open"), sa.DUE.value_set(due)])
        with contextlib.suppress(TimeoutError):  # as StatutoryStep.run(): a wait_condition with the reminder's delay
            await workflow.wait_condition(lambda: False, timeout=WAIT)
        return case_ref

    @workflow.update
    async def opened(self) -> bool:
        await workflow.wait_condition(lambda: self.planned)
        return True


async def start_bare(client: Client, task_queue: str, case_ref: str) -> str:
    """What starter/advice.py start_advice_request does, for BareOpen: update-with-start (USE_EXISTING,
    REJECT_DUPLICATE, the same four search attributes), returning once the first workflow task is done."""
    workflow_id = f"bare-open-{case_ref}"
    operation = WithStartWorkflowOperation(
        BareOpen.run,
        case_ref,
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.CASE_REF, case_ref),
                SearchAttributePair(sa.PROCESS, "bare-open"),
                SearchAttributePair(sa.LA, "Kent"),
                SearchAttributePair(sa.SCHOOL, "default"),
            ]
        ),
    )
    await client.execute_update_with_start_workflow(BareOpen.opened, start_workflow_operation=operation)
    return workflow_id


async def serve(address: str, task_queue: str, bodies: str, db: str) -> None:
    """The bare worker, set up as worker.py sets up sendclock's: the sandbox with the workflow's module passed
    through, eight activity threads, start-up objects frozen out of the collector's passes."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from temporalio.worker import Worker

    from bench.bare_workflows import ACTIVITIES, DurableActivities
    from starter.sandbox import workflow_runner

    durable = DurableActivities(Path(db)) if bodies == "durable" else None
    client = await Client.connect(address)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[BareOpen],
        workflow_runner=workflow_runner([BareOpen]),
        activities=durable.activities() if durable else list(ACTIVITIES),
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.info("%s %s on %s (%s bodies)", POLLING, task_queue, address, bodies)
    try:
        async with worker:
            await stop.wait()
    finally:
        if durable is not None:
            durable.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the bare worker of bench/open_workflows.py")
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--bodies", choices=BODIES, default="durable")
    parser.add_argument("--db", default="bare-open.db", help="the durable bodies' SQLite file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    asyncio.run(serve(args.address, args.task_queue, args.bodies, args.db))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # as worker.main: the SDK's core threads can abort the interpreter as it finalizes


if __name__ == "__main__":
    main()
