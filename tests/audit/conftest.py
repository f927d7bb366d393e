"""Fixtures for the audit tests: committed histories (tests/histories/), settings with their own var dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import timeline
from audit.converter import data_converter
from config.settings import Settings, StaffMember
from store.recorder import record_event

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


def history_path(name: str) -> Path:
    return HISTORIES / f"{name}.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'sendclock.db'}",
                    temporal={"address": "127.0.0.1:1"},  # no Temporal: histories come from files and the archive
                    staff={"senco": StaffMember(name="S", role="senco"), "teacher": StaffMember(name="T", role="staff"),
                           "head": StaffMember(name="H", role="head")})


def apply_history(sessions, runs) -> None:
    """Write the records of a history exactly as the record activity does (activities/sendclock.py)."""
    for entry in timeline.build(runs, data_converter()).entries:
        r = entry.record
        with sessions.begin() as session:
            record_event(session, key=r.key, process_id=r.workflow_id, kind=r.kind, occurred_at=r.occurred_at,
                         rule_id=r.rule_id, actor=r.actor, data=r.data,
                         process=r.process.model_dump() if r.process else None,
                         step=r.step.model_dump() if r.step else None)
