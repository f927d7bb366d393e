"""Issue 20, finding 3: sign-out ends the session. A session is a row on the server, so a cookie copied while it
was live stops working everywhere (pages, /api/me, the codec server) once the session ends: sign-out, idle and
absolute expiry, a password change on the dashboard (other sessions only), a disabled account. API keys have no
session and are unaffected. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from config.settings import Settings, StaffMember
from dashboard.web_settings import WebSettings
from store.accounts import SignInEvent, WebSession
from store.accounts_queries import account_by_username, add_token
from store.credentials import new_token, token_digest
from tests.dashboard.clock import Clock
from tests.dashboard.conftest import PASSWORD, csrf_of, sign_in
from tests.security.keys import entry
from tests.security.test_codec_server import body

pytestmark = pytest.mark.databases
COOKIE = "sendclock_session"


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
        temporal={"ui_url": "http://127.0.0.1:8233/"},
        security={"payload_keys": [entry("k1")]},
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def browser(make_client, clock):
    """browser(username=None): a client on a new app running on the test's clock, signed in as `username`."""
    return lambda username=None, **kwargs: make_client(username, now=clock, **kwargs)


def copy_of(client: TestClient, make_client, clock) -> TestClient:
    """Another browser holding a copy of `client`'s session cookie (as a thief would)."""
    thief = make_client(now=clock)
    thief.cookies.set(COOKIE, client.cookies.get(COOKIE))
    return thief


def decode(client: TestClient, content: str):
    return client.post("/codec/decode", content=content, headers={"Content-Type": "application/json"})


def sign_out(client: TestClient) -> None:
    response = client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)}, follow_redirects=False)
    assert response.status_code == 303


def assert_signed_out(client: TestClient, encrypted: str | None = None) -> None:
    assert client.get("/api/me").status_code == 401
    if encrypted is not None:
        assert decode(client, encrypted).status_code == 401
    page = client.get("/overdue", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def sessions_of(db, username: str) -> list[WebSession]:
    with db() as session:
        account = account_by_username(session, username)
        return list(
            session.scalars(select(WebSession).where(WebSession.account_id == account.id).order_by(WebSession.id))
        )


def test_a_copied_cookie_stops_working_at_sign_out(browser, make_client, clock) -> None:
    client = browser("senco")
    encrypted = client.post(
        "/codec/encode", content=body("Fictional Pupil, DOB 2015-03-14"), headers={"Content-Type": "application/json"}
    ).text
    thief = copy_of(client, make_client, clock)
    assert thief.get("/api/me").status_code == 200  # while the session is live, a copy works: that is a cookie
    assert decode(thief, encrypted).status_code == 200
    sign_out(client)
    assert_signed_out(thief, encrypted)
    assert_signed_out(client, encrypted)


def test_the_session_row_keeps_a_digest_never_the_session_id(browser, db) -> None:
    client = browser("senco")
    sid = client.app.state.web.codec.loads(client.cookies.get(COOKIE))["sid"]
    (row,) = sessions_of(db, "senco")
    assert row.digest == token_digest(sid) and row.ended_at is None
    with db() as session:
        dump = repr(session.execute(text("SELECT * FROM web_session")).all())
    assert sid not in dump


def test_idle_sessions_end_and_the_sign_in_page_says_why(browser, make_client, clock) -> None:
    client = browser("senco")
    thief = copy_of(client, make_client, clock)
    for _ in range(3):  # in use: each request within 30 minutes keeps it alive
        clock.advance(minutes=29)
        assert client.get("/api/me").status_code == 200
    clock.advance(minutes=30)
    assert_signed_out(thief)
    page = client.get("/overdue")  # follows the redirect to /login
    assert page.url.path == "/login"
    assert "You were signed out after 30 minutes without activity. Please sign in again." in page.text
    assert "You were signed out" not in client.get("/login").text  # said once


def test_the_idle_limit_is_a_web_setting(browser, clock) -> None:
    client = browser("senco", web_settings=WebSettings(session_secret="s" * 40, session_idle_minutes=5))
    clock.advance(minutes=6)
    assert "You were signed out after 5 minutes without activity." in client.get("/").text


def test_sessions_end_after_session_hours_however_busy(browser, make_client, clock) -> None:
    client = browser("senco")
    thief = copy_of(client, make_client, clock)
    for _ in range(23):  # 7 h 40 min of steady use
        clock.advance(minutes=20)
        assert client.get("/api/me").status_code == 200
    clock.advance(minutes=20)  # 8 hours after signing in
    assert_signed_out(thief)
    assert "a sign-in lasts at most 8 hours" in client.get("/").text


def test_last_seen_is_written_at_most_once_a_minute(browser, db, clock) -> None:
    client = browser("senco")
    (row,) = sessions_of(db, "senco")
    for _ in range(5):
        clock.advance(seconds=10)
        assert client.get("/api/me").status_code == 200
    assert sessions_of(db, "senco")[0].last_seen_at == row.created_at
    clock.advance(seconds=15)  # 65 seconds after sign-in
    client.get("/api/me")
    assert sessions_of(db, "senco")[0].last_seen_at == clock.now


def test_a_new_sign_in_ends_nothing_else(browser, make_client, clock) -> None:
    first, second = browser("senco"), browser("senco")
    assert first.get("/api/me").status_code == 200 and second.get("/api/me").status_code == 200
    before = copy_of(second, make_client, clock)
    sign_in(second, "head")  # this browser's own earlier session ends with it; nobody else's
    assert before.get("/api/me").status_code == 401
    assert first.get("/api/me").json()["username"] == "senco"
    assert second.get("/api/me").json()["username"] == "head"


def change_password(client: TestClient, current: str, new: str, again: str | None = None):
    token = csrf_of(client.get("/account/password").text)
    return client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "new_password_again": again or new,
        },
    )


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(browser, make_client, db, clock) -> None:
    here, elsewhere = browser("senco"), browser("senco")
    assert 'href="/account/password"' in here.get("/").text  # in the navigation
    copied = copy_of(here, make_client, clock)
    done = change_password(here, PASSWORD, "a brand new passphrase")
    assert done.status_code == 200
    assert "Your password has been changed. You were signed out everywhere else." in done.text
    assert here.get("/api/me").status_code == 200
    assert copied.get("/api/me").status_code == 200  # the same session as `here`, which stays
    assert_signed_out(elsewhere)
    assert "the password of this account was changed" in elsewhere.get("/").text
    sign_in(browser(), "senco", "a brand new passphrase")
    other = browser()
    refused = other.post(
        "/login", data={"username": "senco", "password": PASSWORD, "csrf_token": csrf_of(other.get("/login").text)}
    )
    assert refused.status_code == 401
    with db() as session:
        logged = session.scalars(select(SignInEvent).where(SignInEvent.outcome == "password-changed")).all()
    assert [e.username for e in logged] == ["senco"] and "1 other session ended" in logged[0].detail


