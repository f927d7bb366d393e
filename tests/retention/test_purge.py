"""`sendclock retention purge`: a dry run lists only the processes closed longer ago than the period; --apply
removes exactly their rows (process, steps, events, outbox), their archived histories and nothing else, records the
purge in the audit chain, and `audit verify` is still clean and shows it; a second apply changes nothing. SQLite and
PostgreSQL (when it answers)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from audit.archive import Archive
from audit.verify import check_chain, verify
from config.settings import Settings
from starter.cli import app
from store.models import Event, Outbox, Process, Step
from store.retention import REGISTER_ID, apply_purge, closed_before, purge_records
from tests.retention.conftest import AS_OF, OLD

pytestmark = pytest.mark.databases


@pytest.fixture
def cli(settings, monkeypatch):
    """Run `sendclock ...` in-process with these settings."""
    import config.settings
    from commands.clock import FixedClock
    from starter.cli.common import set_clock

    monkeypatch.setattr(config.settings, "get_settings", lambda: settings)
    # The recorded histories are of 2026-2027: the purge runs "today" = 1 June 2028.
    set_clock(FixedClock(date(2028, 6, 1)))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    yield run
    set_clock(None)


def outbox_of(sessions, workflow_ids: set[str]) -> set[str]:
    """The keys of the outbox rows of these processes (their notices, written by apply_history)."""
    with sessions() as session:
        return set(session.scalars(select(Outbox.key).where(Outbox.process_id.in_(workflow_ids))))


def snapshot(sessions) -> dict[str, set]:
    with sessions() as session:
        return {
            "process": set(session.scalars(select(Process.workflow_id))),
            "step": {(s.process_id, s.rule_id, s.instance) for s in session.scalars(select(Step))},
            "event": {(e.id, e.key, e.hash) for e in session.scalars(select(Event))},
            "outbox": set(session.scalars(select(Outbox.key))),
        }


def triggers(sessions) -> list:
    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            return session.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            ).all()
        return session.execute(
            text(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'event'::regclass "
                "AND NOT tgisinternal ORDER BY tgname"
            )
        ).all()


def test_the_cutoff_counts_whole_years_back() -> None:
    assert closed_before(date(2028, 2, 1), 1) == datetime(2027, 2, 1, tzinfo=UTC)
    assert closed_before(date(2028, 2, 29), 1) == datetime(2027, 2, 28, tzinfo=UTC)
    with pytest.raises(ValueError, match="at least 1"):
        closed_before(date(2028, 2, 1), 0)


def test_the_period_is_a_validated_setting() -> None:
    assert Settings().retention.keep_closed_years == 28
    for bad in (0, -1, 101, "ten"):
        with pytest.raises(ValueError, match="keep_closed_years"):
            Settings(retention={"keep_closed_years": bad})


def test_dry_run_lists_only_processes_past_the_period(recorded, cli) -> None:
    sessions, ids = recorded
    before = snapshot(sessions)
    done = cli("retention", "purge", "--dry-run", "--as-of", AS_OF)
    assert done.exit_code == 0, done.output
    old = {ids[n] for n in OLD}
    listed = {line.split()[1] for line in done.output.splitlines() if line.startswith("  ")}
    assert listed == old
    assert "those closed before Mon 1 Feb 2027 go" in done.output
    rows = len(outbox_of(sessions, old))
    assert rows > 2 and "Would purge 2 process(es)" in done.output
    assert f"{rows} outbox row(s), 2 archived run(s)" in done.output
    assert snapshot(sessions) == before  # a dry run changes nothing
    assert "Nothing to purge." in cli("retention", "purge", "--dry-run", "--as-of", "2027-06-01").output


def test_apply_removes_exactly_those_rows_and_verify_shows_the_purge(recorded, cli, settings) -> None:
    sessions, ids = recorded
    old = {ids[n] for n in OLD}
    before, guards, old_rows = snapshot(sessions), triggers(sessions), outbox_of(sessions, old)
    done = cli("retention", "purge", "--apply", "--yes", "--as-of", AS_OF, "--skip-temporal")
    assert done.exit_code == 0, done.output
    assert "Purged 2 process(es)" in done.output and "1 old digest row(s), 2 archived run(s)" in done.output
    after = snapshot(sessions)

    assert after["process"] == before["process"] - old | {REGISTER_ID}
    assert after["step"] == {s for s in before["step"] if s[0] not in old}
    assert old_rows and after["outbox"] == before["outbox"] - old_rows - {"digest-old"}
    assert outbox_of(sessions, set(ids.values()) - old)  # the kept processes' notices stay
    with sessions() as session:
        gone = {e.id for e in session.scalars(select(Event).where(Event.process_id.in_(old)))}
        assert not gone
        [record] = purge_records(session)
        purge_row = session.get(Event, record.event_id)
    kept_events = after["event"] - {(purge_row.id, purge_row.key, purge_row.hash)}
    assert kept_events < before["event"]  # untouched rows, hashes and all
    assert len(before["event"]) - len(kept_events) == len(record.links) == record.counts["events"]
    assert record.workflow_ids == old and purge_row.kind == "purge" and purge_row.data["head"] == purge_row.prev_hash
    assert triggers(sessions) == guards  # the append-only triggers are back, as they were

    archive = Archive.for_settings(settings)
    assert {e["workflow_id"] for e in archive.index()} == {ids["ehc_advice_exemption"], ids["ehc_advice_withdrawn"]}
    assert not any((archive.root / wid).exists() for wid in old)

    report = asyncio.run(verify(settings, sessions))
    assert report.clean, report.text()
    assert report.processes == 2
    assert "retention purge: event row" in report.text() and "2 closed process(es)" in report.text()
    verified = cli("audit", "verify")
    # No Temporal here: nothing differs, but its list of processes could not be compared with the database, which
    # verify says (exit 1: "could not check everything"; 3 would be "a check failed").
    assert verified.exit_code == 1 and "retention purge:" in verified.output, verified.output
    assert "No differences" in verified.output and "the processes Temporal lists were not compared" in verified.output

    again = cli("retention", "purge", "--apply", "--yes", "--as-of", AS_OF, "--skip-temporal")
    assert again.exit_code == 0 and "Nothing to purge." in again.output, again.output
    assert snapshot(sessions) == after  # a second apply changes nothing, not even the audit log


def test_the_event_table_stays_append_only_after_a_purge(recorded) -> None:
    sessions, _ = recorded
    with sessions.begin() as session:
        assert apply_purge(session, date.fromisoformat(AS_OF), 1) is not None
    for statement in ("UPDATE event SET actor = 'head'", "DELETE FROM event"):
        with pytest.raises(DatabaseError, match="append-only"), sessions.begin() as session:
            session.execute(text(statement))


def test_a_failed_purge_changes_nothing(recorded) -> None:
    sessions, _ = recorded
    before, guards = snapshot(sessions), triggers(sessions)
    with pytest.raises(RuntimeError, match="power cut"), sessions.begin() as session:
        apply_purge(session, date.fromisoformat(AS_OF), 1)
        raise RuntimeError("power cut")
    assert snapshot(sessions) == before and triggers(sessions) == guards


def test_only_the_purge_record_excuses_a_gap(recorded, database_backend) -> None:
    """A row of a kept process deleted behind the engine's back still breaks the chain after a purge."""
    sessions, ids = recorded
    with sessions.begin() as session:
        apply_purge(session, date.fromisoformat(AS_OF), 1)
    with sessions() as session:
        assert check_chain(session)[1] == []
    from store.retention import append_only_lifted

    with sessions.begin() as session:  # what someone with the database owner's rights could do
        victim = session.scalar(
            select(Event.id).where(Event.process_id == ids["ehc_advice_withdrawn"]).order_by(Event.id).limit(1)
        )
        with append_only_lifted(session):
            session.execute(text("DELETE FROM event WHERE id = :id"), {"id": victim})
    with sessions() as session:
        texts = [f.text() for f in check_chain(session)[1]]
    assert any("hash chain broken at event row" in t for t in texts), texts


