"""Engines and sessions: one place that knows how to open the database.

SQLite gets foreign keys, WAL and a busy timeout on every new connection (the worker's activities and the dashboard
read and write the same file); any other URL, e.g. ``postgresql+psycopg://...``, is passed through unchanged.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# One writer at a time per SQLite engine in this process (see write_lock).
_WRITE_LOCKS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
SQLITE_PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=5000")


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
    _WRITE_LOCKS[engine] = threading.Lock()

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
    in other processes (the dashboard) still meet busy_timeout. Other databases lock rows: nothing to hold."""
    return _WRITE_LOCKS.get(engine) or nullcontext()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (activities return them; the dashboard renders them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
