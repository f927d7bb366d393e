"""Which database a test runs on: SQLite (a file under tmp_path) or the local PostgreSQL (a schema of its own).

A test (or module, with `pytestmark`) marked `@pytest.mark.databases` and using `database_url` (directly or through
a fixture such as `settings`) runs twice, `[sqlite]` and `[postgresql]`; unmarked tests get SQLite only.

PostgreSQL: the server at $SENDCLOCK_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres, database `test`).
Each test gets a fresh schema, made the connection's `search_path` (and `application_name`, so the test can find
its own connections), dropped afterwards: tests never touch `public` and can run beside anyone else using `test`.
When the server does not answer, the PostgreSQL variants are skipped with the reason, and fail instead when $CI
is set (.ci/run sets it and starts the server).

Loaded by tests/conftest.py (`pytest_plugins`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

POSTGRES_SERVER = os.environ.get("SENDCLOCK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "databases: run the test on SQLite and on PostgreSQL (tests/db.py)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("databases"):
        metafunc.parametrize("database_backend", BACKENDS, indirect=True)


def unavailable(reason: str) -> None:
    """Skip locally; in CI a missing PostgreSQL is a failure, never a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: PostgreSQL must be running)", pytrace=False)
    pytest.skip(reason)


def schema_url(schema: str) -> str:
    """The server URL confined to `schema` (psycopg passes `options` to the server: `-c search_path=schema`)."""
    return f"{POSTGRES_SERVER}?application_name={schema}&options=-csearch_path%3D{schema}"


def terminate_connections(schema: str) -> int:
    """Cut every server connection opened through schema_url(schema); returns how many were cut."""
    admin = create_engine(POSTGRES_SERVER, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            return len(connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name "
                "AND pid <> pg_backend_pid()"), {"name": schema}).all())
    finally:
        admin.dispose()


@contextmanager
def postgres_schema(prefix: str = "t") -> Iterator[str]:
    """A URL on a fresh schema of the test PostgreSQL, dropped (with whatever is still connected to it) on exit."""
    schema = f"sendclock_{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_SERVER, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as err:  # noqa: BLE001 - any failure to connect means "no server here"
        admin.dispose()
        unavailable(f"PostgreSQL not available at {POSTGRES_SERVER}: {type(err).__name__}: {err}".splitlines()[0])
    try:
        yield schema_url(schema)
    finally:
        try:
            terminate_connections(schema)  # a leftover idle-in-transaction connection would block the DROP
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            admin.dispose()


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" unless the test is marked `databases` (then both, one after the other)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(database_backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database for this test (not migrated: the fixtures that use it call store.migrate.upgrade)."""
    if database_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'sendclock.db'}"
    else:
        with postgres_schema() as url:
            yield url
