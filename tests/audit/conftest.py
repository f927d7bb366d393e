"""Fixtures for the audit tests: committed histories (tests/histories/), settings with their own var dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings, StaffMember

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


def history_path(name: str) -> Path:
    return HISTORIES / f"{name}.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'sendclock.db'}",
                    temporal={"address": "127.0.0.1:1"},  # no Temporal: histories come from files and the archive
                    staff={"senco": StaffMember(name="S", role="senco"), "teacher": StaffMember(name="T", role="staff"),
                           "head": StaffMember(name="H", role="head")})
