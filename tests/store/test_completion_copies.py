"""A step carries its completion record's facts (migration 0012), kept by the database itself: set when the completion
event is written (by the recorder or any other writer), or when a step is written whose completion is already there,
whatever the writer gave; filled in for the rows of a database upgraded from 0011; read only while the step is
completed. On SQLite and PostgreSQL. Fictional case references only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text, update

from store.db import make_engine
from store.migrate import upgrade
from store.models import Event, Process, Step
from store.recorder import record_event
from store.web_queries import all_steps, completion_key
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

OPENED = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)
RECORDED = datetime(2027, 3, 4, 16, 5, 7, 250000, tzinfo=UTC)
WORKFLOW = "annual-review-EHC-0500"


def copies(session_factory) -> dict[tuple[str, int], tuple]:
    with session_factory() as session:
        return {
            (s.rule_id, s.instance): (s.recorded_at, s.recorded_actor, s.recorded_by, s.meeting_held_on)
            for s in session.scalars(select(Step).order_by(Step.id))
        }


def step_fields(rule_id: str, status: str = "open", instance: int = 1, **more) -> dict:
    return dict(
        rule_id=rule_id,
        instance=instance,
        rule_version=date(2014, 9, 1),
        basis="SEND Regulations 2014 reg. 20",
        anchor=date(2027, 1, 11),
        due=date(2027, 3, 1),
        target=date(2027, 2, 26),
        explanation=["fictional"],
        owner="senco",
        status=status,
        exempt=False,
        **more,
    )


PROCESS = dict(
    kind="annual-review",
    case_ref="EHC-0500",
    la="Kent",
    owner="senco",
    status="open",
    received_on=date(2027, 1, 11),
    channel="email",
)


def test_the_recorder_s_completion_reaches_its_step_and_no_other(engine, session_factory) -> None:
    with engine.begin() as connection:
        record_event(
            connection,
            key=f"{WORKFLOW}/opened",
            process_id=WORKFLOW,
            kind="process-opened",
            occurred_at=OPENED,
            process=PROCESS,
            step=step_fields("annual-review-due"),
        )
        record_event(
            connection,
            key=f"{WORKFLOW}/annual-review-due#2/opened",
            process_id=WORKFLOW,
            kind="step-opened",
            occurred_at=OPENED,
            step=step_fields("annual-review-due", instance=2),
        )
        record_event(
            connection,
            key=f"{WORKFLOW}/review-report/opened",
            process_id=WORKFLOW,
            kind="step-opened",
            occurred_at=OPENED,
            step=step_fields("review-report"),
        )
    with engine.begin() as connection:
        record_event(
            connection,
            key=completion_key(WORKFLOW, "annual-review-due", 2),
            process_id=WORKFLOW,
            kind="completed",
            occurred_at=RECORDED,
            rule_id="annual-review-due",
            actor="senco",
            data={"recorded_by": "j.okafor", "meeting_held_on": "2027-02-24", "on": "2027-03-01"},
            step=step_fields("annual-review-due", "completed", 2, completed_on=date(2027, 3, 1), on_time=True),
        )
    found = copies(session_factory)
    assert found[("annual-review-due", 2)] == (RECORDED, "senco", "j.okafor", "2027-02-24")
    assert found[("annual-review-due", 1)] == (None, None, None, None)  # instance 1's key is another
    assert found[("review-report", 1)] == (None, None, None, None)
    with session_factory() as session:
        facts = {(s.rule_id, s.instance): s for s in all_steps(session)}
    review = facts[("annual-review-due", 2)]
    assert (review.recorded_at, review.recorded_actor, review.recorded_by) == (RECORDED, "senco", "j.okafor")
    assert review.meeting_on == date(2027, 2, 24)


def completion_event(rule_id: str, actor: str | None, data: dict) -> Event:
    """The completion event of WORKFLOW's step of `rule_id`, written as an ORM row (not by the recorder)."""
    return Event(
        key=completion_key(WORKFLOW, rule_id, 1),
        process_id=WORKFLOW,
        kind="completed",
        occurred_at=RECORDED,
        rule_id=rule_id,
        actor=actor,
        data=data,
    )


def test_a_step_written_after_its_completion_takes_it_and_a_writer_s_values_lose(session_factory) -> None:
    with session_factory.begin() as session:
        p = add_process(session, WORKFLOW, "EHC-0500", kind="annual-review")
        session.flush()
        session.add(completion_event("review-report", None, {"on": "2027-03-01"}))
        session.flush()
        add_step(
            session,
            p,
            "review-report",
            due=date(2027, 3, 1),
            target=date(2027, 2, 26),
            status="completed",
            completed_on=date(2027, 3, 1),
            recorded_actor="made-up",
            meeting_held_on="2020-01-01",
        )
        add_step(session, p, "review-notice", due=date(2027, 2, 1), target=date(2027, 1, 29), recorded_by="made-up")
    found = copies(session_factory)
    assert found[("review-report", 1)] == (RECORDED, None, None, None)
    assert found[("review-notice", 1)] == (None, None, None, None)


