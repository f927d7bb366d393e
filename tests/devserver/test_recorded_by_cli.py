"""Who recorded it, on the command line (issue 21, finding 3), on the real dev server: `--as NAME` records the change
as the dashboard account NAME (cli:as:NAME), checked before Temporal is contacted; without it, the operating-system
user who ran the command (cli:os:USER). `--by` stays who did it. A request started 50 days late and recorded sent on
a date before its due date, after its overdue notice, is flagged in the compliance figures."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from config.settings import Settings
from dashboard.compliance_view import judged
from statutory.clock import local_date
from store.accounts_queries import account_by_username, add_account
from store.db import make_engine, make_sessionmaker
from store.models import Event
from store.web_queries import all_steps
from tests.devserver.conftest import sendclock

pytestmark = pytest.mark.devserver


def events(maker, workflow_id: str, kind: str) -> list[Event]:
    with maker() as session:
        return list(
            session.scalars(select(Event).where(Event.process_id == workflow_id, Event.kind == kind).order_by(Event.id))
        )


def wait_for(maker, workflow_id: str, kind: str, seconds: float = 30) -> list[Event]:
    give_up = time.monotonic() + seconds
    while not (found := events(maker, workflow_id, kind)):
        assert time.monotonic() < give_up, f"no {kind} recorded for {workflow_id} within {seconds} s"
        time.sleep(0.2)
    return found


def start(env: dict[str, str], case: str, received: date) -> dict:
    started = sendclock(
        env,
        "advice",
        "start",
        "--case",
        case,
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--owner",
        "senco",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout)


async def test_as_and_the_os_user_are_recorded_and_a_backdated_completion_is_flagged(
    devserver, stack_env, worker_process, tmp_path
):
    today = local_date(datetime.now(UTC))
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    engine = make_engine(stack_env["SENDCLOCK_DATABASE_URL"])
    maker = make_sessionmaker(engine)
    with maker.begin() as session:
        add_account(session, username="alice", password_hash="-", role="senco", staff_id="senco")
        add_account(session, username="gone", password_hash="-", role="senco", staff_id="senco")
        account_by_username(session, "gone").active = False
    worker_process.start()
    try:
        late = start(stack_env, "CLI-LATE", today - timedelta(days=50))
        wait_for(maker, late["workflow_id"], "escalation-sent")  # the catch-up: overdue by 8 days
        given = date.fromisoformat(late["due"]) - timedelta(days=2)
        sent = ["advice", "sent", "--case", "CLI-LATE", "--date", given.isoformat(), "--by", "senco"]

        for name, why in (
            ("nobody", "--as: no account 'nobody' (see `sendclock user list`)"),
            ("gone", "--as: the account 'gone' is disabled"),
            ("Alice Smith", "--as: 'Alice Smith' is not a user name"),
        ):
            refused = sendclock(stack_env, *sent, "--as", name)
            assert refused.returncode == 2 and why in refused.stderr, refused.stderr
        assert events(maker, late["workflow_id"], "completed") == []  # nothing recorded

        recorded = sendclock(stack_env, *sent, "--as", "alice")
        assert recorded.returncode == 0, recorded.stderr
        [completed] = events(maker, late["workflow_id"], "completed")
        assert (completed.actor, completed.data["recorded_by"]) == ("senco", "cli:as:alice")

        # Without --as: the operating-system user (getpass reads LOGNAME first), on the generic step commands too.
        as_jsmith = {**stack_env, "LOGNAME": "jsmith"}
        prompt = start(stack_env, "CLI-OS", today - timedelta(days=3))
        moved = sendclock(
            as_jsmith, "step", "reassign", "--case", "CLI-OS", "--rule", "ehc-advice", "--to", "head", "--as", "alice"
        )
        assert moved.returncode == 0, moved.stderr
        [reassigned] = events(maker, prompt["workflow_id"], "reassigned")
        assert reassigned.data["recorded_by"] == "cli:as:alice"
        done = sendclock(as_jsmith, "advice", "sent", "--case", "CLI-OS", "--date", today.isoformat(), "--by", "head")
        assert done.returncode == 0, done.stderr
        [completed] = events(maker, prompt["workflow_id"], "completed")
        assert (completed.actor, completed.data["recorded_by"]) == ("head", "cli:os:jsmith")

        # The compliance figures judge both: the late one counts on time by its date given, and is flagged.
        settings = Settings(var_dir=tmp_path, database_url=stack_env["SENDCLOCK_DATABASE_URL"])
        with maker() as session:
            facts = {f.case_ref: f for f in judged(all_steps(session), settings)}
        assert facts["CLI-LATE"].on_time is True and facts["CLI-LATE"].recorded_by == "cli:as:alice"
        assert facts["CLI-LATE"].backdated is not None
        assert "after an overdue notice was sent on" in facts["CLI-LATE"].backdated
        assert facts["CLI-OS"].backdated is None and facts["CLI-OS"].recorded_by == "cli:os:jsmith"
    finally:
        engine.dispose()
