"""Fixtures for the audit record's fingerprint (issue 21): settings with a SENCO, an auditor and staff who do not get
it, a migrated database (SQLite, and PostgreSQL for tests marked `databases`: tests/db.py), and a few chained event
rows recorded as the worker records them (store.recorder.record_event)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from config.settings import NotificationSettings, Settings, StaffMember
from statutory.clock import at_local
from store.db import make_engine, make_sessionmaker
from store.models import Event
from store.recorder import GENESIS, event_hash, record_event
from tests.db import migrate

WEDNESDAY = date(2026, 12, 2)  # an ordinary working day
THURSDAY = date(2026, 12, 3)
SATURDAY = date(2026, 12, 5)
CHRISTMAS = date(2026, 12, 25)  # a bank holiday (a Friday)
PROCESS = "ehc-advice-request-EHC-0042-20261102"


def morning(day: date = WEDNESDAY, at: time = time(7, 0)) -> datetime:
    """The UTC instant of `at` (London wall clock) on `day`: when the schedule starts the job."""
    return at_local(day, at)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=database_url,
        school_name="Example Primary School",
        dashboard_url="https://sendclock.example.org",
        staff={
            "senco": StaffMember(name="Sam Example (SENCO)", role="senco", email="senco@example.org"),
            "head": StaffMember(name="Priya Example (Head)", role="head", email="head@example.org"),
            "teacher": StaffMember(name="Jo Example", role="staff", email="jo@example.org"),
            "governor": StaffMember(name="Ann Example", role="auditor", email="ann@example.org"),
        },
        notifications=NotificationSettings(retry_initial_seconds=0.1, retry_max_seconds=0.2),
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def add_events(
    sessions: sessionmaker[Session],
    count: int,
    *,
    process_id: str = PROCESS,
    first: int = 0,
    on: date = date(2026, 11, 2),
    closed: bool = False,
) -> None:
    """`count` events of one process, chained by the recorder (the last one closes it when `closed`)."""
    with sessions.begin() as session:
        for n in range(first, first + count):
            last = closed and n == first + count - 1
            record_event(
                session,
                key=f"{process_id}/e{n}",
                process_id=process_id,
                kind="step-opened",
                occurred_at=at_local(on, time(9, 0)) + timedelta(minutes=n),
                rule_id="ehc-advice",
                actor="senco",
                data={"n": n},
                process={
                    "kind": "ehc-advice-request",
                    "case_ref": process_id.split("-")[3] + "-" + process_id.split("-")[4],
                    "la": "Kent",
                    "owner": "senco",
                    "status": "completed" if last else "open",
                    "received_on": on,
                    "channel": "email",
                    "closed": last,
                },
            )


def drop_triggers(engine: Engine) -> None:
    """What someone with write access to the database could do first (tests/audit/test_verify_and_chain.py)."""
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.exec_driver_sql("DROP TRIGGER event_append_only ON event")
        else:
            c.exec_driver_sql("DROP TRIGGER event_no_update")
            c.exec_driver_sql("DROP TRIGGER event_no_delete")


def recompute_chain(sessions) -> None:
    """Every row's prev_hash and hash worked out again in id order, as the recorder would have written them."""
    with sessions.begin() as session:
        rows = list(session.scalars(select(Event).order_by(Event.id)))
        prev = GENESIS
        for row in rows:
            digest = event_hash(
                prev,
                key=row.key,
                process_id=row.process_id,
                kind=row.kind,
                occurred_at=row.occurred_at,
                rule_id=row.rule_id,
                actor=row.actor,
                data=row.data,
            )
            session.execute(
                text("UPDATE event SET prev_hash = :p, hash = :h WHERE id = :i"), {"p": prev, "h": digest, "i": row.id}
            )
            prev = digest
