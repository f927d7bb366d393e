"""A transfer year (reg 18): the reg 18 step is met by the LA's final plan naming the new setting, not by its decision;
the meeting is planned back from it (phase-transfer-meeting-by), with reminders from the autumn term."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from starter.advice import RequestError
from starter.processes import process_state
from starter.review import final_plan, meeting_held, set_meeting, transfer_warnings
from statutory.clock import fmt
from tests.workflows.advice_flow import days, events, london_today, outbox, sleep_until_day
from tests.workflows.test_annual_review import end, run_a_cycle, start
from workflows.annual_review import MEETING_BY
from workflows.models import FinalPlan, MeetingDate, MeetingHeld, StepStatus

pytestmark = pytest.mark.usefixtures("worker")


def next_14_february(on_or_after: date) -> date:
    """C5: the last day "before 15 February" that is on or after a date."""
    feb14 = date(on_or_after.year, 2, 14)
    return feb14 if feb14 >= on_or_after else date(on_or_after.year + 1, 2, 14)


def latest(state, rule_id: str):
    return [s for s in state.steps if s.rule_id == rule_id][-1]


async def test_an_amend_decision_before_15_february_leaves_the_transfer_review_open_until_the_final_plan(
    env, settings, sessions
):
    today = await london_today(env)
    feb14 = next_14_february(today + days(40))
    transfer = date(feb14.year, 9, 1)
    started = await start(env, settings, "EHC-1811", today - days(300), transfer_on=transfer, transfer_kind="phase")
    workflow_id = started.state.workflow_id
    assert started.state.step("phase-transfer-review").plan.due == feb14
    meeting_by = started.state.step(MEETING_BY)
    assert meeting_by.derived_from == "phase-transfer-review" and meeting_by.plan.due == feb14 - days(84)
    assert transfer_warnings(started.state) == []  # a September transfer: reg 18's date comes first

    meeting = today + days(16)
    state = await run_a_cycle(env, settings, workflow_id, meeting, decision="amend")
    decided = date.fromisoformat(state.facts["decided_on"])
    assert decided < feb14
    assert state.step(MEETING_BY).status == StepStatus.COMPLETED and state.step(MEETING_BY).completed_on == meeting
    assert state.step("annual-review-due").completed_on == decided  # the LA's decision concluded the review
    assert state.step("phase-transfer-review").status == StepStatus.OPEN  # a decision to amend names no school

    await sleep_until_day(env, feb14 + days(10))
    state = await process_state(env.client, workflow_id)
    assert state.facts["cycle"] == 2  # carried into the next cycle, still open and escalating
    assert latest(state, "phase-transfer-review").status == StepStatus.OPEN
    overdue = [o for o in outbox(sessions, workflow_id, "overdue") if o.rule_id == "phase-transfer-review"]
    assert overdue and min(o.scheduled_for.date() for o in overdue) > feb14

    with pytest.raises(RequestError, match=r"issued_on: .* is before the amendment notice"):
        await final_plan(
            env.client,
            settings,
            workflow_id,
            FinalPlan(issued_on=decided - days(1), names_setting="Northgate High School", by="senco"),
        )
    issued = await london_today(env)
    state = await final_plan(
        env.client,
        settings,
        workflow_id,
        FinalPlan(issued_on=issued, names_setting="Northgate High School", by="senco", evidence="LA letter ref 123"),
    )
    phase = latest(state, "phase-transfer-review")
    assert phase.status == StepStatus.COMPLETED and phase.on_time is False and phase.days_late == (issued - feb14).days
    assert latest(state, "amended-plan-final").status == StepStatus.COMPLETED  # the same document
    assert state.facts["names_setting"] == "Northgate High School"
    completed = [
        e for e in events(sessions, workflow_id) if e.rule_id == "phase-transfer-review" and e.kind == "completed"
    ]
    assert completed[0].data["names_setting"] == "Northgate High School"
    with pytest.raises(RequestError, match=r"issued_on: no open transfer review"):
        await final_plan(env.client, settings, workflow_id, FinalPlan(issued_on=issued, already_named=True, by="senco"))
    await end(env, settings, workflow_id)


async def test_the_meeting_by_date_opens_with_the_cycle_and_is_first_reminded_in_the_autumn_term(env, settings):
    today = await london_today(env)
    autumn = today.year if today < date(today.year, 9, 1) else today.year + 1  # the next September to come
    transfer = date(autumn + 1, 9, 1)
    started = await start(env, settings, "EHC-1812", today - days(30), transfer_on=transfer, transfer_kind="phase")
    workflow_id = started.state.workflow_id
    meeting_by = started.state.step(MEETING_BY)
    assert meeting_by.plan.due == date(autumn + 1, 2, 14) - days(84)  # late November of the autumn before
    first = meeting_by.pending[0]
    assert (first.kind, first.on.year, first.on.month) == ("reminder", autumn, 9)  # the autumn term, not 84 days out
    assert started.state.step("phase-transfer-review").pending[0].on >= first.on
    await end(env, settings, workflow_id)


async def test_a_move_between_post16_institutions_is_reviewed_five_months_before_it(env, settings):
    today = await london_today(env)
    transfer = (today + relativedelta(months=8)).replace(day=1)
    started = await start(
        env, settings, "EHC-1813", today - days(200), transfer_on=transfer, transfer_kind="post16-move"
    )
    workflow_id = started.state.workflow_id
    reg18 = started.state.step("post16-move-review")
    assert reg18.plan.due == transfer - relativedelta(months=5) and "18(2)" in reg18.plan.basis
    meeting_by = started.state.step(MEETING_BY)
    assert meeting_by.derived_from == "post16-move-review" and meeting_by.plan.due == reg18.plan.due - days(84)
    assert started.state.facts["transfer_kind"] == "post16-move"

    await sleep_until_day(env, today + days(3))
    state = await final_plan(
        env.client,
        settings,
        workflow_id,
        FinalPlan(
            issued_on=await london_today(env), already_named=True, by="senco", evidence="LA e-mail: already names it"
        ),
    )
    assert state.step("post16-move-review").status == StepStatus.COMPLETED and state.facts["already_named"] is True
    assert state.step(MEETING_BY).status == StepStatus.OPEN  # the meeting is still to be held
    await end(env, settings, workflow_id)


async def test_a_january_transfer_before_the_reg_18_date_is_accepted_with_a_warning(env, settings):
    today = await london_today(env)
    transfer = date(today.year + 1, 1, 4)
    started = await start(env, settings, "EHC-1814", today - days(200), transfer_on=transfer, transfer_kind="phase")
    workflow_id = started.state.workflow_id
    phase = started.state.step("phase-transfer-review")
    assert phase.plan.due == date(transfer.year, 2, 14)
    assert transfer_warnings(started.state) == [
        f"Warning: The transfer on {fmt(transfer)} is before the date regulation 18 sets ({fmt(phase.plan.due)}): the "
        f"plan must still be reviewed and amended, naming the new school or institution, before the transfer."
    ]
    assert any("Warning" in line for line in phase.plan.explanation)  # the step's explanation says it too

    meeting = today + days(20)
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    await sleep_until_day(env, meeting)
    state = await meeting_held(env.client, settings, workflow_id, MeetingHeld(held_on=meeting, by="senco"))
    assert state.step(MEETING_BY).status == StepStatus.COMPLETED
    assert state.step("phase-transfer-review").status == StepStatus.OPEN
    await end(env, settings, workflow_id)
