"""Group commit (store/writer.py): writes that queue up while one is written are committed together; each caller
still gets its own result or its own error, and a caller that gave up is never written."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

import store.writer
from audit.verify import check_chain
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from store.models import Event, Outbox, Process
from store.recorder import record_event
from store.writer import write, write_lock

WHEN = datetime(2027, 1, 4, 9, tzinfo=UTC)
PROCESS = dict(
    kind="ehc-advice-request",
    case_ref="EHC-G1",
    la="Kent",
    owner="senco",
    status="open",
    received_on=date(2027, 1, 4),
    channel="email",
)


@pytest.fixture
def sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'group.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _commits(engine) -> list[int]:
    commits: list[int] = []
    event.listen(engine, "commit", lambda connection: commits.append(1))
    return commits


def _event(key: str, process: dict | None = None):
    return lambda connection: record_event(
        connection, key=key, process_id="p-1", kind="note", occurred_at=WHEN, process=process
    )


def _in_threads(engine, works) -> list:
    """Run each work through `write` on its own thread while this one holds the writer's lock, so they queue up;
    return each one's result or exception, in order.

    In order, whatever the machine's load: the first is taken alone by the writer thread (which then waits for the
    lock), and each later thread starts once the one before it is in the queue behind it. The test waits on the
    writer's own state (its queue's condition, and an event when it takes the first), never for a guessed time."""
    outcomes: list = [None] * len(works)
    writer = store.writer._WRITERS[engine]
    taken = threading.Event()
    take = writer._take

    def take_and_tell(most: int) -> list:
        group = take(most)
        if group:
            taken.set()
        return group

    def run(i: int) -> None:
        try:
            outcomes[i] = write(engine, works[i])
        except Exception as err:  # noqa: BLE001 - the test looks at it
            outcomes[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    writer._take = take_and_tell  # this writer only (an attribute of the instance), removed below
    try:
        with write_lock(engine):
            for i, thread in enumerate(threads):
                thread.start()
                if i == 0:
                    assert taken.wait(10), "the writer thread never took the first write"
                else:
                    with writer.changed:  # write() appends to the queue and notifies under this condition
                        queued = writer.changed.wait_for(lambda i=i: len(writer.waiting) == i, 10)
                        assert queued, f"write {i} not queued"
    finally:
        del writer._take
    for thread in threads:
        thread.join(10)
    return outcomes


def test_writes_that_queue_up_are_committed_together_and_each_gets_its_result(sqlite_file):
    write(sqlite_file, _event("p-1/opened", PROCESS))
    commits = _commits(sqlite_file)
    outcomes = _in_threads(sqlite_file, [_event(f"p-1/note-{i}") for i in range(6)])
    assert outcomes == [True] * 6
    # One commit: the first was taken while the lock was held; the five that queued meanwhile joined its transaction.
    assert len(commits) == 1
    with make_sessionmaker(sqlite_file)() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 7
        assert check_chain(session) == (7, [])  # the chain links the grouped rows in order


def test_a_unit_that_fails_fails_alone(sqlite_file):
    """A unit's own fault (here an outbox row for a process that does not exist: a foreign key) rolls back the
    group; every other unit is then written in its own transaction."""
    write(sqlite_file, _event("p-1/opened", PROCESS))
    orphan = dict(
        key="x/outbox",
        process_id="no-such-process",
        kind="reminder",
        recipient="senco",
        channel="outbox",
        subject="s",
        body="b",
        status="kept",
        attempts=0,
        scheduled_for=WHEN,
        created_at=WHEN,
    )
    outcomes = _in_threads(
        sqlite_file,
        [
            _event("p-1/a"),
            _event("p-1/b"),
            lambda connection: connection.execute(insert(Outbox), orphan),
            _event("p-1/c"),
        ],
    )
    assert outcomes[:2] == [True, True] and outcomes[3] is True
    assert isinstance(outcomes[2], IntegrityError)
    with make_sessionmaker(sqlite_file)() as session:
        assert set(session.scalars(select(Event.key))) == {"p-1/opened", "p-1/a", "p-1/b", "p-1/c"}
        assert session.scalar(select(func.count()).select_from(Outbox)) == 0


def test_a_database_locked_by_another_process_fails_every_caller_and_they_can_write_again(sqlite_file, monkeypatch):
    monkeypatch.setattr(store.writer, "QUEUE_WAIT_S", 0.5)
    holder = sqlite3.connect(sqlite_file.url.database, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        began = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            write(sqlite_file, _event("p-1/opened", PROCESS))
        assert time.monotonic() - began < 10  # busy_timeout (5 s), not for ever
    finally:
        holder.rollback()
        holder.close()
    assert write(sqlite_file, _event("p-1/opened", PROCESS)) is True


def test_a_caller_that_gave_up_is_never_written(sqlite_file, monkeypatch):
    monkeypatch.setattr(store.writer, "QUEUE_WAIT_S", 0.2)
    write(sqlite_file, _event("p-1/opened", PROCESS))
    blocker_taken, release = threading.Event(), threading.Event()

    def slow(connection):  # holds the writer thread: the next unit stays queued
        blocker_taken.set()
        release.wait(10)
        return record_event(connection, key="p-1/slow", process_id="p-1", kind="note", occurred_at=WHEN)

    slow_thread = threading.Thread(target=lambda: write(sqlite_file, slow))
    slow_thread.start()
    assert blocker_taken.wait(5)
    with pytest.raises(OperationalError, match="database is locked"):
        write(sqlite_file, _event("p-1/given-up"))
    release.set()
    slow_thread.join(10)
    with make_sessionmaker(sqlite_file)() as session:
        assert set(session.scalars(select(Event.key))) == {"p-1/opened", "p-1/slow"}


def test_the_writer_thread_ends_when_idle_and_the_next_write_starts_another(sqlite_file, monkeypatch):
    monkeypatch.setattr(store.writer, "IDLE_S", 0.05)
    write(sqlite_file, _event("p-1/opened", PROCESS))
    writer = store.writer._WRITERS[sqlite_file]
    deadline = time.monotonic() + 5
    while writer.thread is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer.thread is None
    assert write(sqlite_file, _event("p-1/again")) is True


@pytest.mark.databases
def test_other_databases_and_memory_write_in_the_callers_own_transaction(engine, database_backend):
    """PostgreSQL locks rows (no writer thread); an in-memory SQLite database is per thread (no writer thread)."""
    if database_backend == "sqlite":
        engine = make_engine("sqlite://")
        from store.models import Base

        Base.metadata.create_all(engine)
    assert engine not in store.writer._WRITERS
    seen: list[str] = []
    assert write(engine, lambda connection: seen.append(threading.current_thread().name) or 1) == 1
    assert seen == [threading.current_thread().name]
    write(
        engine,
        lambda connection: connection.execute(
            insert(Process), dict(workflow_id="p-1", opened_at=WHEN, **{k: v for k, v in PROCESS.items()})
        ),
    )
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Process)) == 1
