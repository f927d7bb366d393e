"""The SEN register upload (dashboard/register_view.py), the SENCO's only: the form with the template, a file checked
(its problems by line, a refused column, or what the import would do, with nothing started), and on the live stack
(tests/web/conftest.py: the dev server, a worker, uvicorn) the import confirmed and done. Staff and leadership get
403; a post without the form's CSRF token too. Case references REGW- belong to this file."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from config.settings import Settings, StaffMember
from dashboard.app import create_app
from dashboard.register_view import carried, uncarried
from dashboard.web_settings import WebSettings
from statutory.clock import local_date
from store.accounts_queries import add_account
from store.db import make_engine, make_sessionmaker
from store.models import Process
from tests.db import migrate
from tests.helpers import quick_password_hash
from tests.register.generate import fictional_register
from tests.web.conftest import PASSWORD

TODAY = date(2027, 3, 11)
ACCOUNTS = {"senco": ("senco", "senco"), "head": ("leadership", "head"), "ta": ("staff", "ta")}
STAFF = ("senco", "ta")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} on the page"
    return found.group(1)


def text_of(html: str) -> str:
    """The page's text, tags and runs of spaces dropped (for sentences split over markup)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


class NoTemporal:
    async def __call__(self):
        raise AssertionError("Temporal was contacted")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco", email="senco@example.org"),
            "head": StaffMember(name="Jo Example (Head)", role="head", email="head@example.org"),
            "ta": StaffMember(name="Sam Example (TA)", role="staff", email="ta@example.org"),
        },
    )


