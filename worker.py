"""The sendclock worker: wires the workflows, the activities and the settings together. Nothing imports it.

Run it with `python -m worker` (the embedded stack does); it reads settings from SENDCLOCK_* and the TOML file.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.sendclock import SendclockActivities
from config.settings import Settings, get_settings
from starter.client import connect
from store.db import make_engine, make_sessionmaker
from workflows.annual_review import AnnualReview
from workflows.draft_consultation import DraftPlanConsultation
from workflows.ehc_advice import EhcAdviceRequest
from workflows.reassessment import Reassessment

WORKFLOWS = [EhcAdviceRequest, DraftPlanConsultation, AnnualReview, Reassessment]


def build_worker(client: Client, settings: Settings, activities: SendclockActivities | None = None,
                 executor: ThreadPoolExecutor | None = None) -> Worker:
    """The worker for settings.temporal.task_queue (tests pass their own activities instance)."""
    if activities is None:
        activities = SendclockActivities(settings, make_sessionmaker(make_engine(settings.resolved_database_url)))
    return Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=WORKFLOWS,
        activities=activities.all(),
        activity_executor=executor or ThreadPoolExecutor(max_workers=8),
    )


async def run(settings: Settings) -> None:
    client = await connect(settings)
    worker = build_worker(client, settings)
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