def test_changing_the_password_checks_the_current_one_and_the_new_one(browser) -> None:
    client = browser("senco")
    wrong = change_password(client, "not my password", "a brand new passphrase")
    assert wrong.status_code == 422 and "Your current password is not right." in wrong.text
    short = change_password(client, PASSWORD, "short")
    assert short.status_code == 422 and "Use at least 10 characters." in short.text
    differ = change_password(client, PASSWORD, "a brand new passphrase", "another new passphrase")
    assert differ.status_code == 422 and "The two new passwords are not the same." in differ.text
    forged = client.post(
        "/account/password",
        data={
            "csrf_token": "forged",
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_again": "a brand new passphrase",
        },
    )
    assert forged.status_code == 403
    assert PASSWORD not in wrong.text and "a brand new passphrase" not in wrong.text  # never echoed
    assert client.get("/api/me").status_code == 200  # nothing changed
    assert browser().get("/account/password", follow_redirects=False).status_code == 303


def test_wrong_current_passwords_are_throttled_too(browser) -> None:
    client = browser("senco")
    for _ in range(5):
        assert change_password(client, "not my password", "a brand new passphrase").status_code == 422
    refused = change_password(client, PASSWORD, "a brand new passphrase")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 30
    assert "Please wait 30 seconds before you try again." in refused.text


def test_a_disabled_account_is_out_at_once_and_its_sessions_stay_ended(browser, make_client, db, clock) -> None:
    client = browser("head")
    copied = copy_of(client, make_client, clock)
    with db.begin() as session:
        account_by_username(session, "head").active = False
    assert_signed_out(copied)
    with db.begin() as session:
        account_by_username(session, "head").active = True
    assert client.get("/api/me").status_code == 401  # enabling the account again does not bring the session back
    assert sessions_of(db, "head")[0].ended_reason == "account-disabled"


def test_api_keys_have_no_session_and_keep_working(browser, db) -> None:
    secret = new_token()
    with db.begin() as session:
        add_token(session, digest=token_digest(secret), kind="api", account_id=account_by_username(session, "senco").id)
    client = browser("senco")
    sign_out(client)
    key = browser()
    assert key.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert sessions_of(db, "senco")[0].ended_reason == "signed-out"


def test_sign_in_and_sign_out_are_in_the_sign_in_log(browser, db) -> None:
    client = browser("senco")
    sign_out(client)
    with db() as session:
        events = session.scalars(select(SignInEvent).order_by(SignInEvent.id)).all()
    assert [(e.outcome, e.username, e.client) for e in events] == [
        ("signed-in", "senco", "testclient"),
        ("signed-out", "senco", "testclient"),
    ]
