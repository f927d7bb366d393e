"""PublishChainHead on the time-skipping server, registered as the worker registers it (worker.build_worker): its one
activity runs with the instant asked for, or the workflow's own time when a schedule starts it, and ends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from activities.housekeeping import HousekeepingActivities
from activities.sendclock import SendclockActivities
from statutory.clock import local_date
from tests.chain_head.conftest import WEDNESDAY, add_events, morning
from tests.digest.conftest import RecordingNotifier
from worker import build_worker
from workflows.chain_head import PublishChainHead
from workflows.models import HousekeepingRun
from workflows.registry import WORKFLOWS


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
async def worker(time_skipping, settings, sessions, notifier) -> AsyncIterator[None]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        async with build_worker(
            time_skipping.client,
            settings,
            SendclockActivities(settings, sessions),
            executor=executor,
            housekeeping=HousekeepingActivities(settings, sessions, notifier),
        ):
            yield


def test_the_worker_and_replay_know_the_workflow():
    assert PublishChainHead in WORKFLOWS


async def test_the_fingerprint_goes_to_each_senco_and_auditor(time_skipping, settings, sessions, notifier, worker):
    add_events(sessions, 3)
    result = await time_skipping.client.execute_workflow(
        PublishChainHead.run,
        HousekeepingRun(as_of=morning()),
        id=f"test-{uuid.uuid4().hex[:8]}",
        task_queue=settings.temporal.task_queue,
    )
    assert (result.on, result.published, result.new, result.event_id, result.rows) == (WEDNESDAY, True, True, 3, 3)
    assert [(n["key"], n["kind"], n["now"]) for n in notifier.delivered] == [
        ("chain-head/governor/2026-12-02", "chain-head", morning()),
        ("chain-head/senco/2026-12-02", "chain-head", morning()),
    ]
    assert notifier.delivered[0]["subject"] == "Audit record fingerprint for Wed 2 Dec 2026"


async def test_a_scheduled_run_uses_the_workflow_time(time_skipping, settings, notifier, worker):
    handle = await time_skipping.client.start_workflow(
        PublishChainHead.run,
        HousekeepingRun(),
        id=f"test-{uuid.uuid4().hex[:8]}",
        task_queue=settings.temporal.task_queue,
    )
    result = await handle.result()
    assert result.on == local_date((await handle.describe()).start_time)
