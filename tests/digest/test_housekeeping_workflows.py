"""The scheduled workflows on the time-skipping server, registered as the worker registers them: each runs its
activity with the workflow's time (or the instant asked for) and ends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from activities.housekeeping import HousekeepingActivities
from activities.sendclock import SendclockActivities
from statutory.clock import local_date
from tests.digest.conftest import MONDAY, RecordingNotifier, monday_morning
from tests.digest.digest_rows import add_school
from worker import build_worker
from workflows.housekeeping import DispatchHeld, WeeklyDigest
from workflows.models import HousekeepingRun


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
async def worker(time_skipping, settings, sessions, notifier) -> AsyncIterator[None]:
    housekeeping = HousekeepingActivities(settings, sessions, notifier)
    with ThreadPoolExecutor(max_workers=2) as executor:
        async with build_worker(
            time_skipping.client,
            settings,
            SendclockActivities(settings, sessions),
            executor=executor,
            housekeeping=housekeeping,
        ):
            yield


async def run(time_skipping, settings, workflow, run: HousekeepingRun):
    return await time_skipping.client.execute_workflow(
        workflow, run, id=f"test-{uuid.uuid4().hex[:8]}", task_queue=settings.temporal.task_queue
    )


async def test_weekly_digest_delivers_one_digest_per_leader(time_skipping, settings, sessions, notifier, worker):
    add_school(sessions)
    result = await run(time_skipping, settings, WeeklyDigest.run, HousekeepingRun(as_of=monday_morning()))
    assert (result.on, result.week, result.due) == (MONDAY, "2027-W02", True)
    assert (result.open, result.overdue, result.due_soon) == (5, 2, 2)
    assert [(d.recipient, d.status) for d in result.deliveries] == [
        ("deputy", "kept"),
        ("head", "kept"),
        ("senco", "kept"),
    ]
    senco = notifier.delivered[-1]
    assert senco["key"] == "digest/senco/2027-W02" and senco["now"] == monday_morning()
    assert senco["subject"].startswith("[sendclock] Weekly digest, Mon 11 Jan 2027")
    assert "EHC-0042" in senco["text"] and "EHC-0042" in senco["html"]


async def test_a_scheduled_run_uses_the_workflow_time(time_skipping, settings, notifier, worker):
    handle = await time_skipping.client.start_workflow(
        WeeklyDigest.run, HousekeepingRun(), id=f"test-{uuid.uuid4().hex[:8]}", task_queue=settings.temporal.task_queue
    )
    result = await handle.result()
    assert result.on == local_date((await handle.describe()).start_time)


async def test_dispatch_held_hands_the_workflow_time_to_the_notifier(time_skipping, settings, notifier, worker):
    result = await run(time_skipping, settings, DispatchHeld.run, HousekeepingRun(as_of=monday_morning()))
    assert result.dispatched == 3 and notifier.dispatched == [monday_morning()]
