"""Engines and sessions: one place that knows how to open the database.

SQLite gets foreign keys, WAL and a busy timeout on every new connection (the worker's activities and the dashboard
read and write the same file); any other URL, e.g. ``postgresql+psycopg://...``, is passed through unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeGuard

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from store.writer import serialise_writes

BUSY_TIMEOUT_S = 5  # how long a SQLite writer waits for the file's write lock before "database is locked"
SQLITE_PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL", f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")


def _is_file_database(database: str | None) -> TypeGuard[str]:
    return database is not None and database not in ("", ":memory:") and not database.startswith("file:")


def make_engine(url: str) -> Engine:
    """An engine for `url`; for a SQLite file, creates its directory and sets the pragmas on each connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    if _is_file_database(parsed.database):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    # One writer at a time in this process; writes to a file grouped by a writer thread (store/writer.py). Not an
    # in-memory database: each thread has its own (SQLAlchemy's SingletonThreadPool).
    serialise_writes(engine, grouped=_is_file_database(parsed.database))

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (activities return them; the dashboard renders them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
