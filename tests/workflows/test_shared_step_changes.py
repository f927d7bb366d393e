"""The changes every statutory step accepts, on the processes whose own tests do not already walk them: reassignment
of the advice request and of an annual-review step, lateness with escalation, and exemptions refused where the law
gives no grounds (a school's consultation reply, the review's own steps)."""

from __future__ import annotations

import pytest

from starter.advice import RequestError, advice_sent, start_advice_request
from starter.processes import complete_step, exempt_step, process_state, reassign_step
from starter.review import meeting_held, plan_ceased, set_meeting, start_review
from tests.workflows.advice_flow import (
    advice_request,
    days,
    events,
    header,
    london_today,
    outbox,
    outcome,
    sleep_until_day,
)
from workflows.annual_review import AnnualReview
from workflows.models import (
    AdviceSent,
    Exemption,
    MeetingDate,
    MeetingHeld,
    PlanCeased,
    Reassignment,
    ReviewInput,
    StepDone,
    StepExemption,
    StepStatus,
)

pytestmark = pytest.mark.usefixtures("worker")


@pytest.mark.databases
async def test_advice_request_reassigned_then_sent_late_with_escalations_to_the_new_owner(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0801"))
    workflow_id, plan = started.state.workflow_id, started.state.step.plan
    await sleep_until_day(env, today + days(3))
    state = await reassign_step(
        env.client,
        settings,
        workflow_id,
        Reassignment(rule_id="ehc-advice", owner="head", by="senco", reason="teacher on leave"),
    )
    assert state.step("ehc-advice").owner == "head"
    assert [o.recipient for o in outbox(sessions, workflow_id, "assigned")] == ["teacher", "head"]

    await sleep_until_day(env, plan.due + days(10))
    escalations = outbox(sessions, workflow_id, "overdue")
    assert escalations and {o.recipient for o in escalations} == {"head", "senco"}
    later_reminders = [o for o in outbox(sessions, workflow_id, "reminder") if o.scheduled_for.date() > today + days(3)]
    assert later_reminders and {o.recipient for o in later_reminders} == {"head"}
    state = await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="head"))
    assert state.step.days_late == 10 and state.step.on_time is False
    result = await outcome(env, workflow_id)
    assert result.days_late == 10
    assert "reassigned" in [e.kind for e in events(sessions, workflow_id)]


@pytest.mark.databases
async def test_annual_review_step_reassigned_exemption_refused_and_report_late(env, settings, sessions, case_suffix):
    today = await london_today(env)
    started = await start_review(
        env.client,
        settings,
        ReviewInput(header=header(today - days(320), case_ref=f"EHC-0802{case_suffix}", owner="senco"), year_group=4),
    )
    workflow_id = started.state.workflow_id
    with pytest.raises(RequestError, match="rule 'annual-review-due' has no exemption grounds"):
        await exempt_step(
            env.client,
            settings,
            workflow_id,
            StepExemption(rule_id="annual-review-due", exemption=Exemption(ground="la-absence", claimed_by="senco")),
        )

    meeting = today + days(30)
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    await reassign_step(
        env.client,
        settings,
        workflow_id,
        Reassignment(rule_id="review-advice-circulation", owner="teacher", by="senco"),
    )
    await sleep_until_day(env, meeting - days(15))
    for rule in ("review-notice", "review-advice-circulation"):
        await complete_step(
            env.client, settings, workflow_id, StepDone(rule_id=rule, done_on=await london_today(env), by="senco")
        )
    await sleep_until_day(env, meeting)
    state = await meeting_held(env.client, settings, workflow_id, MeetingHeld(held_on=meeting, by="senco"))
    report = state.step("review-report")
    await sleep_until_day(env, report.plan.due + days(5))  # the report is late: the SENCO is chased
    overdue = [o for o in outbox(sessions, workflow_id, "overdue") if o.rule_id == "review-report"]
    assert overdue and {o.recipient for o in overdue} == {"senco"}
    state = await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="review-report", done_on=await london_today(env), by="senco"),
    )
    assert state.step("review-report").status == StepStatus.COMPLETED and state.step("review-report").days_late == 5
    assigned = outbox(sessions, workflow_id, "assigned")
    assert ("review-advice-circulation", "teacher") in {(o.rule_id, o.recipient) for o in assigned}

    await plan_ceased(
        env.client, settings, workflow_id, PlanCeased(ceased_on=await london_today(env), by="senco", reason="test over")
    )
    final = await env.client.get_workflow_handle_for(AnnualReview.run, workflow_id).result()
    assert final.closed
    assert (await process_state(env.client, workflow_id)).closed
