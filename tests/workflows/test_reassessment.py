"""Re-assessment (regs 24-27) on the time-skipping server: the earliest date prompted, the request sent (flagged when
too soon), the LA's decision chased, the final plan chased; exemptions where reg 27(3) allows them; cancellation."""

from __future__ import annotations

import asyncio

import pytest
from dateutil.relativedelta import relativedelta

from starter.advice import RequestError
from starter.processes import cancel_step, complete_step, exempt_step, process_state, start_process, update
from statutory import compute_due, get_rule
from statutory.clock import local_date
from tests.workflows.advice_flow import days, events, header, london_today, outbox, process_row, sleep_until_day, steps
from workflows.models import (
    Cancellation,
    Exemption,
    LaDecision,
    ProcessState,
    ReassessmentInput,
    StepDone,
    StepExemption,
    StepStatus,
)
from workflows.reassessment import DECISION, EARLIEST, FINAL, Reassessment
from workflows.registry import REASSESSMENT

pytestmark = pytest.mark.usefixtures("worker")


async def start(env, settings, case_ref, needs_changed, last_assessment):
    run_input = ReassessmentInput(header=header(needs_changed, case_ref=case_ref), last_assessment_on=last_assessment)
    return await start_process(
        env.client,
        settings,
        Reassessment.run,
        run_input,
        REASSESSMENT.workflow_id(case_ref, needs_changed),
        REASSESSMENT.kind,
    )


async def sent(env, settings, workflow_id, on=None) -> ProcessState:
    """The request went to the LA (the generic "done" on reassessment-earliest); returns once the LA's decision
    step is planned."""
    on = on or await london_today(env)
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id=EARLIEST, done_on=on, by="teacher", evidence="request e-mailed to the LA"),
    )
    return await opened(env, workflow_id, DECISION)


async def decided(env, settings, workflow_id, reassess: bool, on=None) -> ProcessState:
    on = on or await london_today(env)
    return await update(
        env.client,
        workflow_id,
        Reassessment.la_decided,
        LaDecision(decided_on=on, reassess=reassess, by="senco", evidence="LA notice ref 123"),
    )


async def opened(env, workflow_id, rule_id) -> ProcessState:
    """The flow opens the next step after the update that closed the last one has returned: wait for it."""
    for _ in range(200):
        state = await process_state(env.client, workflow_id)
        if any(s.rule_id == rule_id and s.plan is not None for s in state.steps):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"{rule_id} was never opened: {[s.rule_id for s in state.steps]}")


async def result(env, workflow_id) -> ProcessState:
    """The final state (skip a day first: a handle from get_workflow_handle does not skip time as it waits)."""
    await sleep_until_day(env, await london_today(env) + days(1))
    return await env.client.get_workflow_handle_for(Reassessment.run, workflow_id).result()


async def close(env, settings, workflow_id) -> ProcessState:
    """End a process left open (a workflow still running would hold up the shared test server's clock for the
    tests after this one): cancel its open step."""
    state = await process_state(env.client, workflow_id)
    for step in state.steps:
        if step.status == StepStatus.OPEN:
            await cancel_step(
                env.client,
                settings,
                workflow_id,
                Cancellation(
                    rule_id=step.rule_id, cancelled_on=await london_today(env), by="senco", reason="end of test"
                ),
            )
    return await result(env, workflow_id)


async def test_request_sent_after_the_six_months_prompted_on_the_earliest_date(env, settings, sessions):
    today = await london_today(env)
    last = today - relativedelta(months=5)
    started = await start(env, settings, "EHC-0501", today, last)
    earliest = started.state.step(EARLIEST)
    assert earliest.plan.style == "prompt" and earliest.plan.due == compute_due(get_rule(EARLIEST), last) > today
    assert "reg 24" in earliest.plan.basis and earliest.anchor == last
    workflow_id = started.state.workflow_id
    assert outbox(sessions, workflow_id, "prompt") == []  # not yet: the date has not come

    await sleep_until_day(env, earliest.plan.target + days(1))
    prompts = outbox(sessions, workflow_id, "prompt")
    first_day = [o for o in prompts if local_date(o.scheduled_for) == earliest.plan.target]
    assert {o.recipient for o in first_day} == {"teacher", "senco"}
    assert "Now possible" in first_day[0].subject

    state = await sent(env, settings, workflow_id)
    done = state.step(EARLIEST)
    assert done.status == StepStatus.COMPLETED and done.on_time is None and done.days_late is None
    assert state.facts["sent_before_earliest"] is False
    assert state.facts["request_sent_on"] == (await london_today(env)).isoformat()
    assert state.step(DECISION).anchor == await london_today(env)
    assert state.step(DECISION).plan.style == "chase"
    row = steps(sessions, workflow_id)[EARLIEST]
    assert row.status == "completed" and row.on_time is None
    await close(env, settings, workflow_id)


