"""The housekeeping schedules on the real Temporal dev server (the time-skipping server does not implement
schedules): created once, brought up to date on the next start without losing an operator's pause, and their next
action times are what the school asked for."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import uuid
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy

from config.settings import DigestSettings, NotificationSettings
from starter.schedules import digest_schedule_id, dispatch_schedule_id, ensure_schedules
from tests.devserver.conftest import WorkerProcess

pytestmark = pytest.mark.devserver
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def client(devserver, settings):
    yield devserver.client
    for schedule_id in (digest_schedule_id(settings), dispatch_schedule_id(settings)):
        with contextlib.suppress(Exception):
            await devserver.client.get_schedule_handle(schedule_id).delete()


async def next_local_times(client, schedule_id, until=lambda description, times: len(times) >= 5):
    """The schedule's description and next action times (London), once `until` holds: the scheduler computes them,
    and applies an update, asynchronously after the call returns (bounded wait)."""
    for _ in range(100):
        description = await client.get_schedule_handle(schedule_id).describe()
        times = [t.astimezone(LONDON) for t in description.info.next_action_times]
        if until(description, times):
            break
        await asyncio.sleep(0.05)
    return description, times


async def test_digest_runs_on_weekdays_from_the_digest_day_at_its_time(client, settings):
    ids = await ensure_schedules(client, settings)
    assert ids == [f"{settings.temporal.task_queue}-weekly-digest", f"{settings.temporal.task_queue}-dispatch-held"]

    description, times = await next_local_times(client, digest_schedule_id(settings))
    assert len(times) >= 5
    assert {(t.time(), t.weekday() < 5) for t in times} == {(time(7, 30), True)}
    assert len({t.date() for t in times}) == len(times)  # once a day
    gaps = [b.date() - a.date() for a, b in itertools.pairwise(times)]
    assert all(gap in (timedelta(days=1), timedelta(days=3)) for gap in gaps)
    action = description.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.task_queue) == ("WeeklyDigest", settings.temporal.task_queue)
    assert description.schedule.policy.overlap == ScheduleOverlapPolicy.BUFFER_ONE
    assert description.schedule.spec.time_zone_name == "Europe/London"


async def test_held_notifications_are_dispatched_every_quarter_hour(client, settings):
    await ensure_schedules(client, settings)
    description, times = await next_local_times(client, dispatch_schedule_id(settings))
    assert {b - a for a, b in zip(times, times[1:], strict=False)} == {timedelta(minutes=15)}
    assert {(t.minute % 15, t.second) for t in times} == {(0, 0)}
    assert description.schedule.action.workflow == "DispatchHeld"
    assert description.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP


async def test_a_second_start_updates_the_spec_and_keeps_a_pause(client, settings):
    await ensure_schedules(client, settings)
    handle = client.get_schedule_handle(digest_schedule_id(settings))
    await handle.pause(note="paused by the head for the inspection week")

    settings.notifications = NotificationSettings(digest=DigestSettings(weekday="Wednesday", at=time(8, 15)))
    await ensure_schedules(client, settings)  # already exists: updated, not an error

    description, _ = await next_local_times(
        client, digest_schedule_id(settings), until=lambda d, _: d.schedule.spec.calendars[0].hour[0].start == 8
    )
    assert description.schedule.state.paused
    assert description.schedule.state.note == "paused by the head for the inspection week"
    await handle.unpause()
    _, times = await next_local_times(
        client, digest_schedule_id(settings), until=lambda d, times: len(times) >= 5 and times[0].time() == time(8, 15)
    )
    assert {t.time() for t in times} == {time(8, 15)} and {t.weekday() for t in times} == {2, 3, 4}


async def test_the_worker_creates_them_when_it_starts(devserver, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    task_queue = f"sendclock-digest-{uuid.uuid4().hex[:8]}"
    env.update(
        SENDCLOCK_TEMPORAL__ADDRESS=devserver.client.service_client.config.target_host,
        SENDCLOCK_TEMPORAL__TASK_QUEUE=task_queue,
        SENDCLOCK_VAR_DIR=str(tmp_path),
        SENDCLOCK_DATABASE_URL=f"sqlite:///{tmp_path}/sendclock.db",
    )
    worker = WorkerProcess(env, tmp_path / "worker.log")
    try:
        worker.start()
        assert (
            f"housekeeping schedules ready: {task_queue}-weekly-digest, {task_queue}-dispatch-held"
            in (tmp_path / "worker.log").read_text()
        )
        for suffix in ("weekly-digest", "dispatch-held"):
            handle = devserver.client.get_schedule_handle(f"{task_queue}-{suffix}")
            assert (await handle.describe()).schedule.action.task_queue == task_queue
            await handle.delete()
    finally:
        worker.stop()
