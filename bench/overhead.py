"""Overhead of sendclock over bare Temporal, measured in one run on one dev server (SQLite file).

Four arms, taking turns for --rounds rounds, each N lifecycles with at most --concurrency in flight, each with
its worker alone on its task queue:
  sendclock           the project's starter (update-with-start), the real worker (worker.build_worker) and activities
                      on a SQLite database: start, record, one reminder (due at once: its target is today), advice
                      sent, record;
  same_shape_durable  bench/bare_workflows.SameShape on its own task queue with DurableActivities: the same
                      activities, timer, updates and upserts; record and notify each insert one row into a SQLite file
                      in the run's temp directory and commit (plain sqlite3, default journal mode and synchronous, one
                      connection per activity thread; no hash chain, no group commit), plan a no-op;
  same_shape          the same workflow with no-op bodies (informative: it does none of the durable work);
  minimal             bench/bare_workflows.Minimal: one no-op activity.
Targets, on the medians over rounds of sendclock's lifecycles/s over an arm's: ratio_same_shape_durable >= 0.9 and
ratio_minimal >= 0.5. ratio_same_shape is reported, marked informative.
With --split, a fifth arm shows how sendclock's own cost divides:
  sendclock_no_db   sendclock with the record and notify bodies doing nothing (no database write, no outbox row):
                    the workflow, plan, client and payload work alone (informative, compared with same_shape).
The sendclock and same-shape clients wait for the "reminder-sent" record (an in-process hook called after the
record activity's body; polling a query instead cut throughput to a third), then send the completion update.
Also reported: CPU milliseconds per lifecycle of this process (worker and client) and of the dev server, and the
same ratios by CPU (arm / sendclock).

    .venv/bin/python -m bench.overhead --n 150 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.worker import Worker

from activities.sendclock import SendclockActivities
from bench import bare_workflows
from bench.bare_workflows import ACTIVITIES, DurableActivities, Minimal, SameShape
from bench.common import (
    bench_settings,
    cpu_seconds,
    every_day_calendar,
    gather_limited,
    london_today,
    received_for_target_today,
    start_dev_server,
    table,
    write_json,
)
from starter.advice import advice_sent, start_advice_request
from starter.client import connect
from starter.sandbox import workflow_runner
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from worker import build_worker, freeze_startup_objects
from workflows import activity_names
from workflows import search_attributes as sa
from workflows.models import AdviceRequest, AdviceSent, NotifyInput, NotifyResult, Recorded, RecordInput
from workflows.registry import ADVICE

TARGETS = {"ratio_same_shape_durable": 0.9, "ratio_minimal": 0.5}
INFORMATIVE = ["ratio_same_shape"]  # reported, not a target: the no-op bodies do none of the durable work
PREFIX = {  # of each arm's case refs
    "sendclock": "S",
    "same_shape_durable": "D",
    "same_shape": "B",
    "minimal": "M",
    "sendclock_no_db": "N",
}
COMPARED = ("same_shape_durable", "same_shape", "minimal")  # the arms sendclock is measured against
Lifecycle = Callable[[str], Awaitable[None]]


class Reminded:
    """Futures resolved when a workflow's "reminder-sent" record has been written (called from activity threads)."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.waiting: dict[str, asyncio.Future] = {}

    def expect(self, workflow_id: str) -> asyncio.Future:
        return self.waiting.setdefault(workflow_id, self.loop.create_future())

    def recorded(self, workflow_id: str, kind: str) -> None:
        if kind == "reminder-sent" and workflow_id in self.waiting:
            future = self.waiting[workflow_id]
            self.loop.call_soon_threadsafe(lambda: future.done() or future.set_result(None))


