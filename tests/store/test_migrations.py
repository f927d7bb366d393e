"""The migrations build exactly the schema in store.models, on SQLite and PostgreSQL (a schema of its own, see
tests/db.py), and can be re-run."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from store import accounts as _accounts  # noqa: F401  (the account tables are part of the schema)
from store.db import make_engine
from store.migrate import MIGRATIONS_DIR, alembic_config, current, upgrade
from store.models import Base


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "__init__.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "__init__.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert head() == "0013"


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path: Path) -> None:
    """Batch migrations on SQLite rebuild tables; no row may be lost to a cascading delete on the way."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO process (workflow_id, kind, case_ref, la, owner, status, received_on, channel, "
                    "opened_at) VALUES ('ehc-advice-request-EHC-0042-20260202', 'ehc-advice-request', 'EHC-0042', "
                    "'Kent', 'senco', "
                    "'open', '2026-02-02', 'email', '2026-02-02 09:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO step (process_id, rule_id, rule_version, basis, anchor, due, target, explanation, "
                    "owner, status, exempt) VALUES ('ehc-advice-request-EHC-0042-20260202', 'ehc-advice', "
                    "'2014-09-01', 'reg 8(1)', '2026-02-02', '2026-03-16', '2026-03-16', '[]', 'senco', 'open', 0)"
                )
            )
        upgrade(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT rule_id, instance FROM step")).all() == [("ehc-advice", 1)]
            assert connection.execute(text("SELECT facts FROM process")).scalar() == "{}"
    finally:
        engine.dispose()


@pytest.mark.databases
def test_upgrade_matches_models_and_is_idempotent(database_url: str, database_backend: str) -> None:
    if database_backend == "sqlite":  # make_engine creates the directories
        database_url = database_url.replace("sendclock.db", "nested/dir/sendclock.db")
    assert current(database_url) is None

    upgrade(database_url)
    assert current(database_url) == head()
    assert schema_diff(database_url) == []

    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert tables == {
            "alembic_version",
            "process",
            "step",
            "event",
            "outbox",
            "account",
            "access_token",
            "web_session",
            "sign_in_event",
            "published_head",
            "completion_count",
        }
        if database_backend == "postgresql":
            public = set(inspect(engine).get_table_names(schema="public"))
            assert not public & {"process", "step", "event", "outbox"}, "the test must not touch public"
    finally:
        engine.dispose()

    upgrade(database_url)  # a second run is a no-op
    assert current(database_url) == head()
    assert schema_diff(database_url) == []


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    finally:
        engine.dispose()
