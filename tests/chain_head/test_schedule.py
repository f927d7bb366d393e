"""The `<task queue>-chain-head` schedule on the real Temporal dev server (the time-skipping server has no schedules):
Monday to Friday at notifications.chain_head.at, school time zone; created by the worker when it starts, and the run
it starts is done by that worker's activity (the day's head recorded when today is a working day)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy

from config.school_calendar import school_calendar
from config.settings import ChainHeadSettings, NotificationSettings, Settings
from starter.schedules import chain_head_schedule_id, ensure_chain_head_schedule
from statutory.clock import local_date
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from store.models import PublishedHead
from tests.devserver.conftest import WorkerProcess
from workflows.models import ChainHeadResult

pytestmark = pytest.mark.devserver
LONDON = ZoneInfo("Europe/London")


async def next_local_times(client, schedule_id, until=lambda description, times: len(times) >= 5):
    """The schedule's description and next action times (London), once `until` holds (the scheduler computes them
    asynchronously after the call returns: bounded wait)."""
    for _ in range(100):
        description = await client.get_schedule_handle(schedule_id).describe()
        times = [t.astimezone(LONDON) for t in description.info.next_action_times]
        if until(description, times):
            break
        await asyncio.sleep(0.05)
    return description, times


async def test_it_runs_monday_to_friday_at_the_time_set(devserver, settings):
    client = devserver.client
    settings.temporal.task_queue = f"sendclock-chain-{uuid.uuid4().hex[:8]}"
    schedule_id = await ensure_chain_head_schedule(client, settings)
    try:
        assert schedule_id == f"{settings.temporal.task_queue}-chain-head" == chain_head_schedule_id(settings)
        description, times = await next_local_times(client, schedule_id)
        assert len(times) >= 5 and {(t.time(), t.weekday() < 5) for t in times} == {(time(7, 0), True)}
        assert len({t.date() for t in times}) == len(times)  # once a day
        action = description.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.task_queue) == ("PublishChainHead", settings.temporal.task_queue)
        assert description.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
        assert description.schedule.spec.time_zone_name == "Europe/London"

        settings.notifications = NotificationSettings(chain_head=ChainHeadSettings(at=time(6, 45)))
        await ensure_chain_head_schedule(client, settings)  # already there: updated, not an error
        _, times = await next_local_times(
            client, schedule_id, until=lambda d, times: len(times) >= 5 and times[0].time() == time(6, 45)
        )
        assert {t.time() for t in times} == {time(6, 45)} and {t.weekday() for t in times} <= {0, 1, 2, 3, 4}
    finally:
        await client.get_schedule_handle(schedule_id).delete()


async def test_the_worker_creates_it_when_it_starts_and_runs_what_it_starts(devserver, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    task_queue = f"sendclock-chain-{uuid.uuid4().hex[:8]}"
    database_url = f"sqlite:///{tmp_path}/sendclock.db"
    env.update(
        SENDCLOCK_TEMPORAL__ADDRESS=devserver.client.service_client.config.target_host,
        SENDCLOCK_TEMPORAL__TASK_QUEUE=task_queue,
        SENDCLOCK_VAR_DIR=str(tmp_path),
        SENDCLOCK_DATABASE_URL=database_url,
    )
    upgrade(database_url)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    handle = devserver.client.get_schedule_handle(f"{task_queue}-chain-head")
    try:
        worker.start()
        assert f"chain head schedule ready: {task_queue}-chain-head" in (tmp_path / "worker.log").read_text()
        assert (await handle.describe()).schedule.action.task_queue == task_queue

        await handle.trigger()  # as at 07:00: the worker's activity does the run
        for _ in range(200):
            recent = (await handle.describe()).info.recent_actions
            if recent:
                break
            await asyncio.sleep(0.05)
        started = recent[0].action
        result = await devserver.client.get_workflow_handle(
            started.workflow_id, run_id=started.first_execution_run_id, result_type=ChainHeadResult
        ).result()
    finally:
        worker.stop()
        await handle.delete()
    today = local_date(datetime.now(UTC))
    assert result.on in (today, today.fromordinal(today.toordinal() - 1))  # a run started just before midnight
    assert result.published == school_calendar(Settings()).is_working_day(result.on)
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            recorded = list(session.scalars(select(PublishedHead.published_on)))
    finally:
        engine.dispose()
    assert recorded == ([result.on] if result.published else [])
