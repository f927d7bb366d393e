"""The sendclock worker: wires the workflows, the activities and the settings together. Nothing imports it.

Run it with `python -m worker` (the embedded stack does); it reads settings from SENDCLOCK_* and the TOML file.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.housekeeping import HousekeepingActivities
from activities.sendclock import SendclockActivities
from audit.archive_activities import ArchiveActivities
from config.settings import Settings, get_settings
from starter.client import connect
from starter.sandbox import workflow_runner
from starter.schedules import ensure_archive_schedule, ensure_schedules
from store.db import make_engine, make_sessionmaker
from workflows.annual_review import AnnualReview
from workflows.archive import ArchiveClosedRuns
from workflows.draft_consultation import DraftPlanConsultation
from workflows.ehc_advice import EhcAdviceRequest
from workflows.housekeeping import DispatchHeld, WeeklyDigest
from workflows.reassessment import Reassessment

WORKFLOWS = [EhcAdviceRequest, DraftPlanConsultation, AnnualReview, Reassessment, WeeklyDigest, DispatchHeld,
             ArchiveClosedRuns]


def freeze_startup_objects() -> int:
    """Keep the objects made at start-up (modules, pydantic schemas, table metadata, Temporal's protobuf classes:
    about 160,000) out of the garbage collector's full passes, which otherwise walk them all about once every
    hundred EHC advice lifecycles: 170 ms of CPU each with the GIL held, 60 ms once they are frozen, on the
    benchmark's 2-core VM (docs/performance.md). Call once everything is imported and built, before polling;
    returns how many objects were frozen."""
    gc.collect()  # what is already garbage is freed, not frozen
    gc.freeze()
    return gc.get_freeze_count()


def build_worker(client: Client, settings: Settings, activities: SendclockActivities | None = None,
                 executor: ThreadPoolExecutor | None = None,
                 housekeeping: HousekeepingActivities | None = None) -> Worker:
    """The worker for settings.temporal.task_queue (tests pass their own activities instances; the housekeeping
    activities share the process activities' database and notifier unless given)."""
    if activities is None:
        activities = SendclockActivities(settings, make_sessionmaker(make_engine(settings.resolved_database_url)))
    if housekeeping is None:
        housekeeping = HousekeepingActivities(settings, activities.sessions, activities.notifier)
    return Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(WORKFLOWS),  # each module loaded once per process (starter/sandbox.py)
        activities=activities.all() + housekeeping.all() + ArchiveActivities(settings, client).all(),
        activity_executor=executor or ThreadPoolExecutor(max_workers=8),
    )


async def run(settings: Settings) -> None:
    client = await connect(settings)
    try:
        logging.info("housekeeping schedules ready: %s", ", ".join(await ensure_schedules(client, settings)))
    except Exception:  # the statutory processes must run even when the digest cannot be scheduled
        logging.exception("could not create or update the housekeeping schedules (weekly digest, held notifications)")
    try:
        logging.info("archive schedule ready: %s", await ensure_archive_schedule(client, settings))
    except Exception:  # the statutory processes must run even when archiving cannot be scheduled
        logging.exception("could not create or update the archive schedule (closed histories into var/archive)")
    worker = build_worker(client, settings)
    freeze_startup_objects()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.info("sendclock worker polling task queue %s on %s", settings.temporal.task_queue, settings.temporal.address)
    async with worker:
        await stop.wait()
    logging.info("sendclock worker stopped")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run(get_settings()))


if __name__ == "__main__":
    main()
