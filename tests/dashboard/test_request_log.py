"""The dashboard's access log (issue 22, dashboard/request_log.py): one line per request with the route's template,
never the concrete path (it carries case references and feed tokens); the signed-in account by id, never its name;
and the JSON formatter (config/logging.py) writes one parseable JSON object a line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from config.logging import JsonFormatter, TextFormatter, setup_logging
from config.settings import LoggingSettings
from dashboard.app import create_app
from dashboard.web_settings import WebSettings
from store.accounts_queries import account_by_username, add_token
from store.credentials import new_token, token_digest
from tests.dashboard.conftest import NoTemporal
from tests.dashboard.seed import seed


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "dashboard.request_log"]


def fields(record: logging.LogRecord) -> tuple:
    return record.method, record.route, record.status, record.user_id


def account_id(db, username: str) -> int:
    with db() as session:
        return account_by_username(session, username).id


@pytest.fixture
def request_log(caplog) -> Iterator[None]:
    caplog.set_level(logging.INFO, logger="dashboard.request_log")
    caplog.clear()
    yield


def test_a_request_logs_the_route_template_not_the_path(client, db, caplog, request_log):
    seed(db)
    assert client.get("/cases/EHC-0042").status_code == 200

    [line] = request_lines(caplog)
    assert fields(line) == ("GET", "/cases/{case_ref}", 200, account_id(db, "senco"))
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert (
        line.levelno == logging.INFO and line.getMessage() == f"GET /cases/{{case_ref}} 200 {line.duration_ms:.1f} ms"
    )
    for text in (line.getMessage(), JsonFormatter().format(line), TextFormatter().format(line)):
        assert "EHC-0042" not in text and "senco" not in text, text


def test_the_account_is_an_id_the_path_never_a_secret(make_client, db, caplog, request_log):
    seed(db)
    key, feed = new_token(), new_token()
    with db.begin() as session:
        add_token(session, digest=token_digest(key), kind="api", account_id=account_id(db, "head"))
        add_token(session, digest=token_digest(feed), kind="feed-school")
    anonymous = make_client()
    assert anonymous.get("/api/steps", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert anonymous.get(f"/feeds/{feed}.ics").status_code == 200  # the secret URL is the credential
    assert anonymous.get("/overdue", follow_redirects=False).status_code == 303  # not signed in
    assert anonymous.get("/cases-of/EHC-0042").status_code == 404  # no such route
    assert (
        anonymous.post("/processes/ehc-advice-request-EHC-0042-20270111/exempt", follow_redirects=False).status_code
        == 303
    )  # to the sign-in page

    lines = request_lines(caplog)
    assert [fields(line) for line in lines][:4] == [
        ("GET", "/api/steps", 200, account_id(db, "head")),  # an API key's account
        ("GET", "/feeds/{token}.ics", 200, None),
        ("GET", "/overdue", 303, None),
        ("GET", None, 404, None),
    ]
    assert lines[3].getMessage().startswith("GET (no route) 404 ")
    assert fields(lines[4]) == ("POST", "/processes/{workflow_id}/{name}", 303, None) and len(lines) == 5
    for line in lines:
        text = JsonFormatter().format(line)
        assert not [secret for secret in (key, feed, "EHC-0042", "head") if secret in text], text


@pytest.fixture
def process_log() -> Iterator[None]:
    """setup_logging (the dashboard's serve() calls it) changes the process's root logger: put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


def test_with_logging_json_every_line_is_one_json_object(settings, db, today, capsys, process_log):
    seed(db)
    settings = settings.model_copy(update={"logging": LoggingSettings(json=True)})
    setup_logging(settings.logging.level, settings.logging.json_lines)  # as serve() does before create_app
    app = create_app(
        settings,
        sessionmaker=db,
        today=lambda: today,
        client_factory=NoTemporal(),
        web_settings=WebSettings(session_secret="s" * 40),
    )
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/cases/EHC-0042", follow_redirects=False).status_code == 303
        logging.getLogger("dashboard.test").warning("two\nlines\u2028and a line separator", extra={"case": 1})

    err = capsys.readouterr().err
    entries = [json.loads(line) for line in err.splitlines()]  # every line parses: one record each
    assert [
        (e["method"], e["route"], e["status"], e["user_id"]) for e in entries if e["logger"] == "dashboard.request_log"
    ] == [("GET", "/healthz", 200, None), ("GET", "/cases/{case_ref}", 303, None)]
    [warning] = [e for e in entries if e["logger"] == "dashboard.test"]
    assert warning["message"] == "two\nlines\u2028and a line separator" and warning["case"] == 1
    assert "EHC-0042" not in err


def test_the_json_formatter_writes_one_object_a_line_with_time_level_logger_message_and_fields():
    record = logging.LogRecord(
        "dashboard.request_log", logging.WARNING, __file__, 1, "GET %s %d", ("/x/{y}", 500), None
    )
    record.__dict__.update(
        route="/x/{y}",
        status=500,
        since=datetime(2027, 3, 10, tzinfo=UTC),
        level="a field named like a core key is dropped",
    )
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()

    text = JsonFormatter().format(record)
    assert len(text.splitlines()) == 1 and text.isascii()
    entry = json.loads(text)
    assert list(entry) == ["time", "level", "logger", "message", "route", "status", "since", "exception"]
    assert (entry["level"], entry["logger"], entry["message"]) == ("WARNING", "dashboard.request_log", "GET /x/{y} 500")
    assert (entry["route"], entry["status"], entry["since"]) == ("/x/{y}", 500, "2027-03-10 00:00:00+00:00")
    assert entry["exception"].startswith("Traceback") and "ValueError: boom" in entry["exception"]
    written = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    assert entry["time"].endswith("Z") and written.tzinfo == UTC
    assert timedelta(0) <= datetime.fromtimestamp(record.created, UTC) - written < timedelta(milliseconds=1)
