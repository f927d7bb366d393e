"""The database against the record: rows edited, deleted or inserted behind the engine's back are reported by
`audit verify`, and so is a broken hash chain. Real SQLite (and PostgreSQL at 127.0.0.1:5432, when it answers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, OperationalError

from audit import history
from audit.archive import Archive
from audit.verify import check_chain, verify
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from store.models import Event
from store.recorder import GENESIS, event_hash, record_event
from tests.audit.conftest import apply_history, history_path
from tests.db import postgres_schema

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def recorded(settings):
    """Two closed processes recorded in SQLite, their histories in the archive (as the hourly job leaves them)."""
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    archive = Archive.for_settings(settings)
    for name in ("ehc_advice_late", "ehc_advice_exemption"):
        runs = history.load(history_path(name))
        apply_history(sessions, runs)
        archive.store(runs[0], case_ref=runs[0].workflow_id.split("-")[4])
    yield sessions, engine
    engine.dispose()


def drop_triggers(engine) -> None:
    """What someone with write access to the database file could do first."""
    with engine.begin() as c:
        c.exec_driver_sql("DROP TRIGGER event_no_update")
        c.exec_driver_sql("DROP TRIGGER event_no_delete")


async def test_an_untouched_database_matches_its_histories(settings, recorded):
    sessions, _ = recorded
    report = await verify(settings, sessions)
    assert report.clean, report.text()
    assert report.processes == 2 and report.events_checked > 20 and report.chain_rows == report.events_checked
    assert "No differences" in report.text()


def test_the_event_table_is_append_only(recorded):
    sessions, _ = recorded
    for statement in ("UPDATE event SET actor = 'head' WHERE id = 3", "DELETE FROM event WHERE id = 3"):
        with pytest.raises(DatabaseError, match="append-only"), sessions.begin() as session:
            session.execute(text(statement))


async def test_an_edited_row_is_reported_with_the_broken_hash(settings, recorded):
    sessions, engine = recorded
    drop_triggers(engine)
    with engine.begin() as c:
        row = c.execute(text("SELECT id, data FROM event WHERE kind = 'completed' ORDER BY id LIMIT 1")).one()
        data = json.loads(row.data) | {"days_late": 0, "on_time": True}
        c.execute(text("UPDATE event SET data = :d WHERE id = :id"), {"d": json.dumps(data), "id": row.id})
        c.execute(text("UPDATE step SET days_late = 0, on_time = 1 WHERE rule_id = 'ehc-advice' AND days_late = 9"))
    report = await verify(settings, sessions)
    texts = [f.text() for f in report.findings]
    assert any(f"event row {row.id} (completed): data is" in t for t in texts), texts
    assert any("step ehc-advice: on_time is True in the database, False in the history" in t for t in texts), texts
    assert any(f"event row {row.id} (completed) does not match its hash: its content was edited" in t for t in texts)
    assert {f.what for f in report.findings} == {"edited", "chain"}


async def test_deleted_and_inserted_rows_are_reported(settings, recorded):
    sessions, engine = recorded
    drop_triggers(engine)
    with engine.begin() as c:
        gone = c.execute(
            text("SELECT id, process_id FROM event WHERE kind = 'reminder-sent' ORDER BY id LIMIT 1")
        ).one()
        c.execute(text("DELETE FROM event WHERE id = :id"), {"id": gone.id})
    with sessions.begin() as session:  # through the recorder, so it is even chained: still not in the history
        record_event(
            session,
            key=f"{gone.process_id}/ehc-advice/forged",
            process_id=gone.process_id,
            kind="completed",
            occurred_at=datetime(2027, 1, 1, tzinfo=UTC),
            data={},
        )
    report = await verify(settings, sessions)
    texts = [f.text() for f in report.findings]
    assert any("reminder-sent event of" in t and "has no row in the database (deleted?)" in t for t in texts), texts
    assert any("ehc-advice/forged) is not in the history (written behind the engine's back)" in t for t in texts)
    assert any(f"hash chain broken at event row {gone.id + 1}" in t for t in texts), texts


async def test_a_deleted_process_is_reported_from_the_archive(settings, recorded):
    sessions, engine = recorded
    drop_triggers(engine)
    with engine.begin() as c:
        c.exec_driver_sql("PRAGMA foreign_keys=ON")
        c.execute(text("DELETE FROM process WHERE workflow_id LIKE 'ehc-advice-request-EHC-H002%'"))
    report = await verify(settings, sessions)
    assert any(
        f.workflow_id.startswith("ehc-advice-request-EHC-H002") and "no process row" in f.text()
        for f in report.findings
    ), report.text()


async def test_a_process_whose_history_cannot_be_read_is_listed_as_not_checked(settings, recorded):
    sessions, _ = recorded
    archive = Archive.for_settings(settings)
    for path in archive.root.glob("ehc-advice-request-EHC-H002*/*.json.gz"):
        path.unlink()
    report = await verify(settings, sessions)
    assert report.clean and report.processes == 1
    # Temporal is not reachable here: the process and the comparison of Temporal's list are each said not checked.
    [skipped, listing] = report.skipped
    assert skipped.startswith("ehc-advice-request-EHC-H002") and "cannot reach Temporal" in skipped
    assert listing.startswith("the processes Temporal lists were not compared with the database")
    assert "not checked: ehc-advice-request-EHC-H002" in report.text()


def record_concurrently(sessions, writers: int = 6, each: int = 10) -> None:
    """Writers racing to append (as the worker's activity threads do): the chain must not fork."""
    with sessions.begin() as session:
        record_event(
            session,
            key="race/open",
            process_id="race",
            kind="request-received",
            occurred_at=datetime(2027, 1, 4, tzinfo=UTC),
            process={
                "kind": "ehc-advice-request",
                "case_ref": "EHC-R",
                "la": "Kent",
                "owner": "senco",
                "status": "open",
                "received_on": datetime(2027, 1, 4).date(),
                "channel": "email",
            },
        )

    def write(n: int) -> None:
        for i in range(each):
            for attempt in range(50):  # a locked database is retried, as Temporal retries the record activity
                try:
                    with sessions.begin() as session:
                        record_event(
                            session,
                            key=f"race/{n}/{i}",
                            process_id="race",
                            kind="reminder-sent",
                            occurred_at=datetime(2027, 1, 5, tzinfo=UTC),
                            data={"n": n, "i": i},
                        )
                    break
                except OperationalError:
                    time.sleep(0.01 * attempt)

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))