def test_a_step_no_longer_completed_shows_no_completion(session_factory) -> None:
    with session_factory.begin() as session:
        p = add_process(session, WORKFLOW, "EHC-0500", kind="annual-review")
        add_step(session, p, "review-report", due=date(2027, 3, 1), target=date(2027, 2, 26))
        session.flush()
        session.add(completion_event("review-report", "senco", {"recorded_by": "j.okafor"}))
    with session_factory.begin() as session:
        session.execute(update(Step).values(status="completed", completed_on=date(2027, 3, 1)))
    with session_factory() as session:
        (step,) = all_steps(session)
        assert (step.recorded_at, step.recorded_actor, step.recorded_by) == (RECORDED, "senco", "j.okafor")
    with session_factory.begin() as session:
        session.execute(update(Step).values(status="withdrawn"))
    with session_factory() as session:
        (step,) = all_steps(session)
    assert (step.recorded_at, step.recorded_actor, step.recorded_by, step.meeting_on) == (None, None, None, None)


def test_an_upgrade_from_0011_fills_them_in(database_url) -> None:
    upgrade(database_url, "0011")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO process (workflow_id, school, kind, case_ref, la, owner, status, received_on, channel,"
                    " opened_at, facts) VALUES (:w, 'elm', 'annual-review', 'EHC-0500', 'Essex', 'senco', 'open',"
                    " '2027-01-11', 'email', '2027-01-11 09:30:00', '{}')"
                ),
                {"w": WORKFLOW},
            )
            for instance, status in ((1, "completed"), (2, "completed"), (3, "open")):
                connection.execute(
                    text(
                        "INSERT INTO step (process_id, rule_id, instance, rule_version, basis, anchor, due, target,"
                        " explanation, owner, status, exempt) VALUES (:w, 'annual-review-due', :i, '2014-09-01',"
                        " 'x', '2027-01-11', '2027-03-01', '2027-02-26', '[]', 'senco', :s, false)"
                    ),
                    {"w": WORKFLOW, "i": instance, "s": status},
                )
            connection.execute(
                text(
                    "INSERT INTO event (key, process_id, rule_id, kind, occurred_at, actor, data) VALUES"
                    " (:k, :w, 'annual-review-due', 'completed', '2027-03-04 16:05:07.250000', 'senco',"
                    ' \'{"recorded_by": "j.okafor", "meeting_held_on": "2027-02-24"}\')'
                ),
                {"k": completion_key(WORKFLOW, "annual-review-due", 2), "w": WORKFLOW},
            )
        upgrade(database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT instance, recorded_at, recorded_actor, recorded_by, meeting_held_on FROM step "
                    "ORDER BY instance"
                )
            ).all()
        assert [r[0] for r in rows] == [1, 2, 3]
        assert [r[2:] for r in rows] == [(None, None, None), ("senco", "j.okafor", "2027-02-24"), (None, None, None)]
        assert rows[1][1] is not None and str(rows[1][1]).startswith("2027-03-04 16:05:07")
        assert rows[0][1] is None and rows[2][1] is None
    finally:
        engine.dispose()


def test_the_process_s_meeting_reaches_its_steps_while_open(session_factory) -> None:
    with session_factory.begin() as session:
        p = add_process(session, WORKFLOW, "EHC-0500", kind="annual-review", facts={"held_on": "2027-02-20"})
        add_step(session, p, "annual-review-due", due=date(2027, 3, 1), target=date(2027, 2, 26))
        other = add_process(session, "annual-review-EHC-0501", "EHC-0501", kind="annual-review")
        add_step(session, other, "annual-review-due", due=date(2027, 3, 1), target=date(2027, 2, 26))
    with session_factory() as session:
        held = {s.case_ref: s.process_held_on for s in session.scalars(select(Step))}
        assert held == {"EHC-0500": "2027-02-20", "EHC-0501": None}
        assert {s.case_ref: s.meeting_on for s in all_steps(session)} == {
            "EHC-0500": date(2027, 2, 20),
            "EHC-0501": None,
        }
    with session_factory.begin() as session:  # the meeting moved, then a fact that is not it changed
        session.execute(
            update(Process)
            .where(Process.workflow_id == WORKFLOW)
            .values(facts={"held_on": "2027-02-22", "short_notice": True})
        )
        session.execute(
            update(Process)
            .where(Process.workflow_id == "annual-review-EHC-0501")
            .values(facts={"short_notice": True}, la="Medway")
        )
    with session_factory() as session:
        held = {s.case_ref: s.process_held_on for s in session.scalars(select(Step))}
        assert held == {"EHC-0500": "2027-02-22", "EHC-0501": None}
    with session_factory.begin() as session:  # completed: the completion's meeting counts, not the process's
        session.execute(update(Step).values(status="completed", completed_on=date(2027, 3, 1)))
    with session_factory() as session:
        assert {s.case_ref: s.meeting_on for s in all_steps(session)} == {
            "EHC-0500": date(2027, 3, 1),  # no meeting on the completion: its date (before issue 18)
            "EHC-0501": date(2027, 3, 1),
        }