class HookedActivities(SendclockActivities):
    """The real activities; record also tells the benchmark when it has written (the body is unchanged)."""

    def __init__(self, *args, reminded: Reminded, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reminded = reminded

    @activity.defn(name=activity_names.RECORD)
    def record(self, entry: RecordInput) -> Recorded:
        done = super().record(entry)
        self.reminded.recorded(entry.workflow_id, entry.kind)
        return done


class NoDatabaseActivities(HookedActivities):
    """--split: record and notify return what they would, and write nothing (plan_step is the real one)."""

    @activity.defn(name=activity_names.RECORD)
    def record(self, entry: RecordInput) -> Recorded:
        self.reminded.recorded(entry.workflow_id, entry.kind)
        return Recorded(written=True, entry=entry)

    @activity.defn(name=activity_names.NOTIFY)
    def notify(self, notice: NotifyInput) -> NotifyResult:
        return NotifyResult(deliveries=[])


def sendclock_lifecycle(client: Client, settings, reminded: Reminded, calendar=None) -> Lifecycle:
    received, today = received_for_target_today(settings, calendar), london_today()

    async def run(ref: str) -> None:
        sent = reminded.expect(ADVICE.workflow_id(ref, received))
        started = await start_advice_request(
            client, settings, AdviceRequest(case_ref=ref, la="Kent", received_on=received, owner="senco")
        )
        handle = client.get_workflow_handle(started.state.workflow_id)
        await sent
        await advice_sent(client, settings, handle.id, AdviceSent(sent_on=today, by="senco"))
        await handle.result()

    return run


def same_shape_lifecycle(client: Client, task_queue: str, reminded: Reminded) -> Lifecycle:
    async def run(ref: str) -> None:
        sent = reminded.expect(f"same-{ref}")
        operation = WithStartWorkflowOperation(
            SameShape.run,
            ref,
            id=f"same-{ref}",
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.CASE_REF, ref),
                    SearchAttributePair(sa.PROCESS, "bare"),
                    SearchAttributePair(sa.LA, "Kent"),
                ]
            ),
        )
        await client.execute_update_with_start_workflow(SameShape.opened, start_workflow_operation=operation)
        handle = await operation.workflow_handle()
        await sent
        await handle.execute_update(SameShape.complete)
        await handle.result()

    return run


def minimal_lifecycle(client: Client, task_queue: str) -> Lifecycle:
    async def run(ref: str) -> None:
        await client.execute_workflow(Minimal.run, ref, id=f"min-{ref}", task_queue=task_queue)

    return run


async def timed(
    worker: Worker, lifecycle: Lifecycle, n: int, concurrency: int, prefix: str, warmup: int, server_pid: int
) -> tuple[float, dict]:
    """Lifecycles per second over n (after `warmup` untimed ones, which load the worker's code and caches), and the
    CPU milliseconds per lifecycle of this process (worker and client) and of the dev server."""
    async with worker:
        await gather_limited(concurrency, [lambda i=i: lifecycle(f"WARM-{prefix}{i:05d}") for i in range(warmup)])
        cpu = cpu_seconds(os.getpid()), cpu_seconds(server_pid)
        began = time.perf_counter()
        await gather_limited(concurrency, [lambda i=i: lifecycle(f"EHC-{prefix}{i:05d}") for i in range(n)])
        elapsed = time.perf_counter() - began
        spent = {
            "python_worker_and_client": cpu_seconds(os.getpid()) - cpu[0],
            "dev_server": cpu_seconds(server_pid) - cpu[1],
        }
        return n / elapsed, {k: round(1000 * v / n, 1) for k, v in spent.items()}


