"""The draft plan consultation: the school's views and the parent's window side by side, on the shared step
mechanism (and the changes every step accepts: reassignment, cancellation)."""

from __future__ import annotations

import pytest

from starter.advice import RequestError
from starter.processes import cancel_step, complete_step, process_state, reassign_step, start_process
from tests.workflows.advice_flow import days, events, header, london_today, outbox, sleep_until_day, steps
from workflows.draft_consultation import DraftPlanConsultation
from workflows.models import Cancellation, DraftConsultationInput, Reassignment, StepDone, StepStatus
from workflows.registry import DRAFT

pytestmark = pytest.mark.usefixtures("worker")


async def start(env, settings, received, case_ref, served=None):
    run_input = DraftConsultationInput(header=header(received, case_ref=case_ref), served_on=served)
    return await start_process(
        env.client, settings, DraftPlanConsultation.run, run_input, DRAFT.workflow_id(case_ref, received), DRAFT.kind
    )


async def result(env, workflow_id):
    """The final state. A handle from get_workflow_handle does not skip time while it waits (only the handle
    start_workflow returns does): skip to the end first."""
    return await env.client.get_workflow_handle_for(DraftPlanConsultation.run, workflow_id).result()


async def test_views_sent_and_the_parents_window_closes_by_itself(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, today, "EHC-0301", served=today + days(1))
    assert started.created
    school, parent = started.state.step("naming-consultation"), started.state.step("draft-plan-representations")
    assert school.plan.due == today + days(15) and school.plan.style == "duty"
    assert parent.plan.due == today + days(15) and parent.plan.style == "window"  # 15 days beginning with service

    await sleep_until_day(env, today + days(6))
    workflow_id = started.state.workflow_id
    state = await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(
            rule_id="naming-consultation",
            done_on=await london_today(env),
            by="teacher",
            evidence="reply e-mailed to the LA's SEN team",
        ),
    )
    assert state.step("naming-consultation").status == StepStatus.COMPLETED
    assert state.step("draft-plan-representations").status == StepStatus.OPEN

    await sleep_until_day(env, parent.plan.due + days(1))  # the parent's window closes by itself after its last day
    final = await result(env, workflow_id)
    assert final.status == StepStatus.COMPLETED and final.closed
    rows = steps(sessions, workflow_id)
    assert rows["draft-plan-representations"].completed_on == parent.plan.due
    assert rows["naming-consultation"].on_time
    assert "process-closed" in [e.kind for e in events(sessions, workflow_id)]
    assert outbox(sessions, workflow_id, "overdue") == []


async def test_reassigned_step_reminds_its_new_owner_and_cancel_needs_a_reason(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, today, "EHC-0302")
    workflow_id = started.state.workflow_id
    await reassign_step(
        env.client,
        settings,
        workflow_id,
        Reassignment(rule_id="naming-consultation", owner="head", by="senco", reason="teacher away"),
    )
    with pytest.raises(RequestError, match="owner: the step is already head's"):
        await reassign_step(
            env.client, settings, workflow_id, Reassignment(rule_id="naming-consultation", owner="head", by="senco")
        )
    assert [o.recipient for o in outbox(sessions, workflow_id, "assigned")][-1] == "head"
    await sleep_until_day(env, started.state.step("naming-consultation").plan.due + days(3))
    escalations = outbox(sessions, workflow_id, "overdue")
    assert escalations and {o.recipient for o in escalations} == {"head", "senco"}

    with pytest.raises(RequestError, match="reason: say why"):
        await cancel_step(
            env.client,
            settings,
            workflow_id,
            Cancellation(rule_id="naming-consultation", cancelled_on=await london_today(env), by="senco"),
        )
    with pytest.raises(RequestError, match="rule_id: no open step 'review-report'"):
        await complete_step(
            env.client,
            settings,
            workflow_id,
            StepDone(rule_id="review-report", done_on=await london_today(env), by="senco"),
        )
    await cancel_step(
        env.client,
        settings,
        workflow_id,
        Cancellation(
            rule_id="naming-consultation",
            cancelled_on=await london_today(env),
            by="senco",
            reason="LA withdrew the draft",
        ),
    )
    final = await result(env, workflow_id)  # the parent's window had closed already
    assert final.status == StepStatus.CANCELLED
    assert steps(sessions, workflow_id)["naming-consultation"].status == "cancelled"
    state = await process_state(env.client, workflow_id)
    assert state.closed
