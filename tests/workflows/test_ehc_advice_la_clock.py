"""The LA's own clock beside an EHC advice request: its 6- and 16-week dates shown, its 20-week final plan chased."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from starter.advice import advice_sent, start_advice_request
from starter.processes import cancel_step, complete_step
from statutory import SchoolCalendar, compute_deadline
from tests.workflows.advice_flow import days, events, london_today, outbox, outcome, process_row, sleep_until_day
from workflows.models import AdviceRequest, AdviceSent, Cancellation, StepDone, StepStatus

pytestmark = pytest.mark.usefixtures("worker")


def request(today, case_ref, assessment_requested_on):
    return AdviceRequest(
        case_ref=case_ref,
        la="Kent",
        received_on=today,
        owner="teacher",
        assessment_requested_on=assessment_requested_on,
    )


async def test_the_la_clock_is_shown_and_its_final_plan_chased_after_the_advice_is_sent(env, settings, sessions):
    today = await london_today(env)
    asked = today - days(40)
    started = await start_advice_request(env.client, settings, request(today, "EHC-0701", asked))
    state, workflow_id = started.state, started.state.workflow_id

    clock = {entry["rule_id"]: entry for entry in state.facts["la_clock"]}
    for rule_id, weeks, reg in (("ehc-assessment-decision", 6, "reg 5(1)"), ("ehc-no-plan-notice", 16, "reg 10(1)")):
        assert clock[rule_id]["due"] == compute_deadline(rule_id, asked, SchoolCalendar()).due.isoformat()
        assert clock[rule_id]["due"] == (asked + days(7 * weeks)).isoformat() and reg in clock[rule_id]["basis"]
    [final] = state.la_steps
    assert final.rule_id == "ehc-final-plan" and final.plan.style == "chase" and final.owner == "senco"
    assert final.plan.due == asked + days(140) and "reg 13(2)" in final.plan.basis
    assert state.step.plan.due == today + days(42)  # the school's own duty is unchanged

    await sleep_until_day(env, today + days(10))
    state = await advice_sent(
        env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher")
    )
    assert state.step.status == StepStatus.COMPLETED and state.step.on_time and not state.closed
    await sleep_until_day(env, today + days(11))
    process, _ = process_row(sessions, workflow_id)
    assert process.closed_at is None and process.outcome == "sent on time"  # still chasing the LA

    await sleep_until_day(env, final.plan.due + days(8))
    chases = outbox(sessions, workflow_id, "overdue")
    assert chases and {o.rule_id for o in chases} == {"ehc-final-plan"} and {o.recipient for o in chases} == {"senco"}
    assert all("Chase the LA" in o.subject for o in chases)
    state = await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="ehc-final-plan", done_on=await london_today(env), by="senco", evidence="final plan received"),
    )
    [final] = [s for s in state.steps if s.rule_id == "ehc-final-plan"]
    assert final.status == StepStatus.COMPLETED and final.days_late == 8

    result = await outcome(env, workflow_id)
    assert result.on_time  # the process's outcome is the school's duty
    process, steps = process_row(sessions, workflow_id)
    assert process.closed_at is not None and {s.rule_id for s in steps} == {"ehc-advice", "ehc-final-plan"}
    kinds = [e.kind for e in events(sessions, workflow_id)]
    assert kinds.index("advice-closed") < kinds.index("process-closed")


async def test_the_chase_can_be_cancelled_when_the_la_decides_not_to_issue_a_plan(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, request(today, "EHC-0702", today - days(3)))
    workflow_id = started.state.workflow_id
    await sleep_until_day(env, today + days(5))
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher"))
    await sleep_until_day(env, today + days(90))
    await cancel_step(
        env.client,
        settings,
        workflow_id,
        Cancellation(
            rule_id="ehc-final-plan",
            cancelled_on=await london_today(env),
            by="senco",
            reason="LA notice: no plan to be issued (reg 10)",
        ),
    )
    result = await outcome(env, workflow_id)
    assert result.status == StepStatus.COMPLETED
    _, steps = process_row(sessions, workflow_id)
    assert {s.rule_id: s.status for s in steps}["ehc-final-plan"] == "cancelled"


def test_an_assessment_request_after_the_request_for_advice_is_refused(today=None):
    from datetime import date

    with pytest.raises(ValidationError, match="assessment_requested_on: 2027-01-12 is after the request for advice"):
        AdviceRequest(
            case_ref="EHC-0703",
            la="Kent",
            received_on=date(2027, 1, 11),
            owner="teacher",
            assessment_requested_on=date(2027, 1, 12),
        )