@pytest.fixture
def client_as(settings: Settings) -> Iterator[Callable[[str], TestClient]]:
    """A TestClient on a new app (no Temporal: nothing may start), signed in as the account given."""
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    with maker.begin() as session:
        for username, (role, staff_id) in ACCOUNTS.items():
            add_account(
                session, username=username, password_hash=quick_password_hash(PASSWORD), role=role, staff_id=staff_id
            )
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        app = create_app(
            settings,
            sessionmaker=maker,
            today=lambda: TODAY,
            client_factory=NoTemporal(),
            web_settings=WebSettings(session_secret="r" * 40),
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        token = csrf_of(client.get("/login").text)
        signed = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert signed.status_code == 303, signed.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
    engine.dispose()


def upload(client: TestClient, text: str | bytes, *, skip_bad: bool = False) -> httpx.Response:
    token = csrf_of(client.get("/import/register").text)
    data = {"csrf_token": token} | ({"skip_bad": "yes"} if skip_bad else {})
    body = text.encode() if isinstance(text, str) else text
    return client.post("/import/register", data=data, files={"file": ("register.csv", body, "text/csv")})


def test_the_senco_gets_the_form_with_the_template_and_a_link_in_the_menu(client_as) -> None:
    senco = client_as("senco")
    page = senco.get("/import/register")
    assert page.status_code == 200
    assert '<a href="/import/register" aria-current="page">Import register</a>' in page.text
    assert "case_ref,sen_code,la,plan_date,year_group,key_worker,looked_after,initials" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    template = senco.get("/import/register/template.csv")
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    assert template.text.splitlines()[0] == "case_ref,sen_code,la,plan_date,year_group,key_worker,looked_after,initials"
    assert "attachment" in template.headers["content-disposition"]
    assert "Import register" not in client_as("head").get("/overdue").text


def test_the_senco_uploads_a_register_and_sees_what_it_would_do_with_nothing_started(client_as) -> None:
    text = fictional_register(20, today=TODAY, key_workers=STAFF, prefix="REGW")
    page = upload(client_as("senco"), text)
    assert page.status_code == 200, page.text
    words = text_of(page.text)
    assert "20 pupils read:" in words and "What the import would do" in words
    assert re.search(r"Would start \d+ processes and end nothing\. Nothing has been started or ended yet\.", words)
    assert "REGW-0001" in words and "Start the EHC plan's annual review" in words
    assert '<button type="submit">Import</button>' in page.text
    assert uncarried(hidden(page.text, "data")) == text.encode()


def test_bad_rows_are_shown_by_line_and_nothing_can_be_imported(client_as) -> None:
    lines = fictional_register(10, today=TODAY, key_workers=STAFF, prefix="REGW").splitlines()
    lines[3] = "REGW-0003,S,,,7,,no,"
    lines[6] = "REGW-0006,E,,,7,,no,"
    lines[9] = "REGW-0009,K,,,7,nobody,maybe,"
    page = upload(client_as("senco"), "\n".join(lines) + "\n")
    assert page.status_code == 422
    words = text_of(page.text)
    assert "3 rows have problems: nothing was imported" in words
    assert all(f"Line {n}" in words for n in (4, 7, 10)) and "Line 2 " not in words
    assert "nobody" not in words and "maybe" not in words and 'name="data"' not in page.text

    skipped = upload(client_as("senco"), "\n".join(lines) + "\n", skip_bad=True)
    assert skipped.status_code == 200
    assert "Rows skipped, and why" in skipped.text and '<button type="submit">Import</button>' in skipped.text
    assert hidden(skipped.text, "skip_bad") == "yes"


def test_a_column_of_personal_data_refuses_the_file(client_as) -> None:
    page = upload(client_as("senco"), "case_ref,sen_code,DOB\nREGW-0001,K,01/02/2015\n")
    assert page.status_code == 422
    assert "sendclock does not read or store dates of birth: remove the column 'DOB'" in text_of(page.text)
    assert "01/02/2015" not in page.text
    big = upload(client_as("senco"), b"case_ref,sen_code\n" + b"A" * (1024 * 1024))
    assert big.status_code == 422 and "larger than 1 MB" in big.text
    senco = client_as("senco")
    none = senco.post("/import/register", data={"csrf_token": csrf_of(senco.get("/import/register").text)})
    assert none.status_code == 422 and "Choose the register's CSV file." in text_of(none.text)


def test_staff_and_leadership_may_not_import_and_a_post_needs_its_csrf_token(client_as) -> None:
    for username in ("ta", "head"):
        client = client_as(username)
        assert client.get("/import/register").status_code == 403
        assert client.get("/import/register/template.csv").status_code == 403
        token = csrf_of(client.get("/overdue").text)
        posted = client.post(
            "/import/register", data={"csrf_token": token}, files={"file": ("r.csv", b"case_ref,sen_code\nA,K\n")}
        )
        assert posted.status_code == 403
    senco = client_as("senco")
    no_token = senco.post("/import/register", files={"file": ("r.csv", b"case_ref,sen_code\nREGW-1,K\n")})
    assert no_token.status_code == 403


def test_a_confirmation_whose_plan_has_changed_shows_the_new_plan_and_starts_nothing(client_as) -> None:
    senco = client_as("senco")
    text = "case_ref,sen_code\nREGW-0001,K\n"
    preview = upload(senco, text)
    token = csrf_of(preview.text)
    stale = senco.post(
        "/import/register/confirm", data={"csrf_token": token, "data": carried(text.encode()), "digest": "0" * 64}
    )
    assert stale.status_code == 200 and "What is running has changed since the file was checked" in stale.text
    lost = senco.post("/import/register/confirm", data={"csrf_token": token, "data": "not the file", "digest": ""})
    assert lost.status_code == 422 and "choose it again" in lost.text


# --- on the live stack ----------------------------------------------------------------------------------------------


@pytest.mark.devserver
def test_the_senco_confirms_the_import_and_sees_what_was_done(live) -> None:
    today = local_date(datetime.now(UTC))
    text = fictional_register(8, today=today, key_workers=("senco", "head"), prefix="REGW")
    with httpx.Client(base_url=live.url, timeout=120) as http:
        token = csrf_of(http.get("/login").text)
        signed = http.post("/login", data={"username": "senco", "password": PASSWORD, "csrf_token": token})
        assert signed.status_code in (200, 303)
        token = csrf_of(http.get("/import/register").text)
        preview = http.post(
            "/import/register", data={"csrf_token": token}, files={"file": ("register.csv", text.encode(), "text/csv")}
        )
        assert preview.status_code == 200, preview.text
        confirm = {name: hidden(preview.text, name) for name in ("csrf_token", "data", "digest")}
        done = http.post("/import/register/confirm", data=confirm)
        assert done.status_code == 200, done.text
        words = text_of(done.text)
        started = re.search(r"Started (\d+) processes; 0 already running; nothing ended\.", words)
        assert started, words
        again = http.post("/import/register/confirm", data=confirm)  # the same file: now nothing to do
        assert "Nothing to start or end" in text_of(again.text)
    with live.sessionmaker() as session:
        rows = list(session.scalars(select(Process).where(Process.case_ref.startswith("REGW-"))))
    assert len(rows) == int(started.group(1)) and {p.status for p in rows} == {"open"}
