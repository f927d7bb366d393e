"""Fixtures for the weekly digest and the held-notification dispatcher: settings built here (no closures unless a
test adds them), a migrated SQLite file per test, fictional rows, and a notifier fake for the workflow tests (on the
module's time-skipping server, `time_skipping` in tests/conftest.py; schedules are not implemented there: see
test_schedules.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.settings import CalendarSettings, NotificationSettings, Settings, StaffMember, TemporalSettings
from statutory.clock import at_local
from store.db import make_engine, make_sessionmaker
from tests.db import migrate
from workflows.models import Delivery

MONDAY = date(2027, 1, 11)  # an ordinary working Monday (ISO week 2027-W02)


def monday_morning(day: date = MONDAY, at: time = time(7, 30)) -> datetime:
    """The UTC instant of `at` (London wall clock) on `day`."""
    return at_local(day, at)


@pytest.fixture
def calendar() -> CalendarSettings:
    return CalendarSettings()


@pytest.fixture
def settings(tmp_path: Path, calendar: CalendarSettings) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/sendclock.db",
        dashboard_url="https://sendclock.example.org",
        temporal=TemporalSettings(task_queue=f"sendclock-digest-{uuid.uuid4().hex[:8]}"),
        staff={
            "senco": StaffMember(name="Sam Example (SENCO)", role="senco", email="senco@example.org"),
            "head": StaffMember(name="Priya Example (Head)", role="head", email="head@example.org"),
            "deputy": StaffMember(name="Lee Example", role="leadership", email="deputy@example.org"),
            "teacher": StaffMember(name="Jo Example", role="staff", email="jo.teacher@example.org"),
            "auditor": StaffMember(name="Ann Example", role="auditor"),
        },
        notifications=NotificationSettings(retry_initial_seconds=0.1, retry_max_seconds=0.2),
        calendar=calendar,
    )


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


class RecordingNotifier:
    """Stands in for activities.notifier.Notifier where a test looks at what the activity asked for."""

    def __init__(self) -> None:
        self.delivered: list[dict] = []
        self.dispatched: list[datetime] = []

    def deliver(self, **fields) -> Delivery:
        self.delivered.append(fields)
        return Delivery(recipient=fields["recipient"], channel="outbox", status="kept")

    def dispatch_held(self, now: datetime) -> int:
        self.dispatched.append(now)
        return 3
