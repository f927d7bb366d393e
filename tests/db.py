"""Which database a test runs on: SQLite (a file under tmp_path) or the local PostgreSQL (a schema of its own).

A test (or module, with `pytestmark`) marked `@pytest.mark.databases` and using `database_url` (directly or through
a fixture such as `settings`) runs twice, `[sqlite]` and `[postgresql]`; unmarked tests get SQLite only. The
`[postgresql]` variant is marked `postgres` as well (so is any test that takes a schema with `postgres_schema`
itself: mark it by hand), so `-m "not postgres"` leaves PostgreSQL out.

PostgreSQL: the server at $SENDCLOCK_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres, database `test`).
Each test gets a fresh schema, made the connection's `search_path` (and `application_name`, so the test can find
its own connections), dropped afterwards: tests never touch `public` and can run beside anyone else using `test`.
When the server does not answer, the PostgreSQL variants are skipped with the reason, and fail instead when $CI
is set (.ci/run sets it and starts the server).

`database_url` is an empty database (tests/store/test_migrations.py migrates it itself); fixtures that want the
schema call `migrate(url)`: store.migrate.upgrade, except that a new SQLite file is a copy of one this process
migrated once (the file `upgrade` writes, without running every migration again for every test).

Loaded by tests/conftest.py (`pytest_plugins`)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

POSTGRES_SERVER = os.environ.get("SENDCLOCK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "databases: run the test on SQLite and on PostgreSQL (tests/db.py)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("databases"):
        metafunc.parametrize(
            "database_backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
        )


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
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name "
                        "AND pid <> pg_backend_pid()"
                    ),
                    {"name": schema},
                ).all()
            )
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
            with admin.begin() as connection:  # a leftover idle-in-transaction connection would block the DROP
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name "
                        "AND pid <> pg_backend_pid()"
                    ),
                    {"name": schema},
                )
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            admin.dispose()


# --- migrated databases ------------------------------------------------------------------------------------------

_template: Path | None = None
_template_lock = threading.Lock()


def _sqlite_template() -> Path:
    """A SQLite file at the newest revision, migrated once per process by store.migrate.upgrade."""
    global _template
    with _template_lock:
        if _template is None:
            from store.migrate import upgrade

            path = Path(tempfile.mkdtemp(prefix="sendclock-template-")) / "sendclock.db"
            upgrade(f"sqlite:///{path}")  # disposes of its engine: the WAL is checkpointed into the file
            assert not path.with_name(path.name + "-wal").exists(), "the template's WAL was not checkpointed"
            _template = path
        return _template


def migrate(url: str) -> None:
    """store.migrate.upgrade(url), quicker for a SQLite file that does not exist yet: a copy of a migrated one."""
    from store.migrate import upgrade

    parsed = make_url(url)
    database = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
        and not Path(database).expanduser().exists()
    ):
        target = Path(database).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), target)
        return
    upgrade(url)


def _remove_template() -> None:
    if _template is not None:
        shutil.rmtree(_template.parent, ignore_errors=True)


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001
    _remove_template()


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" unless the test is marked `databases` (then both, one after the other)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(database_backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database for this test (not migrated: the fixtures that use it call migrate(url), above)."""
    if database_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'sendclock.db'}"
    else:
        with postgres_schema() as url:
            yield url
