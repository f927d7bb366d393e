"""A SENCO's day on the real dev server (SQLite file): start a request, list it, the worker crashes mid-wait and is
restarted, the advice is recorded as sent. The CLI runs as a separate process, as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from statutory.clock import fmt, local_date
from tests.devserver.conftest import sendclock
from workflows.ehc_advice import EhcAdviceRequest

pytestmark = pytest.mark.devserver


async def test_start_list_crash_restart_and_record_sent(devserver, stack_env, worker_process):
    today = local_date(datetime.now(UTC))
    received = today - timedelta(days=3)
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()

    started = sendclock(
        stack_env,
        "advice",
        "start",
        "--case",
        "EHC-0101",
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--owner",
        "senco",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    first = json.loads(started.stdout)
    assert first["created"] is True and first["due"] == (received + timedelta(weeks=6)).isoformat()
    assert first["workflow_id"] == f"ehc-advice-request-EHC-0101-{received:%Y%m%d}"

    again = sendclock(
        stack_env,
        "advice",
        "start",
        "--case",
        "EHC-0101",
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--owner",
        "senco",
        "--json",
    )
    assert again.returncode == 0 and json.loads(again.stdout)["created"] is False
    assert json.loads(again.stdout)["workflow_id"] == first["workflow_id"]

    listed = sendclock(stack_env, "list")
    assert listed.returncode == 0 and "EHC-0101" in listed.stdout and "ehc-advice" in listed.stdout
    assert sendclock(stack_env, "list", "--overdue").stdout.strip() == "No open statutory steps overdue."
    assert "EHC-0101" in sendclock(stack_env, "list", "--due-within", "60").stdout

    # The workflow is waiting for its first reminder (days away). The worker dies without warning.
    handle = devserver.client.get_workflow_handle(first["workflow_id"])
    assert (await handle.query(EhcAdviceRequest.state)).step.pending
    worker_process.kill()
    worker_process.start()

    sent = sendclock(stack_env, "advice", "sent", "--case", "EHC-0101", "--date", today.isoformat(), "--by", "senco")
    assert sent.returncode == 0, sent.stderr
    assert "on time" in sent.stdout
    outcome = await devserver.client.get_workflow_handle_for(EhcAdviceRequest.run, first["workflow_id"]).result()
    assert outcome.on_time and outcome.completed_on == today
    assert sendclock(stack_env, "list").stdout.strip() == "No open statutory steps."

    # Nothing left open for that case; an unknown case is a clear error.
    missing = sendclock(stack_env, "advice", "sent", "--case", "EHC-0101", "--date", today.isoformat())
    assert missing.returncode == 2 and "no open EHC advice request for case 'EHC-0101'" in missing.stderr
    future = sendclock(
        stack_env,
        "advice",
        "start",
        "--case",
        "EHC-0102",
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--owner",
        "nobody",
    )
    assert future.returncode == 2 and "--owner: no staff member with id 'nobody'" in future.stderr


async def test_future_date_rejected_by_the_workflow(devserver, stack_env, worker_process):
    today = local_date(datetime.now(UTC))
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    assert (
        sendclock(
            stack_env,
            "advice",
            "start",
            "--case",
            "EHC-0103",
            "--la",
            "Surrey",
            "--received",
            today.isoformat(),
            "--owner",
            "head",
        ).returncode
        == 0
    )
    tomorrow = (today + timedelta(days=1)).isoformat()
    result = sendclock(stack_env, "advice", "sent", "--case", "EHC-0103", "--date", tomorrow)
    assert result.returncode == 2 and f"--date: {fmt(today + timedelta(days=1))} is in the future" in result.stderr
    assert "EHC-0103" in sendclock(stack_env, "list").stdout  # still open: nothing half-written


def test_unreachable_temporal_is_a_clear_error(stack_env):
    env = dict(stack_env, SENDCLOCK_TEMPORAL__ADDRESS="127.0.0.1:1")
    result = sendclock(
        env, "advice", "start", "--case", "EHC-0104", "--la", "Kent", "--received", "2026-01-05", "--owner", "senco"
    )
    assert result.returncode == 1 and "cannot reach Temporal" in result.stderr
