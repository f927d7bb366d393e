"""The sendclock worker: wires the workflows, the activities and the settings together. Nothing imports it.

Run it with `python -m worker` (the embedded stack does); it reads settings from SENDCLOCK_* and the TOML file.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.archive import ArchiveActivities
from activities.chain_head import ChainHeadActivities
from activities.chase import ChaseActivities
from activities.housekeeping import HousekeepingActivities
from activities.reconcile import ReconcileActivities
from activities.sendclock import SendclockActivities
from config.logging import setup_logging
from config.settings import Settings, get_settings
from starter.client import TemporalConfigError, connect, wrong_settings
from starter.sandbox import workflow_runner
from starter.schedules import (
    ensure_archive_schedule,
    ensure_chain_head_schedule,
    ensure_reconcile_schedule,
    ensure_schedules,
)
from starter.var_dir import private_umask
from store.db import make_engine, make_sessionmaker
from workflows.registry import WORKFLOWS as REGISTERED

# Waiting for Temporal at start: the first retry after this long, doubling up to the longest.
CONNECT_FIRST_RETRY_S, CONNECT_LONGEST_RETRY_S = 1.0, 30.0
EXIT_CONFIG = 78  # sysexits' EX_CONFIG: a supervisor should not restart the worker until its settings change


class CannotStart(Exception):
    """Starting cannot succeed by waiting (credentials refused, TLS to a plain server, a TLS file unreadable): the
    message says why."""


WORKFLOWS = REGISTERED  # workflows/registry.py: one list for the worker and for replay


def freeze_startup_objects() -> int:
    """Keep the objects made at start-up (modules, pydantic schemas, table metadata, Temporal's protobuf classes:
    about 160,000) out of the garbage collector's full passes, which otherwise walk them all about once every
    hundred EHC advice lifecycles: 170 ms of CPU each with the GIL held, 60 ms once they are frozen, on the
    benchmark's 2-core VM (docs/performance.md). Call once everything is imported and built, before polling;
    returns how many objects were frozen."""
    gc.collect()  # what is already garbage is freed, not frozen
    gc.freeze()
    return gc.get_freeze_count()


def build_worker(
    client: Client,
    settings: Settings,
    activities: SendclockActivities | None = None,
    executor: ThreadPoolExecutor | None = None,
    housekeeping: HousekeepingActivities | None = None,
) -> Worker:
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
        activities=(
            activities.all()
            + housekeeping.all()
            + ArchiveActivities(settings, client).all()
            + ChainHeadActivities(settings, housekeeping.sessions, housekeeping.notifier).all()
            + ReconcileActivities(settings, activities.sessions, client, activities.notifier).all()
            + ChaseActivities(settings, activities.sessions).all()
        ),
        activity_executor=executor or ThreadPoolExecutor(max_workers=8),
    )


async def connect_when_ready(settings: Settings) -> Client:
    """Connect to Temporal, waiting for it if it is not up yet (a server restarting, containers starting in any
    order): each failed try is logged with the reason, then retried after 1, 2, 4 ... up to 30 s. Settings that
    cannot work (credentials Temporal refuses, TLS to a plain server, a TLS file that cannot be read) stop at once:
    waiting would not change them."""
    delay = CONNECT_FIRST_RETRY_S
    while True:
        try:
            return await connect(settings)
        except TemporalConfigError as err:
            raise CannotStart(str(err)) from None
        except RuntimeError as err:
            if (why := wrong_settings(err, settings)) is not None:
                raise CannotStart(why) from None
            logging.warning(
                "cannot reach Temporal at %s (%s); trying again in %.0f s",
                settings.temporal.address,
                str(err).splitlines()[0],
                delay,
            )
        await asyncio.sleep(delay)
        delay = min(2 * delay, CONNECT_LONGEST_RETRY_S)


async def run(settings: Settings, activities: SendclockActivities | None = None) -> None:
    """Connect, make the housekeeping schedules, and poll until SIGINT or SIGTERM (`activities`: a benchmark's)."""
    client = await connect_when_ready(settings)
    try:
        logging.info("housekeeping schedules ready: %s", ", ".join(await ensure_schedules(client, settings)))
    except Exception:  # the statutory processes must run even when the digest cannot be scheduled
        logging.exception("could not create or update the housekeeping schedules (weekly digest, held notifications)")
    try:
        logging.info("archive schedule ready: %s", await ensure_archive_schedule(client, settings))
    except Exception:  # the statutory processes must run even when archiving cannot be scheduled
        logging.exception("could not create or update the archive schedule (closed histories into var/archive)")
    try:
        logging.info("chain head schedule ready: %s", await ensure_chain_head_schedule(client, settings))
    except Exception:  # the statutory processes must run even when the fingerprint cannot be scheduled
        logging.exception(
            "could not create or update the chain head schedule (the audit record's fingerprint to "
            "the SENCO and auditors)"
        )
    try:  # and one comparison now: a process ended outside sendclock while the worker was down is found at once
        logging.info("reconcile schedule ready: %s", await ensure_reconcile_schedule(client, settings))
    except Exception:  # the statutory processes must run even when reconciliation cannot be scheduled
        logging.exception(
            "could not create, update or trigger the reconcile schedule (processes stopped outside sendclock)"
        )
    worker = build_worker(client, settings, activities)
    freeze_startup_objects()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.info(
        "sendclock worker polling task queue %s on %s", settings.temporal.task_queue, settings.temporal.address
    )
    async with worker:
        await stop.wait()
    logging.info("sendclock worker stopped")


def main() -> None:
    settings = get_settings()
    setup_logging(settings.logging.level, settings.logging.json_lines)  # config/logging.py: stderr, text or JSON
    private_umask()  # what it writes under var/ (the history archive) is private (starter/var_dir.py)
    code = 0
    try:
        asyncio.run(run(settings))
    except CannotStart as err:
        logging.error("sendclock worker cannot start: %s", err)
        code = EXIT_CONFIG
    except KeyboardInterrupt:  # Ctrl-C while still waiting for Temporal (once polling, SIGINT stops it cleanly)
        logging.info("sendclock worker stopped before it started polling")
    # The SDK's core runtime threads can abort the interpreter as it finalizes (SIGABRT in PyGILState_Release,
    # temporalio/sdk-python#300; seen here after a refused connect): with the work done and the log flushed, leave
    # without finalizing, so the exit status is the worker's own (as the CLI does).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
