"""The annual review cycle: years of simulated time on the time-skipping server, one cycle per run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from starter.advice import RequestError
from starter.processes import complete_step, process_state
from starter.review import la_decision, meeting_held, plan_ceased, set_meeting, start_review
from statutory.clock import fmt
from tests.workflows.advice_flow import days, events, header, london_today, outbox, sleep_until_day
from workflows.annual_review import AnnualReview
from workflows.models import (
    MeetingDate,
    MeetingHeld,
    PlanCeased,
    ReviewDecision,
    ReviewInput,
    StepDone,
    StepStatus,
)

pytestmark = pytest.mark.usefixtures("worker")


def twelve_months_from(anchor: date) -> date:
    """C4: the day before the corresponding date 12 months later (last day of the month where there is none)."""
    return (
        anchor + relativedelta(months=12) - timedelta(days=1)
        if (anchor.month, anchor.day) != (2, 29)
        else date(anchor.year + 1, 2, 28)
    )


async def start(env, settings, case_ref, plan_made_on, **fields):
    return await start_review(
        env.client, settings, ReviewInput(header=header(plan_made_on, case_ref=case_ref, owner="senco"), **fields)
    )


async def end(env, settings, workflow_id, reason="test over"):
    """Every test ends what it starts: an open workflow whose worker has gone blocks the test server's clock."""
    await plan_ceased(
        env.client, settings, workflow_id, PlanCeased(ceased_on=await london_today(env), by="senco", reason=reason)
    )
    return await env.client.get_workflow_handle_for(AnnualReview.run, workflow_id).result()


async def run_a_cycle(env, settings, workflow_id, meeting_on, *, decision="maintain"):
    """The SENCO's year: meeting set, notice and advice sent, meeting held, report sent, LA decides."""
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting_on, by="senco"))
    await sleep_until_day(env, meeting_on - days(15))
    for rule in ("review-notice", "review-advice-circulation"):
        await complete_step(
            env.client, settings, workflow_id, StepDone(rule_id=rule, done_on=await london_today(env), by="senco")
        )
    await sleep_until_day(env, meeting_on)
    await meeting_held(env.client, settings, workflow_id, MeetingHeld(held_on=meeting_on, by="senco"))
    await sleep_until_day(env, meeting_on + days(10))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="review-report", done_on=await london_today(env), by="senco"),
    )
    await sleep_until_day(env, meeting_on + days(20))
    return await la_decision(
        env.client,
        settings,
        workflow_id,
        ReviewDecision(decided_on=await london_today(env), decision=decision, by="senco"),
    )


@pytest.mark.databases
async def test_three_yearly_cycles_through_continue_as_new(env, settings, sessions, case_suffix):
    today = await london_today(env)
    made = today - days(300)
    started = await start(env, settings, f"EHC-0601{case_suffix}", made, year_group=7)
    workflow_id = started.state.workflow_id
    due = started.state.step("annual-review-due")
    assert due.plan.due == twelve_months_from(made) and due.plan.style == "duty"
    assert started.state.facts["preparing_for_adulthood"] is False
    # Months of warning, not two weeks: the first reminder is 12 weeks before the target.
    assert due.pending[0].days_to_target == 84 or due.pending[0].on >= today

    run_ids, meeting = set(), today + days(30)
    for cycle in (1, 2, 3):
        state = await process_state(env.client, workflow_id)
        assert state.facts["cycle"] == cycle
        description = await env.client.get_workflow_handle(workflow_id).describe()
        run_ids.add(description.run_id)
        assert description.raw_description.workflow_execution_info.history_length < 1000
        await run_a_cycle(env, settings, workflow_id, meeting)
        await sleep_until_day(env, meeting + days(25))
        state = await process_state(env.client, workflow_id)
        assert state.facts["cycle"] == cycle + 1
        next_due = state.step("annual-review-due")
        assert next_due.anchor == meeting and next_due.plan.due == twelve_months_from(meeting)
        assert state.facts["year_group"] == 7 + cycle
        meeting = next_due.plan.target - days(20)
    assert len(run_ids) == 3 and state.facts["preparing_for_adulthood"] is True  # Year 10 now (reg 21(6))

    kinds = [e.kind for e in events(sessions, workflow_id)]
    assert kinds.count("review-cycle-opened") == 4 and kinds.count("review-cycle-closed") == 3
    assert outbox(sessions, workflow_id, "overdue") == []  # everything on time for three years
    await end(env, settings, workflow_id)


async def test_short_notice_is_rejected_unless_confirmed_and_a_moved_meeting_moves_its_steps(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0602", today - days(320), year_group=9)
    workflow_id = started.state.workflow_id
    assert started.state.facts["preparing_for_adulthood"] is True

    with pytest.raises(RequestError, match=r"meeting_on: .* leaves 5 days' notice, 4 clear days; reg 20\(3\)"):
        await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=today + days(5), by="senco"))
    with pytest.raises(RequestError, match="held_on: no meeting date has been set"):
        await meeting_held(env.client, settings, workflow_id, MeetingHeld(held_on=today, by="senco"))

    state = await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=today + days(40), by="senco"))
    first_due = state.step("review-notice").plan.due
    assert first_due == today + days(25)  # 14 clear days before the meeting (C3)
    state = await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=today + days(50), by="senco"))
    notice = state.step("review-notice")
    assert notice.plan.due == today + days(35) and notice.instance == 1  # the same step, planned again
    assert "step-rescheduled" in [e.kind for e in events(sessions, workflow_id)]
    assert outbox(sessions, workflow_id, "rescheduled")

    await sleep_until_day(env, today + days(45))  # the meeting must move earlier at short notice
    state = await set_meeting(
        env.client,
        settings,
        workflow_id,
        MeetingDate(
            meeting_on=today + days(48), short_notice=True, by="senco", note="parents asked for an earlier date"
        ),
    )
    assert state.facts["short_notice"] is True
    assert state.step("review-notice").plan.due == today + days(33)  # already past: recorded late
    await end(env, settings, workflow_id)


