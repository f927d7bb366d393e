"""Fixtures for the dashboard tests: a migrated SQLite file, settings built in the test, a fixed today, accounts of
each role, and a client signed in as the SENCO (`client`) or as any role (`client_as`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings, StaffMember
from dashboard.app import create_app
from dashboard.web_settings import WebSettings
from store.accounts_queries import add_account
from store.db import make_engine, make_sessionmaker
from tests.db import migrate
from tests.helpers import quick_password_hash

PASSWORD = "correct horse battery"
# username: (role, staff id)
ACCOUNTS = {
    "senco": ("senco", "senco"),
    "head": ("leadership", "head"),
    "ta": ("staff", "ta"),
    "auditor": ("auditor", None),
}
_HASH = quick_password_hash(PASSWORD)  # argon2 at its least cost: see tests/helpers.py


@pytest.fixture
def today() -> date:
    """The fixed date the pages are rendered on (test modules may override this fixture)."""
    return date(2027, 3, 10)


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
        temporal={"ui_url": "http://temporal.example.org:8233/", "namespace": "school-ns"},
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[sessionmaker[Session]]:
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    with maker.begin() as session:
        for username, (role, staff_id) in ACCOUNTS.items():
            add_account(session, username=username, password_hash=_HASH, role=role, staff_id=staff_id)
    yield maker
    engine.dispose()


class NoTemporal:
    """A client factory that fails the test if anything tries to reach Temporal (bad input must not)."""

    calls = 0

    async def __call__(self):
        NoTemporal.calls += 1
        raise AssertionError("Temporal was contacted")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def make_client(settings: Settings, db: sessionmaker[Session], today: date) -> Iterator[Callable[..., TestClient]]:
    """make_client(username=None, **create_app kwargs): a TestClient on a new app, signed in as `username`."""
    clients: list[TestClient] = []

    def make(username: str | None = None, **kwargs) -> TestClient:
        kwargs.setdefault("client_factory", NoTemporal())
        kwargs.setdefault("web_settings", WebSettings(session_secret="s" * 40))
        client = TestClient(create_app(settings, sessionmaker=db, today=lambda: today, **kwargs))
        client.__enter__()
        clients.append(client)
        return sign_in(client, username) if username else client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    """Signed in as the SENCO (who may do everything)."""
    return make_client("senco")


@pytest.fixture
def client_as(make_client) -> Callable[[str], TestClient]:
    return make_client
