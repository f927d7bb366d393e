"""Prepared statements (store/prepared.py): the same rows as SQLAlchemy's own execution writes, the column defaults
it fills in, and its errors, without the parameters (notes typed by staff) in them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from store.models import Process, Step
from store.prepared import Prepared

pytestmark = pytest.mark.databases

PROCESS, STEP = Process.__table__, Step.__table__
WHEN = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 BST, half an hour after the clocks went forward
ROW = dict(
    workflow_id="p-1",
    kind="ehc-advice-request",
    case_ref="EHC-P1",
    la="Kent",
    owner="senco",
    received_on=date(2027, 2, 28),
    channel="email",
    opened_at=WHEN,
)


def test_an_insert_writes_what_sqlalchemy_reads_back_with_the_tables_defaults(engine):
    with engine.begin() as connection:
        assert Prepared(insert(PROCESS)).execute(connection, ROW) == 1
    with engine.connect() as connection:
        row = connection.execute(select(PROCESS).where(PROCESS.c.workflow_id == "p-1")).one()
    assert row.opened_at == WHEN  # UTCDateTime: stored as naive UTC, read back aware
    assert row.received_on == date(2027, 2, 28)
    assert (row.status, row.facts, row.closed_at) == ("open", {}, None)  # the model's Python-side defaults


def test_an_update_counts_its_rows_and_a_query_returns_its_first_row_or_none(engine):
    with engine.begin() as connection:
        Prepared(insert(PROCESS)).execute(connection, ROW)
        step = dict(
            process_id="p-1",
            rule_id="reg8-advice",
            rule_version=date(2014, 9, 1),
            basis="received",
            anchor=date(2027, 2, 28),
            due=date(2027, 4, 11),
            target=date(2027, 4, 11),
            explanation=["six weeks from the request", "Sunday: the Friday before"],
            owner="senco",
        )
        Prepared(insert(STEP)).execute(connection, step)
        close = Prepared(update(STEP).where(STEP.c.process_id == bindparam("p"), STEP.c.rule_id == bindparam("r")))
        assert close.execute(connection, {"p": "p-1", "r": "reg8-advice", "status": "completed"}) == 1
        assert close.execute(connection, {"p": "p-2", "r": "reg8-advice", "status": "completed"}) == 0
        latest = Prepared(
            select(STEP.c.status, STEP.c.instance, STEP.c.explanation)
            .where(STEP.c.process_id == bindparam("p"))
            .order_by(STEP.c.id.desc())
            .limit(1)
        )
        status, instance, _ = latest.first(connection, {"p": "p-1"})
        assert (status, instance) == ("completed", 1)  # instance: the column's default; the LIMIT as compiled
        assert latest.first(connection, {"p": "nobody"}) is None
    with engine.connect() as connection:
        assert connection.execute(select(STEP.c.explanation)).scalar() == [
            "six weeks from the request",
            "Sunday: the Friday before",
        ]  # JSON through the column's processor


def test_a_failure_is_sqlalchemys_error_and_does_not_carry_the_values(engine):
    with engine.begin() as connection:
        Prepared(insert(PROCESS)).execute(connection, ROW)
    with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        Prepared(insert(PROCESS)).execute(connection, {**ROW, "case_ref": "EHC-SECRET"})
    assert "EHC-SECRET" not in str(raised.value)
    with pytest.raises(DBAPIError), engine.begin() as connection:  # and the transaction is rolled back as usual
        Prepared(insert(PROCESS)).execute(connection, {**ROW, "workflow_id": "p-2"})
        Prepared(text("SELECT id FROM no_such_table WHERE id = :i")).first(connection, {"i": 1})
    with engine.connect() as connection:
        assert connection.execute(select(PROCESS.c.case_ref)).scalars().all() == ["EHC-P1"]
