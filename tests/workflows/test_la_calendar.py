"""C6 in the duty-holder's calendar (rule book §2, revised December 2026; issue 18, defect 5): the LA works through
the school's holidays, so an LA's own deadline is not pulled back by the school's closures; the school's duties are."""

from __future__ import annotations

import pytest

from config.settings import CalendarSettings, ClosureSetting
from starter.advice import advice_sent, start_advice_request
from statutory import Closure, SchoolCalendar, compute_deadline
from tests.workflows.advice_flow import days, london_today, outcome
from workflows.models import AdviceRequest, AdviceSent

pytestmark = pytest.mark.usefixtures("worker")

ASKED_DAYS_AGO = 40  # the LA received the assessment request 40 days ago: its 20 weeks end in 100 days


@pytest.fixture
async def calendar(env) -> CalendarSettings:
    """A school closure over the LA's final-plan date and one over the school's own advice date."""
    today = await london_today(env)
    final_due = today - days(ASKED_DAYS_AGO) + days(140)
    advice_due = today + days(42)
    return CalendarSettings(
        closures=[
            ClosureSetting(start=final_due - days(9), end=final_due + days(9), label="Summer holiday"),
            ClosureSetting(start=advice_due - days(4), end=advice_due + days(3), label="Half term"),
        ]
    )


async def test_the_las_target_ignores_the_schools_closures_and_the_schools_own_does_not(env, settings, calendar):
    today = await london_today(env)
    asked = today - days(ASKED_DAYS_AGO)
    started = await start_advice_request(
        env.client,
        settings,
        AdviceRequest(
            case_ref="EHC-LACAL", la="Kent", received_on=today, owner="teacher", assessment_requested_on=asked
        ),
    )
    state = started.state
    school = SchoolCalendar(Closure(start=c.start, end=c.end, label=c.label) for c in calendar.closures)

    [final] = state.la_steps
    assert final.rule_id == "ehc-final-plan" and final.plan.due == asked + days(140)
    assert final.plan.target == compute_deadline("ehc-final-plan", asked, SchoolCalendar()).target  # no closures
    assert final.plan.target > school.last_working_day_on_or_before(final.plan.due)  # not pulled back before them
    assert "in the LA's calendar" in " ".join(final.plan.explanation)

    advice = state.step.plan  # the school's duty: its target is the last school day before the half term
    assert advice.target == school.last_working_day_on_or_before(advice.due) < advice.due - days(4)

    await advice_sent(env.client, settings, state.workflow_id, AdviceSent(sent_on=today, by="teacher"))
    from starter.processes import cancel_step
    from workflows.models import Cancellation

    await cancel_step(
        env.client,
        settings,
        state.workflow_id,
        Cancellation(rule_id="ehc-final-plan", cancelled_on=today, by="senco", reason="test over"),
    )
    await outcome(env, state.workflow_id)
