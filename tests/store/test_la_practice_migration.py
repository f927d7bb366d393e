"""Migration 0009 (issue 25, LA profiles): a database made by the previous version gains `step.la_practice_due` and
`step.la_practice_note`, its rows kept with neither (the law alone); the record writes them; a downgrade drops them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from store.db import make_engine
from store.migrate import alembic_config, current, upgrade
from store.recorder import record_event
from tests.store.test_migrations import head

WORKFLOW = "annual-review-AR-0901"


def insert_a_step_as_0008_wrote_it(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO process (workflow_id, kind, case_ref, la, owner, status, received_on, channel, "
                    "opened_at, facts) VALUES (:w, 'annual-review', 'AR-0901', 'Kent', 'senco', 'open', "
                    "'2026-03-10', 'email', '2026-03-10 09:00:00', '{}')"
                ),
                {"w": WORKFLOW},
            )
            connection.execute(
                text(
                    "INSERT INTO step (process_id, rule_id, instance, rule_version, basis, anchor, due, target, "
                    "explanation, owner, status, exempt) VALUES (:w, 'review-advice-circulation', 1, '2014-09-01', "
                    "'reg 20(4)', '2027-03-17', '2027-03-02', '2027-03-02', '[]', 'senco', 'open', 0)"
                ),
                {"w": WORKFLOW},
            )
    finally:
        engine.dispose()


def test_a_database_from_the_previous_version_upgrades_keeping_its_steps_with_the_law_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0008")
    insert_a_step_as_0008_wrote_it(url)
    upgrade(url)
    assert current(url) == head()  # and every later migration
    engine = make_engine(url)
    try:
        columns = {c["name"]: c for c in inspect(engine).get_columns("step")}
        assert columns["la_practice_due"]["nullable"] and columns["la_practice_note"]["nullable"]
        with engine.connect() as connection:
            row = connection.execute(text("SELECT rule_id, due, la_practice_due, la_practice_note FROM step")).one()
        assert tuple(row) == ("review-advice-circulation", "2027-03-02", None, None)

        with engine.begin() as connection:  # the next record of the step carries the LA's practice date
            record_event(
                connection,
                key=f"{WORKFLOW}/review-advice-circulation/step-rescheduled/1",
                process_id=WORKFLOW,
                kind="step-rescheduled",
                occurred_at=datetime(2027, 1, 11, 9, tzinfo=UTC),
                rule_id="review-advice-circulation",
                step={
                    "rule_id": "review-advice-circulation",
                    "instance": 1,
                    "due": date(2027, 3, 2),
                    "target": date(2027, 2, 2),
                    "la_practice_due": date(2027, 2, 2),
                    "la_practice_note": "Kent asks for the advice 6 weeks before the meeting, by Tue 2 Feb 2027: the "
                    "LA's practice, not the law.",
                },
            )
        with engine.connect() as connection:
            row = connection.execute(text("SELECT due, target, la_practice_due FROM step")).one()
        assert tuple(row) == ("2027-03-02", "2027-02-02", "2027-02-02")
    finally:
        engine.dispose()

    command.downgrade(alembic_config(url), "0008")
    engine = make_engine(url)
    try:
        assert "la_practice_due" not in {c["name"] for c in inspect(engine).get_columns("step")}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT rule_id, due FROM step")).all() == [
                ("review-advice-circulation", "2027-03-02")
            ]
    finally:
        engine.dispose()