async def test_la_amends_the_plan_and_the_amendment_is_chased_into_the_next_cycle(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0603", today - days(300))
    workflow_id = started.state.workflow_id
    meeting = today + days(30)
    state = await run_a_cycle(env, settings, workflow_id, meeting, decision="amend")
    decided = state.facts["decided_on"]
    assert state.step("amended-plan-final").plan.style == "chase"
    assert state.step("draft-plan-representations").plan.style == "window"

    final_due = date.fromisoformat(decided) + days(56)
    await sleep_until_day(env, final_due + days(9))  # the LA is late with the final amended plan
    state = await process_state(env.client, workflow_id)
    assert state.facts["cycle"] == 2  # the next cycle began; the amendment was carried into it
    chases = outbox(sessions, workflow_id, "overdue")
    assert chases and all("Chase the LA" in o.subject for o in chases)
    assert {o.recipient for o in chases} == {"senco"}
    state = await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="amended-plan-final", done_on=await london_today(env), by="senco"),
    )
    final = [s for s in state.steps if s.rule_id == "amended-plan-final"][-1]
    assert final.status == StepStatus.COMPLETED and final.days_late == 9
    await end(env, settings, workflow_id)


async def test_phase_transfer_year_and_the_plan_ceasing(env, settings, sessions):
    today = await london_today(env)
    transfer = date(today.year + 1, 9, 1)
    started = await start(env, settings, "EHC-0604", today - days(200), transfer_on=transfer, transfer_kind="phase")
    workflow_id = started.state.workflow_id
    phase = started.state.step("phase-transfer-review")
    assert phase.plan.due == date(transfer.year, 2, 14) and phase.plan.target <= phase.plan.due

    with pytest.raises(RequestError, match="reason: say why the plan ceased"):
        await plan_ceased(env.client, settings, workflow_id, PlanCeased(ceased_on=today, by="senco", reason=""))
    await plan_ceased(
        env.client, settings, workflow_id, PlanCeased(ceased_on=today, by="senco", reason="moved to another LA's area")
    )
    result = await env.client.get_workflow_handle_for(AnnualReview.run, workflow_id).result()
    assert result.closed and result.facts["ceased_on"] == today.isoformat()
    assert {s.status for s in result.steps} == {StepStatus.CANCELLED}
    with pytest.raises(RequestError):
        await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=today + days(30), by="senco"))


async def test_fourteen_days_ahead_is_thirteen_clear_days_and_needs_short_notice_fifteen_do_not(env, settings):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0605", today - days(300))
    workflow_id = started.state.workflow_id
    fourteen = today + days(14)
    with pytest.raises(
        RequestError,
        match=rf"meeting_on: {fmt(fourteen)} leaves 14 days' notice, 13 clear days; "
        r"reg 20\(3\) requires at least two weeks \(14 clear days\): choose a later "
        r"date, or confirm short notice",
    ):
        await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=fourteen, by="senco"))
    state = await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=today + days(15), by="senco"))
    assert state.facts["short_notice"] is False
    assert state.step("review-notice").plan.due == today  # M - 15: notice sent today leaves 14 clear days
    state = await set_meeting(
        env.client, settings, workflow_id, MeetingDate(meeting_on=fourteen, short_notice=True, by="senco")
    )
    assert state.facts["short_notice"] is True and state.facts["meeting_on"] == fourteen.isoformat()
    await end(env, settings, workflow_id)


async def test_a_late_la_decision_makes_the_review_late_though_the_meeting_was_on_time(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "EHC-0606", today - days(340))
    workflow_id = started.state.workflow_id
    due = started.state.step("annual-review-due").plan.due
    meeting = today + days(16)
    assert meeting < due
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    await sleep_until_day(env, meeting)
    state = await meeting_held(env.client, settings, workflow_id, MeetingHeld(held_on=meeting, by="senco"))
    assert state.step("annual-review-due").status == StepStatus.OPEN  # the meeting alone does not conclude it

    await sleep_until_day(env, due + days(5))
    state = await la_decision(
        env.client,
        settings,
        workflow_id,
        ReviewDecision(decided_on=due + days(5), decision="maintain", by="senco", evidence="LA letter"),
    )
    review = [s for s in state.steps if s.rule_id == "annual-review-due"][0]
    assert review.status == StepStatus.COMPLETED and review.completed_on == due + days(5)
    assert review.on_time is False and review.days_late == 5  # late (LA): the review concluded after the due date
    assert state.step("review-la-decision").on_time is True  # within the LA's four weeks of the meeting
    completed = [e for e in events(sessions, workflow_id) if e.rule_id == "annual-review-due" and e.kind == "completed"]
    assert completed[0].data["meeting_held_on"] == meeting.isoformat()
    assert completed[0].data["meeting_on_time"] is True  # the school's part: the meeting within the 12 months
    await end(env, settings, workflow_id)
