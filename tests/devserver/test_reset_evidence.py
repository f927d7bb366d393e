"""Every run counts (issue 21, finding 1): a Temporal reset that undoes a late completion cannot make the record look
clean. On the real dev server: an advice request sent late and closed, then reset (as `temporal workflow reset` or
the UI's Reset button would, updates not reapplied) to before the completion. The current run is open again; `audit
verify` names the completion the reset removed, replay says the history was rewritten, and the report marks it."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, ResetReapplyExcludeType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import WorkflowExecutionStatus

from statutory.clock import local_date

from tests.devserver.conftest import sendclock

pytestmark = pytest.mark.devserver


async def test_a_reset_that_undoes_a_late_completion_is_flagged(devserver, stack_env, worker_process, tmp_path: Path):
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    today = local_date(datetime.now(timezone.utc))
    received = today - timedelta(days=50)  # six weeks (42 days) have passed: sending today is 8 days late
    started = sendclock(stack_env, "advice", "start", "--case", "EHC-R0301", "--la", "Kent", "--received",
                        received.isoformat(), "--owner", "senco", "--json")
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
    accepted = [e.event_id for e in history.events
                if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED][-1]
    task = max(e.event_id for e in history.events
               if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED and e.event_id < accepted)
    await client.workflow_service.reset_workflow_execution(ResetWorkflowExecutionRequest(
        namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow_id),
        reason="tidy the record", workflow_task_finish_event_id=task, request_id=str(uuid.uuid4()),
        reset_reapply_exclude_types=[ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
                                     ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE]))
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING  # open again, as if never sent

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