async def bench(
    n: int,
    concurrency: int,
    warmup: int,
    rounds: int,
    out: Path | None,
    profile_only: str | None = None,
    split: bool = False,
    any_day: bool = False,
) -> dict:
    per_round: list[dict] = []
    calendar = every_day_calendar() if any_day else None
    with tempfile.TemporaryDirectory(prefix="sendclock-bench-") as tmp_name:
        tmp = Path(tmp_name)
        durable = DurableActivities(tmp / "bare-durable.db")  # the durable bare arm's file, its own
        server = await start_dev_server(tmp)
        try:
            settings = bench_settings(tmp, server.address, "bench-sendclock")
            upgrade(settings.resolved_database_url)
            client = await connect(settings)
            reminded = Reminded()
            bare_workflows.on_record = reminded.recorded
            sessions = make_sessionmaker(make_engine(settings.resolved_database_url))

            def bare() -> Worker:
                return Worker(
                    client,
                    task_queue="bench-bare",
                    workflows=[SameShape, Minimal],
                    workflow_runner=workflow_runner([SameShape, Minimal]),  # as the sendclock worker
                    activities=ACTIVITIES,
                    activity_executor=ThreadPoolExecutor(max_workers=8),
                )

            def bare_durable() -> Worker:  # the same workflow class, the durable bodies under the same names
                return Worker(
                    client,
                    task_queue="bench-bare-durable",
                    workflows=[SameShape],
                    workflow_runner=workflow_runner([SameShape]),
                    activities=durable.activities(),
                    activity_executor=ThreadPoolExecutor(max_workers=8),
                )

            arms = {
                "sendclock": lambda: (
                    build_worker(
                        client,
                        settings,
                        activities=HookedActivities(settings, sessions, calendar=calendar, reminded=reminded),
                    ),
                    sendclock_lifecycle(client, settings, reminded, calendar),
                ),
                "same_shape_durable": lambda: (
                    bare_durable(),
                    same_shape_lifecycle(client, "bench-bare-durable", reminded),
                ),
                "same_shape": lambda: (bare(), same_shape_lifecycle(client, "bench-bare", reminded)),
                "minimal": lambda: (bare(), minimal_lifecycle(client, "bench-bare")),
                "sendclock_no_db": lambda: (
                    build_worker(
                        client,
                        settings,
                        activities=NoDatabaseActivities(settings, sessions, calendar=calendar, reminded=reminded),
                    ),
                    sendclock_lifecycle(client, settings, reminded, calendar),
                ),
            }
            if not split and profile_only != "sendclock_no_db":
                del arms["sendclock_no_db"]
            freeze_startup_objects()  # as the worker does before it polls; for every arm (one process)
            if profile_only:  # one arm alone, e.g. under `py-spy record`: its figures, no ratios
                worker, lifecycle = arms[profile_only]()
                rate, cpu = await timed(worker, lifecycle, n, concurrency, "P", warmup, server.pid)
                print(f"{profile_only}: {rate:.2f} lifecycles/s, CPU ms/lifecycle {cpu}")
                return {"lifecycles_per_s": rate, "cpu_ms_per_lifecycle": cpu}
            for r in range(rounds):  # the arms take turns, so a burst of load on the machine hits all of them
                per_round.append(
                    {
                        name: await timed(*make(), n, concurrency, f"{PREFIX[name]}{r}", warmup, server.pid)
                        for name, make in arms.items()
                    }
                )
        finally:
            bare_workflows.on_record = None
            server.stop()
            durable.close()
    arms = list(per_round[0])
    rates = {arm: median(r[arm][0] for r in per_round) for arm in arms}
    cpu = {arm: {k: round(median(r[arm][1][k] for r in per_round), 1) for k in per_round[0][arm][1]} for arm in arms}
    ratios = {arm: [r["sendclock"][0] / r[arm][0] for r in per_round] for arm in COMPARED}
    # The same comparison by CPU (Python and dev server) per lifecycle: what throughput tends to when the machine is
    # CPU-bound, and much steadier on a shared VM than lifecycles/s (informative; the targets are on throughput).
    total = lambda r, arm: sum(r[arm][1].values())  # noqa: E731
    cpu_ratios = {arm: [total(r, arm) / total(r, "sendclock") for r in per_round] for arm in COMPARED}
    figures = {
        "n": n,
        "concurrency": concurrency,
        "rounds": rounds,
        "lifecycles_per_s": {k: round(v, 2) for k, v in rates.items()},
        "lifecycles_per_s_by_round": [{arm: round(r[arm][0], 2) for arm in arms} for r in per_round],
        "cpu_ms_per_lifecycle": cpu,
        **{f"ratio_{arm}": round(median(ratios[arm]), 3) for arm in COMPARED},
        "ratios_by_round": {k: [round(v, 3) for v in vs] for k, vs in ratios.items()},
        **{f"cpu_ratio_{arm}": round(median(cpu_ratios[arm]), 3) for arm in COMPARED},
        "cpu_ratios_by_round": {k: [round(v, 3) for v in vs] for k, vs in cpu_ratios.items()},
        "targets": dict(TARGETS),
        "informative": INFORMATIVE,
    }
    met = figures["met"] = {k: figures[k] >= t for k, t in TARGETS.items()}
    labels = {"same_shape_durable": "same shape, durable", "same_shape": "same shape, no-op", "minimal": "minimal"}

    def row(arm: str) -> list:
        key = f"ratio_{arm}"
        target, done = (TARGETS[key], met[key]) if key in TARGETS else ("(informative)", "")
        return [labels[arm], rates[arm], figures[key], target, done, *cpu[arm].values()]

    table(
        f"Overhead: {n} lifecycles per arm and round, {rounds} round(s), {concurrency} in flight, one dev server "
        "(SQLite file); medians over rounds",
        ["arm", "lifecycles/s", "sendclock / arm", "target", "met", "CPU ms/lifecycle: python", "dev server"],
        [["sendclock", rates["sendclock"], "", "", "", *cpu["sendclock"].values()], *map(row, COMPARED)],
    )
    print("ratios by round: " + ", ".join(f"{labels[arm]} {figures['ratios_by_round'][arm]}" for arm in COMPARED))
    print(
        "by CPU per lifecycle (arm / sendclock, Python + dev server): "
        + ", ".join(
            f"{labels[arm]} {figures[f'cpu_ratio_{arm}']} {figures['cpu_ratios_by_round'][arm]}" for arm in COMPARED
        )
    )
    if "sendclock_no_db" in arms:  # --split: how sendclock's own cost divides
        no_db = [r["sendclock_no_db"][0] / r["same_shape"][0] for r in per_round]
        figures["split"] = {
            "ratio_same_shape_without_database": round(median(no_db), 3),
            "ratios_by_round": [round(v, 3) for v in no_db],
            "cpu_ratio_same_shape_without_database": round(
                median(total(r, "same_shape") / total(r, "sendclock_no_db") for r in per_round), 3
            ),
        }
        print(
            f"split: sendclock without its database writes and outbox rows {rates['sendclock_no_db']:.1f}/s, "
            f"CPU ms/lifecycle {cpu['sendclock_no_db']}; same-shape ratio "
            f"{figures['split']['ratio_same_shape_without_database']} {figures['split']['ratios_by_round']} "
            f"(by CPU {figures['split']['cpu_ratio_same_shape_without_database']}), against "
            f"{figures['ratio_same_shape']} with them"
        )
    write_json(f"overhead-n{n}", figures, out)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=150, help="lifecycles per arm and round (default 150)")
    parser.add_argument("--concurrency", type=int, default=20, help="lifecycles in flight (default 20)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed lifecycles per arm first (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the arms in turn (default 3)")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default bench/results)")
    parser.add_argument(
        "--only",
        choices=list(PREFIX),
        default=None,
        help="run one arm once and print its figures (no ratios, no JSON): for profiling",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="add the arm sendclock_no_db (record and notify write nothing): where the overhead goes",
    )
    parser.add_argument(
        "--any-day",
        action="store_true",
        help="count every day as a working day (the smoke tests, at weekends too); the work measured is the same",
    )
    args = parser.parse_args(argv)
    return asyncio.run(
        bench(args.n, args.concurrency, args.warmup, args.rounds, args.out, args.only, args.split, args.any_day)
    )


if __name__ == "__main__":
    main()
