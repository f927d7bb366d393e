"""Engines and sessions: one place that knows how to open the database.

SQLite gets foreign keys, WAL and a busy timeout on every new connection (the worker's activities and the dashboard
read and write the same file); any other URL, e.g. ``postgresql+psycopg://...``, is passed through unchanged.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_S = 5  # how long a SQLite writer waits for the file's write lock before "database is locked"
# How long a writer waits in this process's queue (write_lock). A write takes a few milliseconds and the worker has
# eight activity threads, so a queue that has not moved for this long is stuck behind a writer that is itself
# waiting for another process (busy_timeout): better to fail now and be retried.
QUEUE_WAIT_S = 2
SQLITE_PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL", f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")


def _is_file_database(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not database.startswith("file:")


def make_engine(url: str) -> Engine:
    """An engine for `url`; for a SQLite file, creates its directory and sets the pragmas on each connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    if _is_file_database(parsed.database):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    _WRITE_LOCKS[engine] = _WriterQueue()

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return engine


def write_lock(engine: Engine) -> AbstractContextManager:
    """Hold around a write transaction. SQLite lets one connection write at a time, and one that finds the file
    locked sleeps in steps of 1 to 100 ms before it tries again (busy_timeout): with the worker's eight activity
    threads writing at once, that sleeping was most of each record's time (51 ms of wall time for 2 ms of CPU in
    bench/overhead.py). Queued on a lock instead, each writer starts the moment the one before it commits. Writers
    in other processes (the dashboard) still meet busy_timeout. Other databases lock rows: nothing to hold.

    A writer waits in the queue at most QUEUE_WAIT_S, less than SQLite's own busy_timeout: when the file stays
    locked (another process holds it), the writer at the head fails after busy_timeout, as without the queue, and
    the ones behind it within QUEUE_WAIT_S, rather than each waiting for all those before it (a process started
    during an outage answers its starter only once its first record has been tried and backed off: see
    tests/faults/test_database_outage.py)."""
    return _WRITE_LOCKS.get(engine) or nullcontext()


class _WriterQueue:
    """A lock whose wait is bounded by QUEUE_WAIT_S; waiting longer raises "database is locked"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=QUEUE_WAIT_S):
            raise OperationalError("(queued behind this process's SQLite writer)", None,
                                   sqlite3.OperationalError("database is locked"))

    def __exit__(self, *exc) -> None:
        self._lock.release()


_WRITE_LOCKS: WeakKeyDictionary[Engine, _WriterQueue] = WeakKeyDictionary()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (activities return them; the dashboard renders them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
