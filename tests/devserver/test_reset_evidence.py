"""Every run counts (issue 21, finding 1): a Temporal reset that undoes a late completion cannot make the record look
clean. On the real dev server: an advice request sent late and closed, then reset (as `temporal workflow reset` or
the UI's Reset button would, updates not reapplied) to before the completion. The current run is open again; `audit
verify` names the completion the reset removed, replay says the history was rewritten, and the report marks it."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, ResetReapplyExcludeType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import WorkflowExecutionStatus

from statutory.clock import local_date
from store.models import Event, Outbox
from tests.devserver.conftest import sendclock

pytestmark = pytest.mark.devserver


async def test_a_reset_that_undoes_a_late_completion_is_flagged(devserver, stack_env, worker_process, tmp_path: Path):
    stack_env = {**stack_env, "SENDCLOCK_TEMPORAL__RECONCILE_SECONDS": "2"}
    worker_process.env = stack_env
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    today = local_date(datetime.now(UTC))
    received = today - timedelta(days=50)  # six weeks (42 days) have passed: sending today is 8 days late
    started = sendclock(
        stack_env,
        "advice",
        "start",
        "--case",
        "EHC-R0301",
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--owner",
        "senco",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    workflow_id = json.loads(started.stdout)["workflow_id"]
    sent = sendclock(stack_env, "advice", "sent", "--case", "EHC-R0301", "--date", today.isoformat(), "--by", "senco")
    assert sent.returncode == 0, sent.stderr
    client = devserver.client
    handle = client.get_workflow_handle(workflow_id)
    await handle.result()
    assert sendclock(stack_env, "audit", "verify").returncode == 0

    # Reset to the workflow task that accepted the "sent" update, without reapplying it: the completion is undone.
    history = await handle.fetch_history()
    accepted = [
        e.event_id for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ][-1]
    task = max(
        e.event_id
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED and e.event_id < accepted
    )
    await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
            reason="tidy the record",
            workflow_task_finish_event_id=task,
            request_id=str(uuid.uuid4()),
            reset_reapply_exclude_types=[
                ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
                ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE,
            ],
        )
    )
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING  # open again, as if never sent

    # The reconcile job finds a closed process running again: recorded once, and the SENCO told.
    engine = create_engine(stack_env["SENDCLOCK_DATABASE_URL"])
    deadline = time.monotonic() + 45
    while True:
        with Session(engine) as session:
            found = list(
                session.scalars(
                    select(Event).where(Event.process_id == workflow_id, Event.kind == "process-reset-outside")
                )
            )
            told = list(
                session.scalars(select(Outbox).where(Outbox.subject == "EHC-R0301: process reset outside sendclock"))
            )
        if found and told:
            break
        assert time.monotonic() < deadline, "the reset was not found by the reconcile job"
        time.sleep(0.5)
    assert "runs again in Temporal after a reset on" in found[0].data["what"]
    assert [row.recipient for row in told] == ["senco"]

    verified = sendclock(stack_env, "audit", "verify")
    assert verified.returncode == 3, verified.stdout + verified.stderr
    removed = [line for line in verified.stdout.splitlines() if "is not in the current history" in line]
    assert any("the 'completed' record of" in line for line in removed), verified.stdout
    assert "step ehc-advice: status is 'completed' in the database, 'open' in the history" in verified.stdout
    assert any('reason given: "tidy the record"' in line for line in removed), verified.stdout

    replayed = sendclock(stack_env, "audit", "replay", workflow_id)
    assert "WARNING: The history was rewritten from event" in replayed.stdout, replayed.stdout + replayed.stderr
    assert "REMOVED BY A RESET" in replayed.stdout

    report = tmp_path / "report.html"
    made = sendclock(stack_env, "audit", "report", "EHC-R0301", "--out", str(report))
    assert made.returncode == 0, made.stdout + made.stderr
    html = report.read_text()
    assert "History rewritten." in html and "Removed from the current history by a reset:" in html


async def test_edits_to_open_and_unarchived_processes_are_named(devserver, stack_env, worker_process):
    """Finding 2: on a copy of the database, (a) an open step's due date moved on, (b) a record deleted and the chain
    recomputed with the project's own event_hash, (c) a closed case deleted before the archive ran: each is named."""
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.orm import Session

    from store.models import Event
    from store.recorder import GENESIS, event_hash

    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    today = local_date(datetime.now(UTC))
    for case, days in (("EHC-R0401", 10), ("EHC-R0402", 12), ("EHC-R0403", 5)):
        started = sendclock(
            stack_env,
            "advice",
            "start",
            "--case",
            case,
            "--la",
            "Kent",
            "--received",
            (today - timedelta(days=days)).isoformat(),
            "--owner",
            "senco",
        )
        assert started.returncode == 0, started.stderr
    done = sendclock(stack_env, "advice", "sent", "--case", "EHC-R0403", "--date", today.isoformat(), "--by", "senco")
    assert done.returncode == 0, done.stderr
    assert sendclock(stack_env, "audit", "verify").returncode == 0

    engine = create_engine(stack_env["SENDCLOCK_DATABASE_URL"])
    with engine.begin() as c:
        c.exec_driver_sql("DROP TRIGGER event_no_update")
        c.exec_driver_sql("DROP TRIGGER event_no_delete")
        # (a) an overdue-looking open step moved a month on
        c.execute(text("UPDATE step SET due = date(due, '+1 month') WHERE process_id LIKE '%EHC-R0402%'"))
        # (b) a record deleted (the first case's), and every hash after it recomputed so the chain itself checks out
        c.execute(text("DELETE FROM event WHERE process_id LIKE '%EHC-R0401%' AND kind = 'step-opened'"))
        c.exec_driver_sql("PRAGMA foreign_keys=ON")
        # (c) a closed case deleted (before the hourly archive has copied its history)
        c.execute(text("DELETE FROM process WHERE case_ref = 'EHC-R0403'"))
    with Session(engine) as session:
        prev = GENESIS
        for row in session.scalars(select(Event).order_by(Event.id)):
            row_hash = event_hash(
                prev,
                key=row.key,
                process_id=row.process_id,
                kind=row.kind,
                occurred_at=row.occurred_at,
                rule_id=row.rule_id,
                actor=row.actor,
                data=row.data,
            )
            session.execute(
                text("UPDATE event SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": row_hash, "i": row.id},
            )
            prev = row_hash
        session.commit()

    verified = sendclock(stack_env, "audit", "verify")
    assert verified.returncode == 3, verified.stdout + verified.stderr
    out = verified.stdout
    assert "EHC-R0402" in out and "step ehc-advice: due is" in out  # (a)
    assert "the step-opened event of" in out and "has no row in the database (deleted?)" in out  # (b) the row
    assert "the chain was recomputed" in out  # (b) the rows after it no longer match the hashes in history
    assert "EHC-R0403" in out or "ehc-advice-request-EHC-R0403" in out  # (c)
    assert "Temporal has this process, but the database has no process row (deleted?)" in out