async def test_request_sent_before_the_earliest_date_is_kept_and_flagged(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0502", today, today - relativedelta(months=2))
    workflow_id = started.state.workflow_id
    await sleep_until_day(env, today + days(2))
    state = await sent(env, settings, workflow_id)
    assert state.facts["sent_before_earliest"] is True
    assert state.step(EARLIEST).completed_on < state.step(EARLIEST).plan.due
    assert state.step(DECISION).plan.due == await london_today(env) + days(15)  # reg 25, C1
    process, _ = process_row(sessions, workflow_id)
    assert process.facts["sent_before_earliest"] is True and process.status == "open"
    assert "request-sent" in [e.kind for e in events(sessions, workflow_id)]
    assert (await close(env, settings, workflow_id)).status == StepStatus.CANCELLED
    assert process_row(sessions, workflow_id)[0].outcome == "cancelled while the LA's decision was awaited"


async def test_la_decides_not_to_reassess(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0503", today, today - relativedelta(years=1))
    workflow_id = started.state.workflow_id
    # The earliest date is long past: the prompt goes the same day, to the owner and the SENCO.
    await sleep_until_day(env, today + days(1))
    prompts = outbox(sessions, workflow_id, "prompt")
    assert local_date(prompts[0].scheduled_for) == today
    assert {o.recipient for o in prompts if local_date(o.scheduled_for) == today} == {"teacher", "senco"}
    state = await sent(env, settings, workflow_id)
    sent_on = state.step(EARLIEST).completed_on

    with pytest.raises(RequestError, match="decided_on: .* is before the request was sent"):
        await decided(env, settings, workflow_id, reassess=False, on=sent_on - days(1))
    with pytest.raises(RequestError, match="rule_id: reassessment-decision is completed by recording the LA's"):
        await complete_step(env.client, settings, workflow_id, StepDone(rule_id=DECISION, done_on=sent_on, by="senco"))

    await sleep_until_day(env, today + days(5))
    state = await decided(env, settings, workflow_id, reassess=False)
    assert state.step(DECISION).status == StepStatus.COMPLETED and state.step(DECISION).on_time
    assert state.facts["la_decision"] == "refused"

    final = await result(env, workflow_id)
    assert final.closed and final.status == StepStatus.COMPLETED and all(s.rule_id != FINAL for s in final.steps)
    process, _ = process_row(sessions, workflow_id)
    assert process.outcome == "LA decided not to re-assess (decided on time)"
    assert process.status == "completed" and process.facts["la_decision"] == "refused"


async def test_la_reassesses_and_is_late_with_the_final_plan(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0504", today, today - relativedelta(years=1))
    workflow_id = started.state.workflow_id
    await sent(env, settings, workflow_id)
    await sleep_until_day(env, today + days(10))
    await decided(env, settings, workflow_id, reassess=True)
    state = await opened(env, workflow_id, FINAL)
    decided_on = await london_today(env)
    plan = state.step(FINAL).plan
    assert plan.due == decided_on + days(14 * 7) and "reg 27(2)" in plan.basis and plan.style == "chase"

    await sleep_until_day(env, plan.due + days(10))
    chases = outbox(sessions, workflow_id, "overdue")
    assert chases and {o.recipient for o in chases} == {"teacher", "senco"}
    assert all(o.subject.startswith(f"{started.state.header.case_ref}: Chase the LA") for o in chases)

    issued = await london_today(env)
    with pytest.raises(RequestError, match="done_on: .* is before the LA decided to re-assess"):
        await complete_step(
            env.client, settings, workflow_id, StepDone(rule_id=FINAL, done_on=decided_on - days(1), by="senco")
        )
    state = await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id=FINAL, done_on=issued, by="senco", evidence="final plan received"),
    )
    assert state.step(FINAL).days_late == (issued - plan.due).days and state.step(FINAL).on_time is False
    final = await result(env, workflow_id)
    assert final.status == StepStatus.COMPLETED
    process, _ = process_row(sessions, workflow_id)
    assert process.outcome == f"final plan issued {(issued - plan.due).days} day(s) late"
    assert steps(sessions, workflow_id)[FINAL].days_late == (issued - plan.due).days


async def test_exemption_only_where_the_rule_has_grounds(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0505", today, today - relativedelta(years=1))
    workflow_id = started.state.workflow_id
    await sent(env, settings, workflow_id)
    exemption = Exemption(ground="la-personal-circumstances", claimed_by="senco", note="family bereavement")
    with pytest.raises(RequestError, match="has no exemption grounds"):  # reg 25's 15 days: none
        await exempt_step(env.client, settings, workflow_id, StepExemption(rule_id=DECISION, exemption=exemption))

    await decided(env, settings, workflow_id, reassess=True)
    await opened(env, workflow_id, FINAL)
    await sleep_until_day(env, today + days(3))
    state = await exempt_step(env.client, settings, workflow_id, StepExemption(rule_id=FINAL, exemption=exemption))
    assert state.step(FINAL).exemption.ground == "la-personal-circumstances"
    assert steps(sessions, workflow_id)[FINAL].exempt
    assert {o.recipient for o in outbox(sessions, workflow_id, "exemption")} == {"teacher", "senco"}

    await cancel_step(
        env.client,
        settings,
        workflow_id,
        Cancellation(
            rule_id=FINAL, cancelled_on=await london_today(env), by="senco", reason="the pupil moved to another LA"
        ),
    )
    final = await result(env, workflow_id)
    assert final.status == StepStatus.CANCELLED
    assert process_row(sessions, workflow_id)[0].outcome == "cancelled while the final plan was awaited"


async def test_cancelled_before_the_request_was_sent(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0506", today, today - relativedelta(months=4))
    workflow_id = started.state.workflow_id
    again = await start(env, settings, "EHC-0506", today, today - relativedelta(months=4))
    assert started.created and not again.created and again.state.workflow_id == workflow_id

    with pytest.raises(RequestError, match="decided_on: the request to re-assess has not been recorded as sent"):
        await decided(env, settings, workflow_id, reassess=True)
    await cancel_step(
        env.client,
        settings,
        workflow_id,
        Cancellation(rule_id=EARLIEST, cancelled_on=today, by="senco", reason="needs settled after all"),
    )
    final = await result(env, workflow_id)
    assert final.status == StepStatus.CANCELLED and final.closed
    process, rows = process_row(sessions, workflow_id)
    assert process.status == "cancelled" and process.outcome == "cancelled before the request was sent"
    assert [r.status for r in rows] == ["cancelled"]
    assert "process-closed" in [e.kind for e in events(sessions, workflow_id)]
