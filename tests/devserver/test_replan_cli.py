"""`sendclock process replan` on the real dev server: an LA publishes its own date for transfer-year review meetings
after a review has started; planning again moves that step (recorded, its owner told) and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from statutory import compute_deadline
from statutory.clock import fmt, local_date
from statutory.conventions import latest_on_or_before
from tests.devserver.conftest import sendclock

pytestmark = pytest.mark.devserver


async def test_an_las_new_date_reaches_a_running_review_when_it_is_planned_again(devserver, stack_env, worker_process):
    today = local_date(datetime.now(UTC))
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    started = sendclock(
        stack_env,
        "review",
        "start",
        "--case",
        "EHC-RPL1",
        "--la",
        "Kent",
        "--plan-date",
        (today - timedelta(days=300)).isoformat(),
        "--transfer-on",
        f"{today.year + 2}-09-01",
        "--transfer-kind",
        "phase",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    transfer = date(today.year + 2, 9, 1)
    steps = {s["rule"]: s for s in json.loads(started.stdout)["steps"]}
    assert (
        steps["phase-transfer-meeting-by"]["due"]
        == compute_deadline("phase-transfer-meeting-by", transfer).due.isoformat()
    )
    kents = latest_on_or_before(11, 30, compute_deadline("phase-transfer-review", transfer).due)

    nothing = sendclock(stack_env, "process", "replan", "--case", "EHC-RPL1")
    assert nothing.returncode == 0, nothing.stderr
    assert "no date moved" in nothing.stdout

    worker_process.stop()  # the school adds Kent's own date to its settings, and restarts the worker
    stack_env["SENDCLOCK_LAS__KENT__TRANSFER_REVIEW_MEETINGS_BY"] = "11-30"
    worker_process.start()
    moved = sendclock(stack_env, "process", "replan", "--case", "EHC-RPL1", "--reason", "Kent's own date")
    assert moved.returncode == 0, moved.stderr
    assert f"Latest review meeting before a phase transfer: due {fmt(kents)}" in moved.stdout
    # the owner by name, from the shipped staff directory (config/sendclock.toml)
    assert "Sam Okafor (SENCO) has been told" in moved.stdout and "Annual review" not in moved.stdout.split(":")[0]
    as_json = sendclock(stack_env, "process", "replan", "--all", "--json")
    assert as_json.returncode == 0 and all(p["moved"] == [] for p in json.loads(as_json.stdout))

    bad = sendclock(stack_env, "process", "replan")
    assert bad.returncode == 2 and "--case: give a case reference, or --all" in bad.stderr
    nobody = sendclock(stack_env, "process", "replan", "--all", "--by", "nobody")
    assert nobody.returncode == 2 and nobody.stderr.startswith("sendclock: --by: no staff member with id 'nobody'")
    ceased = sendclock(
        stack_env, "review", "ceased", "--case", "EHC-RPL1", "--date", today.isoformat(), "--reason", "test over"
    )
    assert ceased.returncode == 0, ceased.stderr
