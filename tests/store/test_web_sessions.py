"""Sessions and the sign-in log in the database (migration 0007), on SQLite and PostgreSQL: when a session is live,
ending an account's sessions, and the log refusing UPDATE and DELETE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from store.accounts_queries import add_account
from store.migrate import alembic_config, upgrade
from store.web_sessions import (
    LIVE,
    end_sessions,
    live_sessions,
    log_sign_in,
    recent_sign_ins,
    session_state,
    start_session,
    touch,
)

pytestmark = pytest.mark.databases
T0 = datetime(2027, 3, 10, 8, 30, tzinfo=UTC)
IDLE = timedelta(minutes=30)


@pytest.fixture
def account_id(session_factory) -> int:
    with session_factory.begin() as session:
        return add_account(session, username="senco", password_hash="x", role="senco", staff_id="senco").id


def test_a_session_is_live_until_ended_expired_or_idle(session_factory, account_id) -> None:
    with session_factory.begin() as session:
        row = start_session(session, digest="d" * 64, account_id=account_id, now=T0, lifetime=timedelta(hours=8))
        assert session_state(row, T0 + timedelta(minutes=29), IDLE) == LIVE
        assert session_state(row, T0 + timedelta(minutes=30), IDLE) == "idle"
        assert not touch(row, T0 + timedelta(seconds=59)) and touch(row, T0 + timedelta(minutes=29))
        assert session_state(row, T0 + timedelta(minutes=58), IDLE) == LIVE
        assert live_sessions(session, account_id, T0 + timedelta(minutes=59), IDLE) == []  # idle
        row.last_seen_at = T0 + timedelta(hours=7, minutes=59)
        assert session_state(row, T0 + timedelta(hours=8), IDLE) == "expired"
        assert [r.id for r in live_sessions(session, account_id, T0 + timedelta(hours=7, minutes=59), IDLE)] == [row.id]
        assert live_sessions(session, account_id, T0 + timedelta(hours=8), IDLE) == []  # expired


def test_ending_an_accounts_sessions_can_keep_one(session_factory, account_id) -> None:
    with session_factory.begin() as session:
        for digest in ("a" * 64, "b" * 64, "c" * 64):
            start_session(session, digest=digest, account_id=account_id, now=T0, lifetime=timedelta(hours=8))
        assert end_sessions(session, account_id, T0, "password-changed", keep="b" * 64) == 2
        assert [r.digest for r in live_sessions(session, account_id, T0, IDLE)] == ["b" * 64]
        assert end_sessions(session, account_id, T0, "ended-by-operator") == 1
        assert live_sessions(session, account_id, T0, IDLE) == []
        with pytest.raises(ValueError, match="reason"):
            end_sessions(session, account_id, T0, "because")


def test_the_sign_in_log_is_append_only(session_factory, account_id) -> None:
    with session_factory.begin() as session:
        log_sign_in(
            session,
            at=T0,
            outcome="failed",
            username="senco",
            account_id=account_id,
            client="192.0.2.1",
            detail="the password was not right",
        )
    for statement in ("UPDATE sign_in_event SET outcome = 'signed-in'", "DELETE FROM sign_in_event"):
        with pytest.raises(DatabaseError, match="append-only"), session_factory.begin() as session:
            session.execute(text(statement))
    with session_factory() as session:
        assert [e.outcome for e in recent_sign_ins(session)] == ["failed"]


def test_0007_goes_down_and_up_again(database_url, engine) -> None:
    command.downgrade(alembic_config(database_url), "0006")
    assert not {"web_session", "sign_in_event"} & set(inspect(engine).get_table_names())
    upgrade(database_url)
    assert {"web_session", "sign_in_event"} <= set(inspect(engine).get_table_names())
