"""Apply the schema migrations in store/migrations without an alembic.ini.

    from store.migrate import upgrade, current
    upgrade(settings.resolved_database_url)   # idempotent: at head, it does nothing

The URL is handed to the migration environment as a live connection (never through the ini parser, so URLs with
``%`` escapes such as ``?options=-csearch_path%3Dx`` work).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from store.db import make_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An alembic Config for store/migrations; `url` is passed through attributes, not the ini options."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (default: the newest), creating a SQLite file if needed.

    On SQLite, batch migrations rebuild a table by copying it and dropping the old one; with foreign keys enforced
    that DROP would cascade into the rows that refer to it. So foreign keys are off while migrating (the pragma only
    takes effect outside a transaction) and checked before the migration commits.
    """
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()  # end SQLAlchemy's autobegun transaction; the pragma stays set
            with connection.begin():
                cfg = alembic_config(url)
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The revision the database at `url` is at, or None when it has never been migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
