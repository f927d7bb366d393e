"""Migration 0010 (issue 25, the schools of a trust): a database made by the previous version (at 0009) upgrades with
no manual step: its processes, outbox rows and accounts are kept, each the default school's (a single-school install
is the school "default", whose workflow ids have no prefix); the record and the outbox go on writing them, and write
another school's rows beside them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import inspect, text

from store.db import make_engine, make_sessionmaker
from store.migrate import current, upgrade
from store.outbox import OutboxRepository, OutboxStatus
from store.recorder import record_event
from tests.store.test_migrations import head

WORKFLOW = "ehc-advice-request-EHC-1001-20261102"  # a single-school install's id: no school prefix
ELM_WORKFLOW = "elm~ehc-advice-request-EHC-1001-20270111"  # the same case reference at school elm


def rows_as_0009_wrote_them(url: str) -> None:
    """A process with a step and an event, a notice's outbox row, and two accounts, as the previous version wrote
    them (no school anywhere)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO process (workflow_id, kind, case_ref, la, owner, status, received_on, channel, "
                    "opened_at, facts) VALUES (:w, 'ehc-advice-request', 'EHC-1001', 'Kent', 'senco', 'open', "
                    "'2026-11-02', 'email', '2026-11-02 09:00:00', '{}')"
                ),
                {"w": WORKFLOW},
            )
            connection.execute(
                text(
                    "INSERT INTO step (process_id, rule_id, instance, rule_version, basis, anchor, due, target, "
                    "explanation, owner, status, exempt) VALUES (:w, 'ehc-advice', 1, '2014-09-01', 'reg 8(1)', "
                    "'2026-11-02', '2026-12-14', '2026-12-14', '[]', 'senco', 'open', 0)"
                ),
                {"w": WORKFLOW},
            )
            connection.execute(
                text(
                    "INSERT INTO outbox (key, notice_key, process_id, rule_id, kind, recipient, channel, subject, "
                    "body, status, attempts, scheduled_for, created_at) VALUES (:k, :n, :w, 'ehc-advice', "
                    "'assigned', 'senco', 'outbox', 'EHC-1001: assigned', 'text', 'kept', 0, "
                    "'2026-11-02 09:00:00', '2026-11-02 09:00:00')"
                ),
                {"k": f"{WORKFLOW}/n1/senco/outbox", "n": f"{WORKFLOW}/n1/senco", "w": WORKFLOW},
            )
            for username, role, staff in (("sam", "senco", "senco"), ("ann", "auditor", None)):
                connection.execute(
                    text(
                        "INSERT INTO account (username, password_hash, role, staff_id, active, created_at) "
                        "VALUES (:u, 'argon2-hash', :r, :s, 1, '2026-11-01 12:00:00')"
                    ),
                    {"u": username, "r": role, "s": staff},
                )
    finally:
        engine.dispose()


def test_a_database_at_0009_with_rows_upgrades_and_every_row_is_the_default_schools(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0009")
    rows_as_0009_wrote_them(url)
    upgrade(url)
    assert current(url) == head()  # and every later migration
    engine = make_engine(url)
    try:
        for table in ("process", "outbox"):
            columns = {c["name"]: c for c in inspect(engine).get_columns(table)}
            assert not columns["school"]["nullable"], table
        with engine.connect() as connection:
            process = connection.execute(text("SELECT workflow_id, case_ref, status, school FROM process")).one()
            step = connection.execute(text("SELECT process_id, rule_id, due FROM step")).one()
            outbox = connection.execute(text("SELECT key, recipient, status, school FROM outbox")).one()
            accounts = connection.execute(text("SELECT username, role, school FROM account ORDER BY username")).all()
        assert tuple(process) == (WORKFLOW, "EHC-1001", "open", "default")
        assert tuple(step) == (WORKFLOW, "ehc-advice", "2026-12-14")
        assert tuple(outbox) == (f"{WORKFLOW}/n1/senco/outbox", "senco", "kept", "default")
        assert [tuple(a) for a in accounts] == [("ann", "auditor", "default"), ("sam", "senco", "default")]

        # The record goes on: the default school's process keeps its school, and another school's process, with
        # the same case reference, is written beside it with its own.
        with engine.begin() as connection:
            record_event(
                connection,
                key=f"{WORKFLOW}/ehc-advice/step-completed",
                process_id=WORKFLOW,
                kind="step-completed",
                occurred_at=datetime(2027, 1, 11, 10, 0, tzinfo=UTC),
                rule_id="ehc-advice",
                process={"status": "completed", "closed": True},
                school="default",
            )
            record_event(
                connection,
                key=f"{ELM_WORKFLOW}/process-opened",
                process_id=ELM_WORKFLOW,
                kind="process-opened",
                occurred_at=datetime(2027, 1, 11, 10, 0, tzinfo=UTC),
                process={
                    "kind": "ehc-advice-request",
                    "case_ref": "EHC-1001",
                    "la": "Kent",
                    "owner": "senco",
                    "status": "open",
                    "received_on": date(2027, 1, 11),
                    "channel": "email",
                    "facts": {},
                },
                school="elm",
            )
        OutboxRepository(make_sessionmaker(engine)).ensure(
            [
                dict(
                    key=f"{ELM_WORKFLOW}/n1/senco/outbox",
                    school="elm",
                    notice_key=f"{ELM_WORKFLOW}/n1/senco",
                    process_id=ELM_WORKFLOW,
                    rule_id="ehc-advice",
                    kind="assigned",
                    recipient="senco",
                    channel="outbox",
                    subject="EHC-1001: assigned",
                    body="text",
                    status=OutboxStatus.KEPT,
                    attempts=0,
                    scheduled_for=datetime(2027, 1, 11, 10, 0, tzinfo=UTC),
                    created_at=datetime(2027, 1, 11, 10, 0, tzinfo=UTC),
                )
            ]
        )
        with engine.connect() as connection:
            schools = connection.execute(text("SELECT workflow_id, status, school FROM process ORDER BY school")).all()
            outbox_schools = connection.execute(text("SELECT school FROM outbox ORDER BY school")).scalars().all()
        assert [tuple(p) for p in schools] == [(WORKFLOW, "completed", "default"), (ELM_WORKFLOW, "open", "elm")]
        assert list(outbox_schools) == ["default", "elm"]
    finally:
        engine.dispose()


def test_the_store_says_the_default_school_as_the_workflows_do() -> None:
    """The store imports no workflows, so it writes the default school's id itself: the same word."""
    from store.queries import DEFAULT_SCHOOL as STORE_DEFAULT
    from workflows.models.common import DEFAULT_SCHOOL

    assert STORE_DEFAULT == DEFAULT_SCHOOL
