"""Issue 20, finding 4: failed sign-ins are throttled per account and per (account, address), with delays that
double, never by address alone (a school behind one NAT address shares it); a browser the account signed in from
before (OWASP's device cookie) is throttled per (account, device) only, so a guesser elsewhere cannot lock the SENCO
out of their own machine. A throttled attempt answers 429 with Retry-After and a sentence; every failed and
throttled attempt is in the sign-in log. Time is the test's clock, never a sleep."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.security import DeviceCookie, SignInThrottle
from dashboard.web_settings import WebSettings
from store.accounts import SignInEvent
from tests.dashboard.clock import Clock
from tests.dashboard.conftest import PASSWORD, NoTemporal, csrf_of

SCHOOL = "192.0.2.10"  # the school's one NAT address
ELSEWHERE = "198.51.100.7"
WRONG = "not the password"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings, db, today, clock) -> FastAPI:
    return create_app(
        settings,
        sessionmaker=db,
        today=lambda: today,
        client_factory=NoTemporal(),
        now=clock,
        web_settings=WebSettings(session_secret="s" * 40),
    )


@pytest.fixture
def machine(app) -> Callable[[str], TestClient]:
    """machine(address): a browser on its own computer at `address`, on the one app (one throttle)."""
    clients: list[TestClient] = []

    def make(address: str) -> TestClient:
        client = TestClient(app, client=(address, 50000))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def attempt(client: TestClient, username: str, password: str):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )


def log_of(db) -> list[SignInEvent]:
    with db() as session:
        return list(session.scalars(select(SignInEvent).order_by(SignInEvent.id)))


def guess_ten_times(guesser: TestClient, clock: Clock) -> None:
    """Ten wrong passwords for the SENCO from one place, waiting out each delay: the account as a whole then waits
    (it allows twice the failures of one address)."""
    failed = 0
    while failed < 10:
        response = attempt(guesser, "senco", WRONG)
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["retry-after"]))
        else:
            assert response.status_code == 401
            failed += 1


def test_five_wrong_passwords_for_one_account_do_not_stop_another_at_the_same_address(machine) -> None:
    guesser, colleague = machine(SCHOOL), machine(SCHOOL)
    for _ in range(5):
        assert attempt(guesser, "senco", WRONG).status_code == 401
    assert attempt(guesser, "senco", PASSWORD).status_code == 429  # that account, from there, waits
    assert attempt(colleague, "ta", PASSWORD).status_code == 303  # the rest of the school signs in
    assert attempt(machine(SCHOOL), "head", WRONG).status_code == 401  # and is told the password is wrong, no more


def test_a_throttled_attempt_is_429_with_retry_after_and_a_sentence(machine) -> None:
    client = machine(SCHOOL)
    for _ in range(5):
        attempt(client, "senco", WRONG)
    refused = attempt(client, "senco", PASSWORD)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
    assert (
        "Too many failed sign-in attempts for this user name. Please wait 30 seconds before you try again."
        in refused.text
    )


def test_delays_double_with_each_further_failure_up_to_the_cap(settings, db, today, clock) -> None:
    app = create_app(
        settings,
        sessionmaker=db,
        today=lambda: today,
        client_factory=NoTemporal(),
        now=clock,
        web_settings=WebSettings(
            session_secret="s" * 40, sign_in_attempts=3, sign_in_delay_seconds=30, sign_in_max_delay_seconds=200
        ),
    )
    with TestClient(app, client=(ELSEWHERE, 1)) as client:
        for _ in range(3):
            assert attempt(client, "senco", WRONG).status_code == 401
        waits = []
        for _ in range(5):
            refused = attempt(client, "senco", PASSWORD)
            assert refused.status_code == 429
            wait = int(refused.headers["retry-after"])
            waits.append(wait)
            clock.advance(seconds=wait - 1)
            assert attempt(client, "senco", PASSWORD).status_code == 429  # a second early is still too early
            clock.advance(seconds=1)
            failed = attempt(client, "senco", WRONG)
            assert failed.status_code == 401 and "Please wait" in failed.text  # the failure says what comes next
        assert waits == [30, 60, 120, 200, 200]
        clock.advance(seconds=200)
        assert attempt(client, "senco", PASSWORD).status_code == 303  # the right password after the wait


def test_guesses_from_elsewhere_do_not_lock_the_senco_out_of_their_own_machine(machine, clock, db) -> None:
    own = machine(SCHOOL)
    assert attempt(own, "senco", PASSWORD).status_code == 303  # the SENCO's machine now has a device cookie
    assert own.post("/logout", data={"csrf_token": csrf_of(own.get("/").text)}).status_code == 200
    guess_ten_times(machine(ELSEWHERE), clock)
    assert attempt(machine("203.0.113.40"), "senco", PASSWORD).status_code == 429  # the account as a whole waits
    assert attempt(machine(SCHOOL), "senco", PASSWORD).status_code == 429  # a new machine at school too
    assert attempt(own, "senco", PASSWORD).status_code == 303  # but not the SENCO's own machine
    assert own.get("/api/me").json()["username"] == "senco"
    refused = [e for e in log_of(db) if e.outcome == "throttled"]
    assert {e.client for e in refused} >= {ELSEWHERE, "203.0.113.40", SCHOOL}


def test_a_device_cookie_vouches_only_for_its_own_account(machine, clock) -> None:
    ta_machine = machine(SCHOOL)
    assert attempt(ta_machine, "ta", PASSWORD).status_code == 303
    guess_ten_times(machine(ELSEWHERE), clock)
    assert attempt(ta_machine, "senco", PASSWORD).status_code == 429
    forged = machine(SCHOOL)
    forged.cookies.set("sendclock_device", "W1sxLCJ4IiwxXV0.forged", path="/login")
    assert attempt(forged, "senco", PASSWORD).status_code == 429


def test_guesses_on_the_senco_machine_are_throttled_on_that_machine(machine) -> None:
    own = machine(SCHOOL)
    attempt(own, "senco", PASSWORD)
    for _ in range(5):
        assert attempt(own, "senco", WRONG).status_code == 401
    assert attempt(own, "senco", PASSWORD).status_code == 429  # that device waits
    assert attempt(machine(ELSEWHERE), "senco", PASSWORD).status_code == 303  # the account does not


def test_unknown_names_are_throttled_like_known_ones(machine) -> None:
    client = machine(ELSEWHERE)
    for _ in range(5):
        assert attempt(client, "nobody", WRONG).status_code == 401
    assert attempt(client, "nobody", WRONG).status_code == 429


def test_failed_and_throttled_attempts_are_in_the_sign_in_log(machine, make_client, db) -> None:
    client = machine(ELSEWHERE)
    for _ in range(6):
        attempt(client, "senco", WRONG)
    attempt(client, "no-such-person", WRONG)
    log = log_of(db)
    assert [e.outcome for e in log] == ["failed"] * 5 + ["throttled", "failed"]
    assert all(e.client == ELSEWHERE and e.detail for e in log)
    assert log[0].account_id is not None and log[-1].account_id is None
    assert WRONG not in repr([(e.username, e.detail) for e in log])  # no password in the log
    page = make_client("auditor").get("/audit/sign-ins")
    assert page.status_code == 200
    assert "Refused: wait after failures" in page.text and ELSEWHERE in page.text and "no-such-person" in page.text
    assert 'href="/audit/sign-ins"' in make_client("senco").get("/audit").text
    assert make_client("ta").get("/audit/sign-ins").status_code == 403


def test_the_log_keeps_what_was_typed_without_control_characters(machine, db) -> None:
    attempt(machine(ELSEWHERE), "\x1b[31mevil" + "x" * 100, WRONG)
    (event,) = log_of(db)
    assert "\x1b" not in event.username and len(event.username) == 64


# --- the throttle and the device cookie alone ------------------------------------------------------------------


def test_the_throttle_doubles_caps_forgets_and_forgives() -> None:
    now = [1000.0]
    throttle = SignInThrottle(first_delay=10, max_delay=60, forget_after=3600, clock=lambda: now[0])
    keys = {"account:senco": 2}
    assert throttle.attempt(keys) == 0 and throttle.attempt(keys) == 0
    assert throttle.wait(keys) == 10 and throttle.attempt(keys) == 10  # refused: nothing counted
    now[0] += 10
    assert throttle.attempt(keys) == 0 and throttle.wait(keys) == 20
    now[0] += 20
    throttle.attempt(keys)
    assert throttle.wait(keys) == 40
    now[0] += 40
    throttle.attempt(keys)
    assert throttle.wait(keys) == 60  # capped
    now[0] += 3600
    assert throttle.wait(keys) == 0 and throttle.attempt(keys) == 0 and throttle.wait(keys) == 0  # forgotten
    throttle.attempt(keys)
    assert throttle.wait(keys) == 10
    throttle.succeeded(keys)
    assert throttle.wait(keys) == 0


def test_each_key_allows_its_own_number_of_free_failures() -> None:
    throttle = SignInThrottle(first_delay=10, max_delay=60, forget_after=3600, clock=lambda: 0.0)
    for _ in range(2):
        throttle.attempt({"account:x": 4, "account-address:x|a": 2})
    assert throttle.wait({"account:x": 4}) == 0 and throttle.wait({"account-address:x|b": 2}) == 0
    assert throttle.wait({"account-address:x|a": 2}) == 10


def test_a_device_cookie_is_signed_and_ages() -> None:
    cookies = DeviceCookie("k" * 40, max_age_seconds=200)
    value = cookies.dumps({7: ("nonce-a", 1000.0), 8: ("nonce-b", 900.0)})
    assert cookies.loads(value, 1050.0) == {7: ("nonce-a", 1000.0), 8: ("nonce-b", 900.0)}
    assert cookies.loads(value, 1150.0) == {7: ("nonce-a", 1000.0)}  # account 8's entry is too old
    assert DeviceCookie("o" * 40, 100).loads(value, 1050.0) == {}  # another secret
    assert cookies.loads(value[:-2] + "xx", 1050.0) == {}
