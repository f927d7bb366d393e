"""The command layer (commands/) against a real process: a start twice is one workflow (the second says it was
there already), and what only the workflow can refuse comes back as a Problem with its field and code (the workflow's
validator raises workflows/refusal.py's ApplicationError; starter/requests.py reads it)."""

from __future__ import annotations

import pytest

from commands import Actor, Context, FixedClock, Problem, Refused, send, start, steps
from tests.workflows.advice_flow import london_today
from workflows.models import StepStatus

pytestmark = pytest.mark.usefixtures("worker")


async def test_a_duplicate_start_is_the_same_process_and_refusals_come_back_structured(env, settings) -> None:
    today = await london_today(env)

    async def client():
        return env.client

    ctx = Context(settings=settings, clock=FixedClock(today, settings.timezone), client=client)
    cmd = start.parse(
        "draft-plan-consultation", {"case_ref": "EHC-CMD1", "la": "Kent", "received_on": today, "owner": "teacher"}
    )
    first = await start.start(ctx, "draft-plan-consultation", cmd)
    again = await start.start(ctx, "draft-plan-consultation", cmd)
    assert (first.created, again.created) == (True, False)
    assert first.workflow_id == again.workflow_id == f"draft-plan-consultation-EHC-CMD1-{today:%Y%m%d}"

    senco = Actor("senco", "cli:as:alice")
    not_here = steps.done(ctx, steps.StepDoneIn(rule_id="review-report", done_on=today), senco)
    with pytest.raises(Refused) as caught:
        await send(ctx, first.workflow_id, not_here)
    assert caught.value.problems == [
        Problem(
            "rule_id",
            "no open step 'review-report' in this process (open: naming-consultation, draft-plan-representations)",
            "not_open",
        )
    ]

    already = steps.reassign(ctx, steps.ReassignmentIn(rule_id="naming-consultation", owner="teacher"), senco)
    with pytest.raises(Refused) as caught:
        await send(ctx, first.workflow_id, already)
    assert caught.value.problems == [Problem("owner", "the step is already teacher's", "conflict")]
    assert str(caught.value) == "owner: the step is already teacher's"  # the text form the starters' tests match

    for rule in ("naming-consultation", "draft-plan-representations"):  # leave nothing open on the shared server
        cancel = steps.cancel(ctx, steps.CancellationIn(rule_id=rule, cancelled_on=today, reason="test done"), senco)
        state = await send(ctx, first.workflow_id, cancel)
        assert state.step(rule).status == StepStatus.CANCELLED