def test_apply_needs_confirmation(recorded, cli) -> None:
    sessions, _ = recorded
    before = snapshot(sessions)
    refused = cli("retention", "purge", "--apply", "--as-of", AS_OF, "--skip-temporal", input="n\n")
    assert refused.exit_code == 2 and "--yes: not confirmed; nothing was purged" in refused.output
    assert snapshot(sessions) == before
    confirmed = cli("retention", "purge", "--apply", "--as-of", AS_OF, "--skip-temporal", input="y\n")
    assert confirmed.exit_code == 0 and "Purged 2 process(es)" in confirmed.output, confirmed.output


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "--dry-run/--apply: give exactly one of them"),
        (("--dry-run", "--apply"), "--dry-run/--apply: give exactly one of them"),
        (("--dry-run", "--as-of", "2999-01-01"), "--as-of: Tue 1 Jan 2999 is in the future (today is Thu 1 Jun 2028)"),
        (("--dry-run", "--as-of", "last year"), "--as-of: 'last year' is not a date"),
    ],
)
def test_bad_input_exits_2_naming_the_flag(recorded, cli, args, message) -> None:
    sessions, _ = recorded
    before = snapshot(sessions)
    done = cli("retention", "purge", *args)
    assert done.exit_code == 2 and message in done.output, done.output
    assert len(done.output.strip().splitlines()) == 1
    assert snapshot(sessions) == before


def test_an_unreachable_temporal_stops_the_purge_before_the_database(recorded, cli) -> None:
    sessions, _ = recorded
    before = snapshot(sessions)
    done = cli("retention", "purge", "--apply", "--yes", "--as-of", AS_OF)  # Temporal at 127.0.0.1:1
    assert done.exit_code == 1 and "nothing was removed from the database" in done.output, done.output
    assert snapshot(sessions) == before


def test_the_archive_left_by_an_interrupted_purge_is_swept_next_time(recorded, cli, settings) -> None:
    sessions, ids = recorded
    with sessions.begin() as session:  # the database part done, then the process died before the archive
        apply_purge(session, date.fromisoformat(AS_OF), 1)
    report = asyncio.run(verify(settings, sessions))
    assert {f.workflow_id for f in report.findings if f.what == "purged"} == {ids[n] for n in OLD}
    done = cli("retention", "purge", "--apply", "--yes", "--as-of", AS_OF, "--skip-temporal")
    assert done.exit_code == 0 and "removed 2 archived run(s) left from an earlier purge" in done.output, done.output
    assert (asyncio.run(verify(settings, sessions))).clean
