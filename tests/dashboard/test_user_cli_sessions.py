"""`sendclock user sessions|password|disable|sign-ins`: the operator sees an account's live sessions (never their
ids), ends them all, resets a password (every session of the account ends) or disables the account (likewise), and
reads the sign-in log. A cookie copied before any of these stops working. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from config.settings import Settings, StaffMember
from store.accounts import SignInEvent, WebSession
from tests.dashboard.conftest import PASSWORD, csrf_of, sign_in

pytestmark = pytest.mark.databases
COOKIE = "sendclock_session"
MOMENT = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}"  # 'Wed 10 Mar 2027 09:14'


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=database_url,
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco"),
            "head": StaffMember(name="Jo Example (Head)", role="head"),
            "ta": StaffMember(name="Sam Example (TA)", role="staff"),
        },
    )


@pytest.fixture
def sendclock(settings, db, monkeypatch):
    """sendclock(*args, input=None): the CLI on the test's settings and database."""
    from starter import cli

    monkeypatch.setattr("config.settings.get_settings", lambda: settings)
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(cli.app, list(args), input=input)


def copy_of(client: TestClient, make_client) -> TestClient:
    thief = make_client()
    thief.cookies.set(COOKIE, client.cookies.get(COOKIE))
    return thief


def test_sessions_lists_live_sessions_in_london_time_without_their_ids(make_client, sendclock, db) -> None:
    first, second = make_client("senco"), make_client("senco")
    result = sendclock("user", "sessions", "senco")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("senco has 2 sessions (each ends at the time shown, or after 30 minutes")
    lines = result.output.splitlines()[1:]
    assert len(lines) == 2 and all(len(re.findall(MOMENT, line)) == 3 for line in lines)
    with db() as session:
        rows = session.scalars(select(WebSession).order_by(WebSession.id)).all()
    for client, row, line in zip((first, second), rows, lines, strict=False):
        sid = client.app.state.web.codec.loads(client.cookies.get(COOKIE))["sid"]
        assert sid not in result.output and row.digest not in result.output
        london = row.created_at.astimezone(ZoneInfo("Europe/London"))
        assert f"session {row.id} " in line and f"signed in {london:%a} {london.day} {london:%b %Y %H:%M}" in line
    assert sendclock("user", "sessions", "head").output == "head has no live session.\n"
    assert sendclock("user", "sessions", "nobody").exit_code == 2


def test_idle_and_ended_sessions_are_not_listed(make_client, sendclock, monkeypatch) -> None:
    make_client("senco")
    later = datetime.now(UTC) + timedelta(minutes=31)
    monkeypatch.setattr("store.accounts_queries.now_utc", lambda: later)
    assert sendclock("user", "sessions", "senco").output == "senco has no live session.\n"


def test_end_all_ends_every_session_of_the_account(make_client, sendclock, db) -> None:
    first, second, other = make_client("senco"), make_client("senco"), make_client("head")
    copied = copy_of(first, make_client)
    result = sendclock("user", "sessions", "senco", "--end-all")
    assert result.exit_code == 0 and result.output == "Ended 2 sessions of senco.\n"
    for client in (first, second, copied):
        assert client.get("/api/me").status_code == 401
    assert "You were signed out by the school's administrator." in html.unescape(first.get("/").text)
    assert other.get("/api/me").status_code == 200  # another account's session goes on
    assert sendclock("user", "sessions", "senco").output == "senco has no live session.\n"
    assert sendclock("user", "sessions", "senco", "--end-all").output == "senco had no session to end.\n"
    with db() as session:
        ended = session.scalars(select(SignInEvent).where(SignInEvent.outcome == "sessions-ended")).all()
    assert ended[0].username == "senco" and ended[0].client is None and "2 sessions ended" in ended[0].detail


def test_user_password_resets_the_password_and_ends_every_session(make_client, sendclock) -> None:
    client = make_client("senco")
    copied = copy_of(client, make_client)
    assert sendclock("user", "password", "senco", "--password-stdin", input="short\n").exit_code == 2
    assert copied.get("/api/me").status_code == 200  # a refused password changes nothing
    result = sendclock("user", "password", "senco", "--password-stdin", input="a brand new passphrase\n")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Password of senco changed; 1 session ended: senco signs in again with the new password.\n"
    )
    assert "a brand new passphrase" not in result.output
    assert copied.get("/api/me").status_code == 401 and client.get("/api/me").status_code == 401
    assert "the password of this account was changed" in client.get("/").text
    sign_in(make_client(), "senco", "a brand new passphrase")
    old = make_client()
    assert (
        old.post(
            "/login", data={"username": "senco", "password": PASSWORD, "csrf_token": csrf_of(old.get("/login").text)}
        ).status_code
        == 401
    )
    assert sendclock("user", "password", "nobody", "--password-stdin", input="a brand new passphrase\n").exit_code == 2


def test_user_password_asks_twice_with_a_hidden_prompt(make_client, sendclock) -> None:
    result = sendclock("user", "password", "head", input="a brand new passphrase\na brand new passphrase\n")
    assert result.exit_code == 0, result.output
    assert "a brand new passphrase" not in result.output  # hidden
    sign_in(make_client(), "head", "a brand new passphrase")


def test_disabling_an_account_ends_its_sessions(make_client, sendclock) -> None:
    client = make_client("head")
    copied = copy_of(client, make_client)
    result = sendclock("user", "disable", "head")
    assert result.exit_code == 0 and result.output == "Account head disabled. 1 session signed out.\n"
    assert copied.get("/api/me").status_code == 401 and client.get("/api/me").status_code == 401
    assert sendclock("user", "enable", "head").exit_code == 0
    assert copied.get("/api/me").status_code == 401  # enabled again, the old sessions stay ended


def test_sign_ins_prints_the_log(make_client, sendclock) -> None:
    client = make_client()
    client.post(
        "/login",
        data={"username": "senco", "password": "not the password", "csrf_token": csrf_of(client.get("/login").text)},
    )
    sign_in(client, "senco")
    result = sendclock("user", "sign-ins", "senco")
    assert result.exit_code == 0, result.output
    newest, oldest = result.output.splitlines()
    assert re.match(MOMENT + r"  Signed in +senco +testclient", newest)
    assert re.match(MOMENT + r"  Sign-in failed +senco +testclient +the password was not right$", oldest)
    assert "not the password" not in result.output
    assert len(sendclock("user", "sign-ins").output.splitlines()) == 2
    assert sendclock("user", "sign-ins", "ta").output == "No sign-in entries for ta.\n"
    assert sendclock("user", "sign-ins", "nobody").exit_code == 2
