"""Nobody can quietly stop a statutory clock (issue 20): a process terminated in Temporal, outside sendclock, is
found by the reconcile schedule within its interval on the real dev server; the CLI, `audit verify` and the SENCO's
notice all say so; `sendclock process resume` brings its steps back, and they work."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowExecutionStatus

from statutory.clock import local_date
from store.models import Event, Outbox, Process
from tests.devserver.conftest import sendclock

pytestmark = pytest.mark.devserver

RECONCILE_SECONDS = 2


def _wait(check, seconds: float = 45.0):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "not within the wait"
        time.sleep(0.5)


async def test_a_terminated_process_is_found_reported_and_resumed(devserver, stack_env, worker_process, tmp_path):
    env = {**stack_env, "SENDCLOCK_TEMPORAL__RECONCILE_SECONDS": str(RECONCILE_SECONDS)}
    worker_process.env = env
    assert sendclock(env, "db", "upgrade").returncode == 0
    worker_process.start()
    today = local_date(datetime.now(UTC))
    received = today - timedelta(days=3)
    started = sendclock(
        env,
        "advice",
        "start",
        "--case",
        "EHC-R0201",
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
    client = devserver.client
    handle = client.get_workflow_handle(workflow_id)

    # What the Temporal Web UI's terminate button does: the frontend's TerminateWorkflowExecution.
    await handle.terminate(reason="tidying up old workflows")
    engine = create_engine(env["SENDCLOCK_DATABASE_URL"])

    def stopped() -> Process | None:
        with Session(engine) as session:
            process = session.get(Process, workflow_id)
            return process if process.status == "stopped" else None

    process = _wait(stopped)
    assert "terminated in Temporal" in process.outcome and "tidying up old workflows" in process.outcome

    listed = sendclock(env, "list")
    assert listed.returncode == 0, listed.stderr
    assert "1 process(es) stopped outside sendclock" in listed.stdout
    assert "sendclock process resume --case EHC-R0201" in listed.stdout
    assert "STOPPED outside sendclock: no reminders" in listed.stdout
    assert json.loads(sendclock(env, "list", "--json").stdout)[0]["stopped_outside_sendclock"] is True

    verified = sendclock(env, "audit", "verify")
    assert verified.returncode != 0
    assert "EHC-R0201: Stopped outside sendclock: terminated in Temporal" in verified.stdout, verified.stdout

    with Session(engine) as session:
        [event] = session.scalars(
            select(Event).where(Event.process_id == workflow_id, Event.kind == "process-stopped-outside")
        )
        assert event.data["temporal_status"] == "terminated" and event.data["reason"] == "tidying up old workflows"
        assert event.hash is not None  # in the audit chain
        notices = list(session.scalars(select(Outbox).where(Outbox.kind == "stopped")))
    assert [n.recipient for n in notices] == ["senco"]
    assert notices[0].subject == "EHC-R0201: process stopped outside sendclock"
    assert "sendclock process resume --case EHC-R0201" in notices[0].body
    assert "Its open steps no longer send reminders or escalations:" in notices[0].body

    time.sleep(RECONCILE_SECONDS * 2)  # later runs find it again, but record and tell nothing twice
    with Session(engine) as session:
        assert len(list(session.scalars(select(Event).where(Event.kind == "process-stopped-outside")))) == 1
        assert len(list(session.scalars(select(Outbox).where(Outbox.kind == "stopped")))) == 1

    resumed = sendclock(env, "process", "resume", "--case", "EHC-R0201")
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed the ehc advice request for EHC-R0201 (Kent)" in resumed.stdout
    assert "send reminders again" in resumed.stdout
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    with Session(engine) as session:
        assert session.get(Process, workflow_id).status == "open"
    again = sendclock(env, "process", "resume", "--case", "EHC-R0201")
    assert again.returncode == 0 and again.stdout.startswith("Nothing to resume"), again.stdout + again.stderr
    assert "stopped outside sendclock" not in sendclock(env, "list").stdout

    # The carried step is live: recording it works and closes the process.
    sent = sendclock(env, "advice", "sent", "--case", "EHC-R0201", "--date", today.isoformat(), "--by", "senco")
    assert sent.returncode == 0, sent.stderr
    await handle.result()
    verified = sendclock(env, "audit", "verify")
    # The audit reads both runs (the reset copy after the run it was reset from): each record's first write wins.
    assert verified.returncode == 0, verified.stdout + verified.stderr
    replayed = sendclock(env, "audit", "replay", workflow_id)  # both runs replay against today's code
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "Traceback" not in (tmp_path / "worker.log").read_text()


async def test_a_reset_outside_sendclock_is_named_by_audit_verify(devserver, stack_env, worker_process):
    """A reset in the Temporal UI leaves the workflow running (the reconcile job has nothing to mark), but it
    replays the steps after the reset point: `audit verify` names it, unless sendclock's resume recorded it."""
    import uuid

    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.enums.v1 import EventType
    from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest

    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    received = local_date(datetime.now(UTC)) - timedelta(days=1)
    started = sendclock(
        stack_env,
        "advice",
        "start",
        "--case",
        "EHC-R0202",
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
    client = devserver.client
    assert sendclock(stack_env, "audit", "verify").returncode == 0

    history = await client.get_workflow_handle(workflow_id).fetch_history()
    task = [e.event_id for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED][-1]
    await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
            reason="clicked reset",
            workflow_task_finish_event_id=task,
            request_id=str(uuid.uuid4()),
        )
    )

    verified = sendclock(stack_env, "audit", "verify")
    assert verified.returncode != 0
    assert "EHC-R0202: reset in Temporal on" in verified.stdout and "outside sendclock" in verified.stdout
