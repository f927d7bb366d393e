"""Sign-in, sessions, CSRF, rate limiting and roles, on the pages and the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dashboard.web_settings import WebSettings
from tests.dashboard.conftest import PASSWORD, csrf_of, sign_in
from tests.dashboard.seed import seed

PAGES = [
    "/",
    "/overdue",
    "/due-soon",
    "/outbox",
    "/cases/EHC-0042",
    "/compliance",
    "/steps.csv",
    "/audit",
    "/start",
    "/start/ehc-advice-request",
    "/processes/ehc-advice-request-EHC-0042-20270111/advice-sent",
]
API_GETS = [
    "/api/me",
    "/api/steps",
    "/api/cases/EHC-0042",
    "/api/outbox",
    "/api/compliance",
    "/api/audit",
    "/api/rules",
    "/api/deadline?rule=ehc-advice&from=2026-02-02",
]
# Which roles may open each page (200); the others get 403.
ALLOWED = {
    "/compliance": {"senco", "head", "auditor"},
    "/steps.csv": {"senco", "head", "auditor"},
    "/audit": {"senco", "auditor"},
    "/start": {"senco"},
    "/start/ehc-advice-request": {"senco"},
    "/processes/ehc-advice-request-EHC-0042-20270111/advice-sent": {"senco"},
    "/cases/EHC-0042": {"senco", "head", "auditor"},  # the TA owns no step of EHC-0042
    "/api/compliance": {"senco", "head", "auditor"},
    "/api/audit": {"senco", "auditor"},
    "/api/cases/EHC-0042": {"senco", "head", "auditor"},
}
# A case or process none of whose steps is the TA's does not exist for the TA (dashboard/scope.py): 404, as an
# unknown reference, not 403, which would confirm it.
NOT_FOUND = {
    "/cases/EHC-0042": {"ta"},
    "/api/cases/EHC-0042": {"ta"},
    "/processes/ehc-advice-request-EHC-0042-20270111/advice-sent": {"ta"},
}


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_sign_in(make_client, path: str) -> None:
    response = make_client().get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", API_GETS)
def test_api_needs_sign_in(make_client, path: str) -> None:
    response = make_client().get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("username", ["senco", "head", "ta", "auditor"])
def test_roles_on_every_page_and_api_read(make_client, db, username: str) -> None:
    seed(db)
    client = make_client(username)
    for path in PAGES + API_GETS:
        allowed = ALLOWED.get(path, {"senco", "head", "ta", "auditor"})
        status = client.get(path).status_code
        expected = 200 if username in allowed else 404 if username in NOT_FOUND.get(path, ()) else 403
        assert status == expected, (username, path, status)


def test_sign_in_sets_a_hardened_cookie_and_rotates_the_session(make_client) -> None:
    client = make_client()
    page = client.get("/login")
    before = client.cookies.get("sendclock_session")
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie and "secure" not in set_cookie
    response = client.post(
        "/login",
        data={"username": "senco", "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/overdue"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/overdue"
    assert client.cookies.get("sendclock_session") != before
    assert "Signed in as Alex Example (SENCO)" in client.get("/overdue").text


def test_cookie_is_secure_over_https(settings, db, today) -> None:
    from dashboard.app import create_app

    app = create_app(settings, sessionmaker=db, today=lambda: today, web_settings=WebSettings(session_secret="x" * 40))
    with TestClient(app, base_url="https://dashboard.example.org") as client:
        assert "secure" in client.get("/login").headers["set-cookie"].lower()


def test_sign_in_only_to_local_pages(make_client) -> None:
    client = make_client()
    token = csrf_of(client.get("/login").text)
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(
            "/login",
            data={"username": "senco", "password": PASSWORD, "csrf_token": token, "next": evil},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/today"  # the SENCO's landing page, never elsewhere
        token = csrf_of(client.get("/login").text)


def test_wrong_password_unknown_user_and_disabled_account(make_client, db) -> None:
    from store.accounts_queries import account_by_username

    client = make_client()
    for username, password in [("senco", "wrong password!"), ("nobody", PASSWORD)]:
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 401
        assert "The user name or password is not right." in response.text
    signed_in = make_client("head")
    assert signed_in.get("/").status_code == 200
    with db.begin() as session:
        account_by_username(session, "head").active = False
    assert signed_in.get("/", follow_redirects=False).status_code == 303  # out at once
    token = csrf_of(client.get("/login").text)
    assert (
        client.post("/login", data={"username": "head", "password": PASSWORD, "csrf_token": token}).status_code == 401
    )


def test_sign_in_is_rate_limited(make_client) -> None:
    client = make_client(web_settings=WebSettings(session_secret="s" * 40, sign_in_attempts=3))
    for _ in range(3):
        token = csrf_of(client.get("/login").text)
        assert (
            client.post(
                "/login", data={"username": "senco", "password": "nope-nope-nope", "csrf_token": token}
            ).status_code
            == 401
        )
    token = csrf_of(client.get("/login").text)
    blocked = client.post("/login", data={"username": "senco", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and "Too many failed sign-in attempts" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0


def test_sign_in_needs_the_csrf_token(make_client) -> None:
    client = make_client()
    client.get("/login")
    response = client.post("/login", data={"username": "senco", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "path", ["/logout", "/start/ehc-advice-request", "/processes/ehc-advice-request-EHC-0042-20270111/advice-sent"]
)
def test_every_form_post_needs_the_csrf_token(client: TestClient, db, path: str) -> None:
    seed(db)
    for token in (None, "forged"):
        data = {"case_ref": "EHC-1", "sent_on": "2027-03-01"} | ({"csrf_token": token} if token else {})
        response = client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, path
        assert "csrf_token" in response.text


def test_a_token_from_another_session_is_refused(make_client, db) -> None:
    seed(db)
    other = csrf_of(make_client("senco").get("/start/ehc-advice-request").text)
    client = make_client("senco")
    response = client.post("/start/ehc-advice-request", data={"csrf_token": other, "case_ref": "EHC-9"})
    assert response.status_code == 403


def test_sign_out(client: TestClient) -> None:
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_leadership_and_auditor_see_no_forms_or_record_links(make_client, db) -> None:
    seed(db)
    for username in ("head", "auditor"):
        client = make_client(username)
        for path in ("/", "/overdue", "/cases/EHC-0042", "/compliance"):
            html = client.get(path).text
            assert 'method="post" action="/start' not in html and 'href="/processes/' not in html, (username, path)
            assert "Start a process" not in html
        assert client.get("/start/ehc-advice-request").status_code == 403


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_sessions_are_signed(make_client) -> None:
    client = make_client()
    client.cookies.set("sendclock_session", "eyJzaWQiOiJ4IiwidWlkIjoxfQ.forged.sig")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_helper_roundtrip(make_client) -> None:
    assert sign_in(make_client(), "auditor").get("/audit").status_code == 200
