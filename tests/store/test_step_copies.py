"""A step carries its process's school, LA, kind and case reference (migration 0011), kept by the database itself:
set when the step is written, whatever the writer gave; changed on every step when the process's change; filled in
for the rows of a database upgraded from 0010. On SQLite and PostgreSQL. Fictional case references only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text, update

from store.db import make_engine
from store.migrate import upgrade
from store.models import Process, Step
from store.recorder import record_event
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

COPIED = ("school", "la", "process_kind", "case_ref")


def copies(session_factory) -> dict[str, tuple]:
    with session_factory() as session:
        return {
            f"{s.process_id}/{s.rule_id}": (s.school, s.la, s.process_kind, s.case_ref)
            for s in session.scalars(select(Step).order_by(Step.id))
        }


def test_a_new_step_takes_its_process_values_whatever_it_was_given(session_factory) -> None:
    with session_factory.begin() as session:
        p = add_process(session, "annual-review-EHC-0042", "EHC-0042", la="Kent", kind="annual-review", school="oak")
        add_step(session, p, "review-notice", due=date(2027, 3, 1), target=date(2027, 2, 26))
        add_step(
            session, p, "review-report", due=date(2027, 4, 1), target=date(2027, 3, 30), la="Elsewhere", school="elm"
        )
    assert copies(session_factory) == {
        "annual-review-EHC-0042/review-notice": ("oak", "Kent", "annual-review", "EHC-0042"),
        "annual-review-EHC-0042/review-report": ("oak", "Kent", "annual-review", "EHC-0042"),
    }


def test_a_change_to_the_process_reaches_every_step(session_factory) -> None:
    with session_factory.begin() as session:
        p = add_process(session, "ehc-advice-request-EHC-0007", "EHC-0007", la="Medway")
        add_step(session, p, "ehc-advice", due=date(2027, 3, 1), target=date(2027, 2, 26))
        add_step(session, p, "ehc-assessment-decision", due=date(2027, 4, 1), target=date(2027, 3, 30))
        other = add_process(session, "ehc-advice-request-EHC-0008", "EHC-0008", la="Medway")
        add_step(session, other, "ehc-advice", due=date(2027, 3, 1), target=date(2027, 2, 26))
    with session_factory.begin() as session:
        session.execute(
            update(Process)
            .where(Process.workflow_id == "ehc-advice-request-EHC-0007")
            .values(la="Kent", case_ref="EHC-0007A", status="completed")
        )
    found = copies(session_factory)
    assert found["ehc-advice-request-EHC-0007/ehc-advice"] == ("default", "Kent", "ehc-advice-request", "EHC-0007A")
    assert found["ehc-advice-request-EHC-0007/ehc-assessment-decision"][1:] == (
        "Kent",
        "ehc-advice-request",
        "EHC-0007A",
    )
    assert found["ehc-advice-request-EHC-0008/ehc-advice"][1] == "Medway"  # another process's steps stay


def test_the_recorder_s_steps_carry_them_too(engine, session_factory) -> None:
    at = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)
    process = dict(
        kind="ehc-advice-request",
        case_ref="EHC-0100",
        la="Surrey",
        owner="senco",
        status="open",
        received_on=date(2027, 1, 11),
        channel="email",
    )
    step = dict(
        rule_id="ehc-advice",
        rule_version=date(2014, 9, 1),
        basis="SEND Regulations 2014 reg. 8(2)",
        anchor=date(2027, 1, 11),
        due=date(2027, 2, 22),
        target=date(2027, 2, 19),
        explanation=["fictional"],
        owner="senco",
        status="open",
        exempt=False,
    )
    with engine.begin() as connection:
        record_event(
            connection,
            key="ehc-advice-request-EHC-0100/opened",
            process_id="ehc-advice-request-EHC-0100",
            kind="process-opened",
            occurred_at=at,
            process=process,
            step=step,
            school="ash",
        )
    assert copies(session_factory) == {
        "ehc-advice-request-EHC-0100/ehc-advice": ("ash", "Surrey", "ehc-advice-request", "EHC-0100")
    }


def test_an_upgrade_from_0010_fills_them_in(database_url) -> None:
    upgrade(database_url, "0010")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO process (workflow_id, school, kind, case_ref, la, owner, status, received_on, channel,"
                    " opened_at, facts) VALUES ('pep-EHC-0300', 'elm', 'pep', 'EHC-0300', 'Essex', 'senco', 'open',"
                    " '2027-01-11', 'email', '2027-01-11 09:30:00', '{}')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO step (process_id, rule_id, instance, rule_version, basis, anchor, due, target,"
                    " explanation, owner, status, exempt) VALUES ('pep-EHC-0300', 'pep-review', 1, '2014-09-01',"
                    " 'x', '2027-01-11', '2027-03-01', '2027-02-26', '[]', 'senco', 'open', false)"
                )
            )
        upgrade(database_url)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT school, la, process_kind, case_ref FROM step")).one()
        assert tuple(row) == ("elm", "Essex", "pep", "EHC-0300")
    finally:
        engine.dispose()
