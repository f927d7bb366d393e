"""Fixtures for the audit tests: committed histories (tests/histories/), settings with their own var dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import timeline
from audit.converter import data_converter
from config.settings import Settings, StaffMember
from store.models import Outbox
from store.recorder import record_event

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


def history_path(name: str) -> Path:
    return HISTORIES / f"{name}.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'sendclock.db'}",
        temporal={"address": "127.0.0.1:1"},  # no Temporal: histories come from files and the archive
        staff={
            "senco": StaffMember(name="S", role="senco"),
            "teacher": StaffMember(name="T", role="staff"),
            "head": StaffMember(name="H", role="head"),
        },
    )


def apply_history(sessions, runs, *, outbox: bool = True) -> None:
    """Write the records of a history exactly as the record activity does (activities/sendclock.py), and (`outbox`)
    the outbox rows its notices' deliveries name, as the notifier wrote them (activities/notifier.py)."""
    t = timeline.build(runs, data_converter())
    for entry in t.entries:
        r = entry.record
        with sessions.begin() as session:
            record_event(
                session,
                key=r.key,
                process_id=r.workflow_id,
                kind=r.kind,
                occurred_at=r.occurred_at,
                rule_id=r.rule_id,
                actor=r.actor,
                data=r.data,
                process=r.process.model_dump() if r.process else None,
                step=r.step.model_dump() if r.step else None,
            )
    if outbox:
        with sessions.begin() as session:
            session.add_all(outbox_rows(t))


def outbox_rows(t: timeline.Timeline) -> list[Outbox]:
    """The outbox rows a committed history's notices name (each recipient's delivery: channel and status). The
    committed histories were recorded with no channels: every notice is kept in the outbox (channel "outbox")."""
    rows = []
    for notice in t.notices:
        for told in notice.told:
            if not notice.key or told.channel in ("", "-"):
                continue
            fallback = told.channel.startswith("fallback:")
            for label in told.channel.removeprefix("fallback:").split("+"):
                notice_key = notice.notice_key(told.recipient)
                rows.append(
                    Outbox(
                        key=f"{notice_key}/{'fallback' if fallback else label}",
                        notice_key=notice_key,
                        process_id=t.workflow_id,
                        rule_id=notice.rule_id,
                        kind=notice.kind or "reminder",
                        recipient="senco" if fallback else told.recipient,
                        channel=label,
                        subject=f"{t.case_ref}: {notice.kind}",
                        body="(as rendered)",
                        status={"fallback": "sent", "skipped": "sent"}.get(told.status, told.status),
                        attempts=0,
                        scheduled_for=notice.at,
                        created_at=notice.at,
                        fallback_for=f"{notice_key}/email" if fallback else None,
                    )
                )
    return rows
