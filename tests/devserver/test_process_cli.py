"""The draft consultation and the re-assessment from the command line, on the real dev server: start (and start
again), change steps through the generic `sendclock step` commands found by case and rule, show the case, and the
exit codes of bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from statutory.clock import fmt, local_date
from tests.devserver.conftest import sendclock
from workflows.models import StepStatus
from workflows.reassessment import Reassessment

pytestmark = pytest.mark.devserver


async def test_draft_and_reassessment_from_the_command_line(devserver, stack_env, worker_process):
    today = local_date(datetime.now(UTC))
    received, served = today - timedelta(days=3), today - timedelta(days=2)
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()

    draft = sendclock(
        stack_env,
        "draft",
        "start",
        "--case",
        "EHC-0601",
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--served",
        served.isoformat(),
        "--owner",
        "senco",
        "--json",
    )
    assert draft.returncode == 0, draft.stderr
    data = json.loads(draft.stdout)
    assert data["created"] is True and data["workflow_id"] == f"draft-plan-consultation-EHC-0601-{received:%Y%m%d}"
    dues = {s["rule"]: s["due"] for s in data["steps"]}
    assert dues == {
        "naming-consultation": (received + timedelta(days=15)).isoformat(),
        "draft-plan-representations": (served + timedelta(days=14)).isoformat(),
    }
    again = sendclock(
        stack_env,
        "draft",
        "start",
        "--case",
        "EHC-0601",
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--served",
        served.isoformat(),
        "--owner",
        "senco",
    )
    assert again.returncode == 0 and again.stdout.startswith("Already exists"), again.stderr

    last = today - timedelta(days=400)
    reassess = sendclock(
        stack_env,
        "reassessment",
        "start",
        "--case",
        "EHC-0601",
        "--la",
        "Kent",
        "--needs-changed",
        (today - timedelta(days=1)).isoformat(),
        "--last-assessment",
        last.isoformat(),
        "--owner",
        "senco",
        "--json",
    )
    assert reassess.returncode == 0, reassess.stderr
    reassessment_id = json.loads(reassess.stdout)["workflow_id"]
    [earliest] = json.loads(reassess.stdout)["steps"]
    assert earliest["rule"] == "reassessment-earliest" and earliest["style"] == "prompt"

    shown = sendclock(stack_env, "process", "show", "--case", "EHC-0601", "--json")
    assert shown.returncode == 0, shown.stderr
    assert {p["process"]: sorted(s["rule"] for s in p["steps"]) for p in json.loads(shown.stdout)} == {
        "draft-plan-consultation": ["draft-plan-representations", "naming-consultation"],
        "reassessment": ["reassessment-earliest"],
    }
    text = sendclock(stack_env, "process", "show", "--case", "EHC-0601").stdout
    assert reassessment_id in text and f"due {fmt(received + timedelta(days=15))}" in text

    moved = sendclock(
        stack_env,
        "step",
        "reassign",
        "--case",
        "EHC-0601",
        "--rule",
        "naming-consultation",
        "--to",
        "head",
        "--reason",
        "SENCO on a course",
    )
    assert moved.returncode == 0, moved.stderr
    assert [line for line in moved.stdout.splitlines() if "naming-consultation" in line][0].endswith(
        "owner Priya Shah (Headteacher)"  # the staff directory's name for head (config/sendclock.toml)
    )
    done = sendclock(
        stack_env,
        "step",
        "done",
        "--case",
        "EHC-0601",
        "--rule",
        "naming-consultation",
        "--date",
        today.isoformat(),
        "--method",
        "email",
        "--evidence",
        "reply ref 42",
    )
    assert done.returncode == 0, done.stderr
    assert f"done {fmt(today)}, on time" in done.stdout

    sent = sendclock(stack_env, "reassessment", "sent", "--case", "EHC-0601", "--date", today.isoformat())
    assert sent.returncode == 0, sent.stderr
    assert f"LA's decision: due {fmt(today + timedelta(days=15))}" in sent.stdout and "WARNING" not in sent.stdout
    generic = sendclock(
        stack_env, "step", "done", "--case", "EHC-0601", "--rule", "reassessment-decision", "--date", today.isoformat()
    )
    assert generic.returncode == 2 and "sendclock reassessment decided" in generic.stderr
    decided = sendclock(
        stack_env,
        "reassessment",
        "decided",
        "--case",
        "EHC-0601",
        "--date",
        today.isoformat(),
        "--reassess",
        "--evidence",
        "LA notice ref 7",
    )
    assert decided.returncode == 0, decided.stderr
    assert f"Final plan: due {fmt(today + timedelta(weeks=14))}" in decided.stdout

    cancelled = sendclock(
        stack_env,
        "step",
        "cancel",
        "--case",
        "EHC-0601",
        "--rule",
        "reassessment-final",
        "--date",
        today.isoformat(),
        "--reason",
        "moved to another LA's area",
    )
    assert cancelled.returncode == 0, cancelled.stderr
    final = await devserver.client.get_workflow_handle_for(Reassessment.run, reassessment_id).result()
    assert final.status == StepStatus.CANCELLED and final.facts["la_decision"] == "reassess"
    assert [
        p["process"] for p in json.loads(sendclock(stack_env, "process", "show", "--case", "EHC-0601", "--json").stdout)
    ] == ["draft-plan-consultation"]

    # Bad input: one line naming the flag, exit 2, nothing changed.
    gone = sendclock(
        stack_env, "step", "done", "--case", "EHC-0601", "--rule", "reassessment-final", "--date", today.isoformat()
    )
    assert gone.returncode == 2
    assert gone.stderr.strip() == "sendclock: --case: no open step 'reassessment-final' for case 'EHC-0601'"
    tomorrow = (today + timedelta(days=1)).isoformat()
    future = sendclock(
        stack_env, "step", "done", "--case", "EHC-0601", "--rule", "draft-plan-representations", "--date", tomorrow
    )
    assert future.returncode == 2 and f"--date: {fmt(today + timedelta(days=1))} is in the future" in future.stderr
    before = sendclock(
        stack_env,
        "draft",
        "start",
        "--case",
        "EHC-0602",
        "--la",
        "Kent",
        "--received",
        today.isoformat(),
        "--served",
        received.isoformat(),
        "--owner",
        "senco",
    )
    assert before.returncode == 2 and before.stderr.startswith("sendclock: --served:")
    backwards = sendclock(
        stack_env,
        "reassessment",
        "start",
        "--case",
        "EHC-0602",
        "--la",
        "Kent",
        "--needs-changed",
        received.isoformat(),
        "--last-assessment",
        today.isoformat(),
        "--owner",
        "senco",
    )
    assert backwards.returncode == 2 and backwards.stderr.startswith("sendclock: --last-assessment:")
    nobody = sendclock(
        stack_env, "step", "reassign", "--case", "EHC-0601", "--rule", "naming-consultation", "--to", "nobody"
    )
    assert nobody.returncode == 2 and "--to: no staff member with id 'nobody'" in nobody.stderr
    no_grounds = sendclock(
        stack_env,
        "step",
        "exempt",
        "--case",
        "EHC-0601",
        "--rule",
        "draft-plan-representations",
        "--ground",
        "la-absence",
        "--start",
        today.isoformat(),
    )
    assert (
        no_grounds.returncode == 2
        and "--ground: rule 'draft-plan-representations' has no exemption grounds" in no_grounds.stderr
    )
    assert (
        sendclock(stack_env, "process", "show", "--case", "EHC-0699").stdout.strip()
        == "No open processes for case 'EHC-0699'."
    )

    # A second consultation for the case: the step is ambiguous until the user says which.
    second = sendclock(
        stack_env,
        "draft",
        "start",
        "--case",
        "EHC-0601",
        "--la",
        "Kent",
        "--received",
        today.isoformat(),
        "--owner",
        "senco",
    )
    assert second.returncode == 0, second.stderr
    which = sendclock(
        stack_env,
        "step",
        "cancel",
        "--case",
        "EHC-0601",
        "--rule",
        "draft-plan-representations",
        "--date",
        today.isoformat(),
        "--reason",
        "entered twice",
    )
    assert which.returncode == 2 and "add --received" in which.stderr
    chosen = sendclock(
        stack_env,
        "step",
        "cancel",
        "--case",
        "EHC-0601",
        "--rule",
        "draft-plan-representations",
        "--date",
        today.isoformat(),
        "--reason",
        "entered twice",
        "--received",
        today.isoformat(),
    )
    assert chosen.returncode == 0, chosen.stderr
    assert "draft-plan-representations" in chosen.stdout and "cancelled" in chosen.stdout


def test_unreachable_temporal_exits_1(stack_env):
    env = dict(stack_env, SENDCLOCK_TEMPORAL__ADDRESS="127.0.0.1:1")
    result = sendclock(
        env,
        "reassessment",
        "start",
        "--case",
        "EHC-0603",
        "--la",
        "Surrey",
        "--needs-changed",
        "2026-01-05",
        "--last-assessment",
        "2025-06-30",
        "--owner",
        "senco",
    )
    assert result.returncode == 1 and "cannot reach Temporal" in result.stderr