def test_concurrent_writers_do_not_fork_the_chain(recorded):
    sessions, _ = recorded
    record_concurrently(sessions)
    with sessions() as session:
        rows, findings = check_chain(session)
        assert session.scalar(text("SELECT count(*) FROM event WHERE key LIKE 'race/%/%'")) == 60
    assert not findings and rows > 60


def test_the_migration_chains_rows_already_there(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0004")
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO process (workflow_id, kind, case_ref, la, owner, status, received_on, channel, "
                "opened_at, facts) VALUES ('wf', 'ehc-advice-request', 'EHC-1', 'Kent', 'senco', 'open', "
                "'2026-02-02', 'email', '2026-02-02 09:00:00', '{}')"
            )
        )
        for i in range(3):
            c.execute(
                text(
                    "INSERT INTO event (key, process_id, kind, occurred_at, data) VALUES "
                    f"('k{i}', 'wf', 'step-opened', '2026-02-02 09:00:0{i}.000000', '{{\"n\": {i}}}')"
                )
            )
    upgrade(url)
    with make_sessionmaker(engine)() as session:
        rows, findings = check_chain(session)
        first = session.get(Event, 1)
    assert rows == 3 and not findings
    assert first.prev_hash == GENESIS and first.hash == event_hash(
        GENESIS,
        key="k0",
        process_id="wf",
        kind="step-opened",
        occurred_at=first.occurred_at,
        rule_id=None,
        actor=None,
        data={"n": 0},
    )
    engine.dispose()


