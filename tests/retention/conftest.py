"""Fixtures for the retention tests: closed processes recorded exactly as the worker records them (from committed
histories), their histories in the archive, outbox rows, and settings keeping closed processes one year."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit import history
from audit.archive import Archive
from config.settings import Settings, StaffMember
from store.db import make_engine, make_sessionmaker
from store.models import Outbox
from tests.audit.conftest import apply_history, history_path
from tests.db import migrate

# Recorded in this order, so the purged processes' events sit between kept ones in the chain. Closed on:
OLD = ("ehc_advice_late", "draft_consultation")  # H001 2027-01-12, H004 2026-12-16: past a year on 2028-02-01
KEPT = ("ehc_advice_exemption", "ehc_advice_withdrawn")  # H002 2027-03-10, H003 2027-03-12: kept
ORDER = ("ehc_advice_late", "ehc_advice_exemption", "draft_consultation", "ehc_advice_withdrawn")
AS_OF = "2028-02-01"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=database_url,
        temporal={"address": "127.0.0.1:1"},  # no Temporal here: tests pass --skip-temporal
        staff={
            "senco": StaffMember(name="S", role="senco"),
            "teacher": StaffMember(name="T", role="staff"),
            "head": StaffMember(name="H", role="head"),
        },
        retention={"keep_closed_years": 1},
    )


def outbox_row(key: str, process_id: str | None, created: datetime) -> Outbox:
    return Outbox(
        key=key,
        notice_key=key,
        process_id=process_id,
        kind="reminder",
        recipient="senco",
        channel="outbox",
        subject="s",
        body="b",
        status="kept",
        scheduled_for=created,
        created_at=created,
    )


@pytest.fixture
def recorded(settings: Settings):
    """Four closed processes in the database and the archive, with the outbox rows of their notices (apply_history:
    `audit verify` compares them with the histories); and two digests (outbox rows of no process)."""
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    archive = Archive.for_settings(settings)
    ids = {}
    for name in ORDER:
        runs = history.load(history_path(name))
        apply_history(sessions, runs)
        archive.store(runs[0], case_ref=runs[0].workflow_id.split("-")[-2] if name.startswith("ehc") else None)
        ids[name] = runs[0].workflow_id
    when = datetime(2026, 12, 1, 8, tzinfo=UTC)
    with sessions.begin() as session:
        session.add_all(
            [outbox_row("digest-old", None, when), outbox_row("digest-new", None, datetime(2027, 6, 1, 8, tzinfo=UTC))]
        )
    yield sessions, ids
    engine.dispose()
