"""A decision to cease is not the plan ending (s45; SEND Code of Practice 9.208): the parent's appeal window opens, the
plan is maintained (and its next review's clock runs) until the window closes with no appeal, or an appeal ends."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from starter.advice import RequestError
from starter.processes import process_state
from starter.review import appeal, plan_ceased
from statutory.clock import fmt
from tests.workflows.advice_flow import days, events, london_today, sleep_until_day
from tests.workflows.test_annual_review import run_a_cycle, start
from workflows.annual_review import CEASE_WINDOW, AnnualReview
from workflows.models import AppealChange, PlanCeased, StepStatus

pytestmark = pytest.mark.usefixtures("worker")


def latest(state, rule_id: str):
    return [s for s in state.steps if s.rule_id == rule_id][-1]


async def cease(env, settings, case_ref: str):
    """A review cycle that ends in a decision to cease: returns the workflow ID and the decision's date."""
    today = await london_today(env)
    started = await start(env, settings, case_ref, today - days(300))
    state = await run_a_cycle(env, settings, started.state.workflow_id, today + days(16), decision="cease")
    return started.state.workflow_id, date.fromisoformat(state.facts["decided_on"]), state


async def ceased_now(env, settings, workflow_id: str, reason: str = "the appeal ended"):
    return await plan_ceased(
        env.client, settings, workflow_id, PlanCeased(ceased_on=await london_today(env), by="senco", reason=reason)
    )


async def test_a_cease_decision_keeps_the_plan_through_the_window_and_an_appeal_until_it_is_decided(
    env, settings, sessions
):
    workflow_id, decided, state = await cease(env, settings, "EHC-1911")
    assert "ceased_on" not in state.facts and state.facts["cease_decided_on"] == decided.isoformat()
    window = state.step(CEASE_WINDOW)
    assert window.plan.style == "window" and window.plan.due == decided + relativedelta(months=2)
    assert state.facts["appeal_window_due"] == window.plan.due.isoformat()

    await sleep_until_day(env, decided + days(3))
    state = await process_state(env.client, workflow_id)
    assert state.facts["cycle"] == 2 and not state.closed  # the next cycle began: the plan is maintained
    assert (
        latest(state, "annual-review-due").status == StepStatus.OPEN
        and latest(state, "annual-review-due").instance == 2
    )
    assert (
        latest(state, CEASE_WINDOW).status == StepStatus.OPEN and state.facts["cease_decided_on"] == decided.isoformat()
    )
    with pytest.raises(
        RequestError,
        match=rf"ceased_on: the plan is maintained until the appeal window closes on "
        rf"{fmt(window.plan.due)} \(SEND Code of Practice 9.208\)",
    ):
        await ceased_now(env, settings, workflow_id, "LA decided to cease")
    with pytest.raises(RequestError, match=r"decided_on: no appeal has been lodged"):
        await appeal(
            env.client,
            settings,
            workflow_id,
            AppealChange(decided_on=await london_today(env), outcome="cease-upheld", by="senco"),
        )

    await sleep_until_day(env, decided + days(20))
    lodged = await london_today(env)
    state = await appeal(
        env.client,
        settings,
        workflow_id,
        AppealChange(lodged_on=lodged, by="senco", note="parent's appeal to the Tribunal"),
    )
    met = latest(state, CEASE_WINDOW)
    assert met.status == StepStatus.COMPLETED and met.completed_on == lodged and met.on_time is True
    assert state.facts["appeal_lodged_on"] == lodged.isoformat()

    await sleep_until_day(env, window.plan.due + days(30))  # the window is long gone; the appeal is not decided
    with pytest.raises(
        RequestError,
        match=rf"ceased_on: the plan is maintained until the appeal lodged on "
        rf"{fmt(lodged)} is decided \(SEND Code of Practice 9.208\)",
    ):
        await ceased_now(env, settings, workflow_id)
    appeal_decided = await london_today(env)
    state = await appeal(
        env.client, settings, workflow_id, AppealChange(decided_on=appeal_decided, outcome="cease-upheld", by="senco")
    )
    assert (
        state.facts["appeal_outcome"] == "cease-upheld"
        and state.facts["appeal_decided_on"] == appeal_decided.isoformat()
    )
    with pytest.raises(RequestError, match=r"decided_on: the appeal was already decided"):
        await appeal(
            env.client, settings, workflow_id, AppealChange(decided_on=appeal_decided, outcome="withdrawn", by="senco")
        )

    await ceased_now(env, settings, workflow_id, "cease upheld by the Tribunal")
    result = await env.client.get_workflow_handle_for(AnnualReview.run, workflow_id).result()
    assert result.closed and result.facts["ceased_on"] == appeal_decided.isoformat()
    kinds = [e.kind for e in events(sessions, workflow_id)]
    assert kinds.index("appeal-lodged") < kinds.index("appeal-decided") < kinds.index("plan-ceased")


async def test_the_plan_ceases_only_after_the_window_closes_with_no_appeal(env, settings):
    today = await london_today(env)
    started = await start(env, settings, "EHC-1912", today - days(300))
    with pytest.raises(RequestError, match=r"lodged_on: no decision to cease the plan is recorded"):
        await appeal(env.client, settings, started.state.workflow_id, AppealChange(lodged_on=today, by="senco"))
    state = await run_a_cycle(env, settings, started.state.workflow_id, today + days(16), decision="cease")
    workflow_id, closes = started.state.workflow_id, state.step(CEASE_WINDOW).plan.due

    await sleep_until_day(env, closes + days(2))
    state = await process_state(env.client, workflow_id)
    window = latest(state, CEASE_WINDOW)
    assert window.status == StepStatus.COMPLETED and window.completed_on == closes  # it closed by itself
    with pytest.raises(
        RequestError,
        match=rf"ceased_on: the plan is maintained until the appeal window closes on "
        rf"{fmt(closes)}",
    ):
        await plan_ceased(
            env.client, settings, workflow_id, PlanCeased(ceased_on=closes, by="senco", reason="no appeal")
        )
    await ceased_now(env, settings, workflow_id, "no appeal: the LA confirmed the plan ceased")
    result = await env.client.get_workflow_handle_for(AnnualReview.run, workflow_id).result()
    assert result.closed and result.facts["ceased_on"] == (closes + days(2)).isoformat()


async def test_an_appeal_that_maintains_the_plan_keeps_it(env, settings):
    workflow_id, decided, _ = await cease(env, settings, "EHC-1913")
    await sleep_until_day(env, decided + days(10))
    lodged = await london_today(env)
    await appeal(env.client, settings, workflow_id, AppealChange(lodged_on=lodged, by="senco"))
    with pytest.raises(RequestError, match=r"lodged_on: an appeal was already lodged"):
        await appeal(env.client, settings, workflow_id, AppealChange(lodged_on=lodged, by="senco"))
    await sleep_until_day(env, decided + days(120))
    state = await appeal(
        env.client,
        settings,
        workflow_id,
        AppealChange(decided_on=await london_today(env), outcome="plan-maintained", by="senco", note="Tribunal order"),
    )
    assert state.facts["appeal_outcome"] == "plan-maintained" and not state.closed
    assert latest(state, "annual-review-due").status == StepStatus.OPEN  # the plan goes on, and its reviews
    # The decision to cease is spent: the plan may still end for another reason, as with no decision pending.
    await sleep_until_day(env, decided + days(150))
    await ceased_now(env, settings, workflow_id, "the young person moved to another LA's area")
    result = await env.client.get_workflow_handle_for(AnnualReview.run, workflow_id).result()
    assert result.closed and result.facts["appeal_outcome"] == "plan-maintained"
