"""The annual review from the command line, on the real dev server: start, refuse short notice, set the meeting,
see the steps it opens, and end the plan."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from statutory.clock import local_date
from tests.devserver.conftest import sendclock
from workflows.annual_review import AnnualReview

pytestmark = pytest.mark.devserver


async def test_a_review_from_the_command_line(devserver, stack_env, worker_process):
    today = local_date(datetime.now(UTC))
    plan_date = today - timedelta(days=300)
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()

    started = sendclock(
        stack_env,
        "review",
        "start",
        "--case",
        "EHC-0701",
        "--la",
        "Kent",
        "--plan-date",
        plan_date.isoformat(),
        "--year-group",
        "9",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    data = json.loads(started.stdout)
    assert data["created"] is True and data["workflow_id"] == "annual-review-EHC-0701"
    assert data["facts"]["preparing_for_adulthood"] is True
    assert [s["rule"] for s in data["steps"]] == ["annual-review-due"]
    again = sendclock(
        stack_env, "review", "start", "--case", "EHC-0701", "--la", "Kent", "--plan-date", plan_date.isoformat()
    )
    assert again.returncode == 0 and again.stdout.startswith("Already exists")

    soon = (today + timedelta(days=5)).isoformat()
    refused = sendclock(stack_env, "review", "meeting", "--case", "EHC-0701", "--date", soon)
    assert refused.returncode == 2 and "--date:" in refused.stderr and "5 days' notice" in refused.stderr
    assert refused.stderr.rstrip().endswith("or confirm short notice with --short-notice")  # the flag that confirms it

    meeting = today + timedelta(days=30)
    set_ = sendclock(stack_env, "review", "meeting", "--case", "EHC-0701", "--date", meeting.isoformat())
    assert set_.returncode == 0, set_.stderr
    assert "review-notice" in set_.stdout and "review-advice-circulation" in set_.stdout
    listed = sendclock(stack_env, "list", "--json")
    rules = {row["rule"] for row in json.loads(listed.stdout) if row["case"] == "EHC-0701"}
    assert rules == {"annual-review-due", "review-notice", "review-advice-circulation"}

    future = sendclock(stack_env, "review", "held", "--case", "EHC-0701", "--date", meeting.isoformat())
    assert future.returncode == 2 and "is in the future" in future.stderr

    ended = sendclock(
        stack_env,
        "review",
        "ceased",
        "--case",
        "EHC-0701",
        "--date",
        today.isoformat(),
        "--reason",
        "moved to another LA's area",
    )
    assert ended.returncode == 0, ended.stderr
    final = await devserver.client.get_workflow_handle_for(AnnualReview.run, "annual-review-EHC-0701").result()
    assert final.closed and final.facts["ceased_on"] == today.isoformat()
    assert "EHC-0701" not in sendclock(stack_env, "list").stdout


async def test_a_transfer_year_and_the_review_moves_of_the_law_of_2026_from_the_command_line(
    devserver, stack_env, worker_process
):
    from datetime import date

    from statutory.clock import fmt

    today = local_date(datetime.now(UTC))
    transfer = date(today.year + 1, 1, 4)  # a January move: before the date reg 18 sets (14 February)
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()

    started = sendclock(
        stack_env,
        "review",
        "start",
        "--case",
        "EHC-0702",
        "--la",
        "Kent",
        "--plan-date",
        (today - timedelta(days=200)).isoformat(),
        "--transfer-kind",
        "phase",
        "--transfer-on",
        transfer.isoformat(),
    )
    assert started.returncode == 0, started.stderr
    assert "phase-transfer-review" in started.stdout and "phase-transfer-meeting-by" in started.stdout
    assert (
        f"Warning: The transfer on {fmt(transfer)} is before the date regulation 18 sets "
        f"({fmt(date(transfer.year, 2, 14))}): "
    ) in started.stdout
    as_json = sendclock(
        stack_env,
        "review",
        "start",
        "--case",
        "EHC-0702",
        "--la",
        "Kent",
        "--plan-date",
        (today - timedelta(days=200)).isoformat(),
        "--json",
    )
    assert json.loads(as_json.stdout)["warnings"][0].startswith("Warning: The transfer on")

    fourteen = sendclock(
        stack_env, "review", "meeting", "--case", "EHC-0702", "--date", (today + timedelta(days=14)).isoformat()
    )
    assert fourteen.returncode == 2 and "--date:" in fourteen.stderr and "13 clear days" in fourteen.stderr
    appeal = sendclock(stack_env, "review", "appeal", "--case", "EHC-0702", "--lodged", today.isoformat())
    assert appeal.returncode == 2 and "--lodged: no decision to cease the plan is recorded" in appeal.stderr
    both = sendclock(stack_env, "review", "final-plan", "--case", "EHC-0702", "--date", today.isoformat())
    assert both.returncode == 2 and "--names-setting:" in both.stderr

    final = sendclock(
        stack_env,
        "review",
        "final-plan",
        "--case",
        "EHC-0702",
        "--date",
        today.isoformat(),
        "--names-setting",
        "Northgate High School",
        "--evidence",
        "LA letter",
    )
    assert final.returncode == 0, final.stderr
    assert "phase-transfer-review" in final.stdout and re.search(
        r"final plan names +Northgate High School", final.stdout
    )
    again = sendclock(
        stack_env, "review", "final-plan", "--case", "EHC-0702", "--date", today.isoformat(), "--already-named"
    )
    assert again.returncode == 2 and "--date: no open transfer review" in again.stderr

    ended = sendclock(
        stack_env,
        "review",
        "ceased",
        "--case",
        "EHC-0702",
        "--date",
        today.isoformat(),
        "--reason",
        "moved to another LA's area",
    )
    assert ended.returncode == 0, ended.stderr
    await devserver.client.get_workflow_handle_for(AnnualReview.run, "annual-review-EHC-0702").result()
