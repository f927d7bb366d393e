"""A record the database refuses (here: not migrated; in production: unreachable) fails with a short, retryable
error that names the cause and carries neither the SQL nor its parameters (notes typed by staff) into Temporal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.sendclock import SendclockActivities
from config.settings import Settings
from store.db import make_engine, make_sessionmaker
from workflows.models import RecordInput


def test_an_unreachable_database_gives_a_short_retryable_failure(tmp_path):
    url = f"sqlite:///{tmp_path}/sendclock.db"  # never migrated: no tables
    settings = Settings(var_dir=tmp_path, database_url=url)
    activities = SendclockActivities(settings, make_sessionmaker(make_engine(url)))
    workflow_id = "ehc-advice-request-EHC-0001-20270111"
    entry = RecordInput(
        key=f"{workflow_id}/note",
        workflow_id=workflow_id,
        kind="note",
        occurred_at=datetime(2027, 1, 11, 9, tzinfo=UTC),
        data={"note": "Fictional Pupil has dyslexia"},
    )
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(activities.record, entry)
    failure = raised.value
    assert failure.type == "DatabaseError" and not failure.non_retryable
    assert failure.message.startswith("database: OperationalError: no such table")
    assert len(failure.message) < 400 and "Fictional" not in failure.message and "INSERT" not in failure.message
    assert failure.__cause__ is None