def test_the_cli_reports_differences_with_exit_3(settings, recorded, tmp_path: Path):
    _, engine = recorded
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(
        SENDCLOCK_VAR_DIR=str(settings.var_dir),
        SENDCLOCK_DATABASE_URL=settings.resolved_database_url,
        SENDCLOCK_TEMPORAL__ADDRESS="127.0.0.1:1",
    )  # the archive holds the closed histories
    sendclock = str(Path(sys.executable).parent / "sendclock")
    clean = subprocess.run(
        [sendclock, "audit", "verify"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    # Nothing differs, but Temporal's list of processes could not be compared with the database: "cannot check
    # everything" (exit 1), not "a check failed" (exit 3).
    assert clean.returncode == 1 and "No differences" in clean.stdout, clean.stdout + clean.stderr
    assert "not checked: the processes Temporal lists were not compared with the database" in clean.stdout
    drop_triggers(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE event SET actor = 'head' WHERE kind = 'exemption-recorded'"))
    found = subprocess.run(
        [sendclock, "audit", "verify", "--since", "2026-01-01"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 3, found.stdout + found.stderr
    assert "actor is 'head' in the database, 'senco' in the history" in found.stdout
    assert "does not match its hash" in found.stdout
    bad = subprocess.run(
        [sendclock, "audit", "verify", "--since", "last week"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--since: 'last week' is not a date" in bad.stderr


@pytest.fixture
def postgres_url():
    """A fresh schema on the test PostgreSQL, dropped afterwards (tests/db.py: skipped locally when PostgreSQL does
    not answer, a failure in CI)."""
    with postgres_schema("audit") as url:
        yield url


@pytest.mark.postgres
async def test_postgresql_chain_triggers_and_verify(settings, postgres_url):
    upgrade(postgres_url)
    settings.database_url = postgres_url
    engine = make_engine(postgres_url)
    sessions = make_sessionmaker(engine)
    runs = history.load(history_path("ehc_advice_withdrawn"))
    apply_history(sessions, runs)
    Archive.for_settings(settings).store(runs[0])
    assert (await verify(settings, sessions)).clean
    record_concurrently(sessions)
    with sessions() as session:
        assert not check_chain(session)[1]
    with pytest.raises(DatabaseError, match="append-only"), sessions.begin() as session:
        session.execute(text("DELETE FROM event"))
    with engine.begin() as c:
        c.exec_driver_sql("ALTER TABLE event DISABLE TRIGGER event_append_only")
        c.exec_driver_sql("UPDATE event SET kind = 'cancelled' WHERE kind = 'withdrawn'")
    report = await verify(settings, sessions)
    assert {f.what for f in report.findings} == {"edited", "chain"}, report.text()
    engine.dispose()


async def test_the_outbox_is_checked_against_the_notices_in_older_histories_too(settings, recorded):
    """Histories from before the notify result listed its rows: each recipient's delivery names the channel, so a row
    deleted, moved to someone else or added is still named (tests/audit/test_outbox_verify.py: the newer results)."""
    sessions, engine = recorded
    wid = "ehc-advice-request-EHC-H001-20261122"
    key = f"{wid}/ehc-advice/assigned/teacher/outbox"
    with engine.begin() as c:
        c.execute(text("DELETE FROM outbox WHERE key = :k"), {"k": key})
        overdue = c.execute(
            text("SELECT id, key FROM outbox WHERE kind = 'overdue' AND recipient = 'senco' ORDER BY id LIMIT 1")
        ).one()
        c.execute(text("UPDATE outbox SET recipient = 'head' WHERE id = :id"), {"id": overdue.id})
        c.execute(
            text(
                "INSERT INTO outbox (key, notice_key, process_id, rule_id, kind, recipient, channel, subject, "
                "body, status, attempts, scheduled_for, created_at) VALUES ('x/teacher/outbox', 'x/teacher', "
                ":p, 'ehc-advice', 'reminder', 'teacher', 'outbox', 's', 'b', 'kept', 0, :t, :t)"
            ),
            {"p": wid, "t": datetime(2026, 12, 1, 8)},
        )
        added = c.execute(text("SELECT id FROM outbox WHERE key = 'x/teacher/outbox'")).scalar_one()
    report = await verify(settings, sessions)
    found = sorted((f.what, f.detail) for f in report.findings)
    assert found == [
        (
            "outbox-deleted",
            f"the assigned notice of Sun 22 Nov 2026 to teacher by outbox (kept when it was sent) has "
            f"no outbox row {key}: deleted?",
        ),
        (
            "outbox-edited",
            f"outbox row {overdue.id} ({overdue.key}): recipient is 'head', the history's overdue "
            f"notice of Mon 4 Jan 2027 says 'senco'",
        ),
        (
            "outbox-extra",
            f"outbox row {added} (reminder notice to teacher by outbox, key x/teacher/outbox) was "
            "written by no notice in the history (inserted, or moved from another process?)",
        ),
    ], report.text()
