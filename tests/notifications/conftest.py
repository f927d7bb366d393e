"""Fixtures for the notification tests: real peers on loopback (tests/notifications/peers.py), a migrated database
per test (SQLite; PostgreSQL too for tests marked `databases`, see tests/db.py), and settings built in each test
from a small staff directory."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.common import RetryPolicy
from temporalio.testing import ActivityEnvironment

from activities.notifier import Notifier
from config.settings import CalendarSettings, NotificationSettings, Settings, StaffMember
from store.db import make_engine, make_sessionmaker
from store.models import Outbox, Process
from tests.db import migrate
from tests.notifications.peers import Inbox, Webhook, smtp_server, strict_problems, teams_server
from workflows.models import NoticeContext, NotifyInput

WORKFLOW_ID = "ehc-advice-request-EHC-0042-20260202"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """The SMTP peer. Every message it captured must parse with Python's strict e-mail policy and carry the
    auto-reply headers (checked after the test: an outside reference, not our own idea of a message)."""
    with smtp_server() as peer:
        yield peer
    for mail in peer[0].mails:
        assert strict_problems(mail.raw) == [], f"to {mail.rcpt_tos}: {mail.message['Subject']}"


@pytest.fixture
def teams() -> Iterator[tuple[Webhook, int]]:
    with teams_server() as peer:
        yield peer


@pytest.fixture
def smtp_url(smtp) -> str:
    return f"mailto://127.0.0.1:{smtp[1]}?from=sendclock@example.org&mode=insecure"


@pytest.fixture
def teams_url(teams) -> str:
    return f"workflows://127.0.0.1:{teams[1]}/wf0123456789/sig0123456789?verify=no"


def staff(teacher_notify: list[str] | None = None, senco_notify: list[str] | None = None) -> dict[str, StaffMember]:
    return {
        "senco": StaffMember(name="Sam Example (SENCO)", role="senco", email="senco@example.org", notify=senco_notify),
        "teacher": StaffMember(name="Jo Example", role="staff", email="jo.teacher@example.org", notify=teacher_notify),
        "head": StaffMember(name="Priya Example (Head)", role="head"),  # no address: outbox only
    }


@pytest.fixture
def make_notifier(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Notifier]]:
    """Notifier(settings) on a fresh database; keyword arguments go to NotificationSettings (quiet hours off unless
    given), `staff=` replaces the staff directory, `calendar=` the closures."""
    engines = []

    def build(
        *,
        staff_directory: dict[str, StaffMember] | None = None,
        calendar: CalendarSettings | None = None,
        **notifications,
    ) -> Notifier:
        notifications.setdefault("quiet_hours", False)
        settings = Settings(
            var_dir=tmp_path,
            database_url=database_url,
            dashboard_url="https://sendclock.example.org",
            staff=staff_directory or staff(),
            notifications=NotificationSettings(**notifications),
            calendar=calendar or CalendarSettings(),
        )
        migrate(settings.resolved_database_url)
        engine = make_engine(settings.resolved_database_url)
        engines.append(engine)
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:  # the process the notices are about (the record activity writes it first)
            if session.get(Process, WORKFLOW_ID) is None:
                session.add(
                    Process(
                        workflow_id=WORKFLOW_ID,
                        kind="ehc-advice-request",
                        case_ref="EHC-0042",
                        la="Brighton & Hove",
                        owner="teacher",
                        status="open",
                        received_on=date(2026, 2, 2),
                        channel="email",
                        opened_at=datetime(2026, 2, 2, 9, tzinfo=UTC),
                    )
                )
        return Notifier(settings, sessions)

    yield build
    for engine in engines:
        engine.dispose()


def rows(notifier: Notifier, **where) -> list[Outbox]:
    with notifier.sessions() as session:
        query = select(Outbox).order_by(Outbox.id)
        for column, value in where.items():
            query = query.where(getattr(Outbox, column) == value)
        return list(session.scalars(query))


def notice(
    kind: str = "reminder",
    recipients: tuple[str, ...] = ("teacher",),
    *,
    key: str = f"{WORKFLOW_ID}/ehc-advice/reminder/2026-03-02T08:00:00+00:00",
    at: datetime | None = None,
    **context,
) -> NotifyInput:
    """A notice about a fictional case, as the step workflow would send it."""
    values = dict(
        workflow_id=WORKFLOW_ID,
        process_kind="ehc-advice-request",
        case_ref="EHC-0042",
        la="Brighton & Hove",
        rule_id="ehc-advice",
        rule_title="Advice to the LA",
        basis="reg 8(1)",
        due=date(2026, 3, 16),
        target=date(2026, 3, 16),
        on=date(2026, 3, 2),
        days_to_target=14,
        owner="teacher",
    )
    values.update(context)
    return NotifyInput(
        key=key,
        kind=kind,
        recipients=list(recipients),
        scheduled_for=at or datetime(2026, 3, 2, 8, tzinfo=UTC),
        context=NoticeContext(**values),
    )


def attempt(number: int, of: int) -> ActivityEnvironment:
    """A real activity context for attempt `number` of a RetryPolicy with `of` maximum attempts."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=number, retry_policy=RetryPolicy(maximum_attempts=of))
    return env
