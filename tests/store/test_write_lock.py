"""One writer at a time per SQLite engine in the worker's process: activity threads queue on a lock instead of
sleeping in SQLite's busy handler (store/writer.write_lock)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import store.db
import store.writer
from activities.sendclock import SendclockActivities
from config.settings import Settings
from store.db import make_engine
from store.models import Event
from store.writer import write_lock
from workflows.models import ProcessRecord, RecordInput


@pytest.mark.databases
def test_a_sqlite_engine_has_one_write_lock_and_other_databases_none(engine, database_backend):
    if database_backend == "sqlite":
        assert write_lock(engine) is write_lock(engine)
    else:  # PostgreSQL locks rows; the chain has its advisory lock (store/recorder.py)
        with write_lock(engine), write_lock(engine):  # nothing is held
            pass


@pytest.mark.databases
def test_the_record_activity_waits_for_the_writer_before_it(engine, session_factory, database_backend, tmp_path):
    activities = SendclockActivities(Settings(var_dir=tmp_path), session_factory)
    entry = RecordInput(
        key="w/request-received",
        workflow_id="w",
        kind="request-received",
        occurred_at=datetime(2027, 1, 4, 9, tzinfo=UTC),
        process=ProcessRecord(
            kind="ehc-advice-request",
            case_ref="EHC-W1",
            la="Kent",
            owner="senco",
            status="open",
            received_on=date(2027, 1, 4),
            channel="email",
        ),
    )
    lock = write_lock(engine)
    done = threading.Event()
    with lock:
        writer = threading.Thread(target=lambda: (activities.record(entry), done.set()))
        writer.start()
        held = not done.wait(0.3)
    writer.join(10)
    assert done.is_set()
    assert held == (database_backend == "sqlite")  # it waited while the lock was held (SQLite only)
    with session_factory() as session:
        assert session.scalar(select(Event.kind).where(Event.key == entry.key)) == "request-received"


def test_a_writer_queues_for_less_time_than_sqlite_would_wait(tmp_path, monkeypatch):
    """A file held by another process keeps one writer in busy_timeout: the ones queued behind it fail sooner than
    it does (database is locked: the activity is retried), not one after another."""
    assert store.writer.QUEUE_WAIT_S < store.db.BUSY_TIMEOUT_S
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setattr(store.writer, "QUEUE_WAIT_S", 0.2)
    outcome: list[BaseException | None] = []

    def queued() -> None:
        try:
            with write_lock(engine):
                outcome.append(None)
        except OperationalError as err:
            outcome.append(err)

    with write_lock(engine):
        waiter = threading.Thread(target=queued)
        waiter.start()
        waiter.join(5)
    [err] = outcome
    assert isinstance(err, OperationalError) and "database is locked" in str(err)
