"""Fixtures for the dashboard tests: a migrated SQLite file, settings built in the test, a fixed today."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings, StaffMember
from dashboard.app import create_app
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade

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
        },
        temporal={"ui_url": "http://temporal.example.org:8233/", "namespace": "school-ns"},
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[sessionmaker[Session]]:
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def client(settings: Settings, db: sessionmaker[Session], today: date) -> Iterator[TestClient]:
    with TestClient(create_app(settings, sessionmaker=db, today=lambda: today)) as client:
        yield client
