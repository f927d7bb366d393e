"""No secret in the logs (issue 20, finding 2): after a real `sendclock up` whose dashboard (uvicorn, as the stack
starts it) served a calendar feed poll, an API call with a Bearer key, a sign-in with a password and pages with the
session cookie, no file under var/log/ holds the feed token, the API key, the password or the session cookie; the
access log shows the feed as /feeds/<redacted>.ics."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

import pytest

from dashboard.auth import COOKIE
from dashboard.log_redaction import RedactSecrets, redact
from tests.stack_run import PASSWORD, stack_running


@pytest.mark.devserver
def test_logs_carry_no_feed_token_api_key_password_or_session(tmp_path: Path) -> None:
    var = tmp_path / "var"
    with stack_running(var) as stack:
        stack.add_accounts()
        feed, key = stack.secrets["feed_token"], stack.secrets["api_key"]
        with stack.client() as http:
            assert http.get(f"/feeds/{feed}.ics").status_code == 200  # Outlook polling the feed
            assert http.head(f"/feeds/{feed}.ics").status_code == 200
            assert http.get(f"/feeds/{feed}x.ics").status_code == 404  # a mistyped one is not logged either
            # secrets in query strings (a link pasted wrongly, a script), and a feed in a sign-in redirect
            http.get("/healthz", params={"token": feed, "api_key": key, "password": PASSWORD, "view": "open"})
            assert http.get(f"/login?next={quote(f'/feeds/{feed}.ics', safe='')}").status_code == 200
            me = http.get("/api/me", headers={"Authorization": f"Bearer {key}"})
            assert me.status_code == 200 and me.json()["username"] == "senco"
        with stack.client("senco") as http:  # a sign-in with the password, then pages with the session cookie
            session = http.cookies.get(COOKIE)
            assert session
            assert http.get("/overdue").status_code == 200
            assert http.get("/api/steps").status_code == 200
            assert http.get("/temporal/api/v1/namespaces").status_code == 200

    logs = {path.name: path.read_text(errors="replace") for path in (var / "log").glob("*.log")}
    assert set(logs) >= {"dashboard.log", "worker.log", "temporal.log"}
    dashboard = logs["dashboard.log"]
    assert '"GET /feeds/<redacted>.ics HTTP/1.1" 200' in dashboard  # the access log is on, and redacts
    assert '"HEAD /feeds/<redacted>.ics HTTP/1.1" 200' in dashboard
    assert "token=<redacted>&api_key=<redacted>&password=<redacted>&view=open" in dashboard
    assert "next=%2Ffeeds%2F<redacted>.ics" in dashboard
    assert '"POST /login HTTP/1.1" 303' in dashboard and '"GET /api/me HTTP/1.1" 200' in dashboard
    secrets = {
        "feed token": feed,
        "API key": key,
        "password": PASSWORD,
        "session cookie": session,
        **{f"session cookie part {i}": part for i, part in enumerate(session.split(".")) if len(part) >= 12},
    }
    for name, text in logs.items():
        for what, secret in secrets.items():
            assert secret not in text, f"{what} in {name}"
            assert quote(secret, safe="") not in text, f"{what} (percent-encoded) in {name}"


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        ("GET /feeds/abcDEF_-123.ics", "GET /feeds/<redacted>.ics"),
        ("GET /feeds/abc", "GET /feeds/<redacted>"),
        ("/login?next=%2Ffeeds%2Fabc.ics&x=1", "/login?next=%2Ffeeds%2F<redacted>.ics&x=1"),
        (
            "/x?access_token=a&Session=b&sid=c&view=open&api-key=d",
            "/x?access_token=<redacted>&Session=<redacted>&sid=<redacted>&view=open&api-key=<redacted>",
        ),
        ("/steps?view=overdue&sort=due", "/steps?view=overdue&sort=due"),
        ("Application startup complete.", "Application startup complete."),
    ],
)
def test_redact(line: str, redacted: str) -> None:
    assert redact(line) == redacted


def test_the_access_record_keeps_its_shape() -> None:
    """uvicorn's access formatter unpacks the record's arguments: they stay five, the path redacted in place."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/feeds/secret.ics", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    assert record.args == ("127.0.0.1:5", "GET", "/feeds/<redacted>.ics", "1.1", 200)
    assert record.getMessage() == '127.0.0.1:5 - "GET /feeds/<redacted>.ics HTTP/1.1" 200'
