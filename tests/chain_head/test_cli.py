"""`sendclock audit head` and `sendclock audit heads`, run as a user runs them (their own process, settings from
SENDCLOCK_*): plain sentences, and exit code 3 when a fingerprint sent no longer matches the record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from activities.chain_head import ChainHeadActivities
from store.chain_heads import current_head
from tests.chain_head.conftest import THURSDAY, add_events, drop_triggers, morning, recompute_chain
from workflows.models import ChainHeadInput

REPO = Path(__file__).resolve().parents[2]
SENDCLOCK = str(Path(sys.executable).parent / "sendclock")


def sendclock(settings, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(SENDCLOCK_VAR_DIR=str(settings.var_dir), SENDCLOCK_DATABASE_URL=settings.resolved_database_url)
    return subprocess.run([SENDCLOCK, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_head_prints_the_fingerprint_now(settings, sessions):
    empty = sendclock(settings, "audit", "head")
    assert empty.returncode == 0 and empty.stdout == "The audit record has no entries yet.\n", empty.stderr
    add_events(sessions, 3)
    with sessions() as session:
        head = current_head(session)
    done = sendclock(settings, "audit", "head")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"The audit record's fingerprint is now {head.fingerprint}: it has 3 entries, and the "
        f"last is entry no. 3.\nIn full: {head.hash}\n"
    )


def test_heads_lists_what_was_sent_and_checks_it(settings, engine, sessions):
    none = sendclock(settings, "audit", "heads")
    assert none.returncode == 0, none.stderr
    assert none.stdout == (
        "No fingerprint has been sent yet: the worker sends one each working day at 07:00 "
        "(schedule sendclock-chain-head).\n"
    )

    job = ChainHeadActivities(settings, sessions)
    add_events(sessions, 2)
    job.publish_chain_head(ChainHeadInput(now=morning()))
    add_events(sessions, 1, first=2)
    job.publish_chain_head(ChainHeadInput(now=morning(THURSDAY)))
    with sessions() as session:
        head = current_head(session)
    listed = sendclock(settings, "audit", "heads")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "2 fingerprint(s) of the audit record sent, newest first:"
    # sent to: each by the name the staff directory gives (the shipped config/sendclock.toml names senco only)
    sent_to = "sent to governor, Sam Okafor (SENCO)."
    assert lines[1] == f"  Thu 3 Dec 2026: {head.fingerprint}, 3 entries up to entry no. 3; {sent_to}"
    assert lines[2].startswith("  Wed 2 Dec 2026: ") and lines[2].endswith(f", 2 entries up to entry no. 2; {sent_to}")
    assert lines[3:] == ["Each still matches the record."]
    assert f"Thu 3 Dec 2026: {head.hash}," in sendclock(settings, "audit", "heads", "--full").stdout

    drop_triggers(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE event SET actor = 'head' WHERE id = 1"))
    recompute_chain(sessions)
    changed = sendclock(settings, "audit", "heads")
    assert changed.returncode == 3, changed.stdout + changed.stderr
    assert "2 no longer match(es) the record:" in changed.stdout
    assert "  - The fingerprint sent on Wed 2 Dec 2026 (" in changed.stdout
    assert "no longer matches: that row now hashes to" in changed.stdout


def test_a_database_never_upgraded_says_what_to_do(tmp_path):
    from config.settings import Settings

    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/empty.db")
    done = sendclock(settings, "audit", "heads")
    assert done.returncode == 1 and "has `sendclock db upgrade` been run?" in done.stderr, done.stderr
