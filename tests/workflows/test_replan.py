"""Planning open steps again (`sendclock process replan`): when the rule book is revised, or the school's calendar or
an LA's own date changes, a running process's open steps are planned again from their anchors by an explicit,
recorded update (histories from before it never call it). Only a step whose dates move is recorded and its owner
told."""

from __future__ import annotations

import pytest

from config.settings import LawSettings
from starter.processes import process_state, replan_steps
from starter.requests import RequestError
from starter.review import set_meeting
from tests.workflows.advice_flow import days, events, london_today, outbox
from tests.workflows.test_annual_review import end, start
from workflows.models import MeetingDate, Replan

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def settings(settings):
    """The school read notice periods inclusively when the meeting was set (as sendclock did before December 2026)."""
    return settings.model_copy(update={"law": LawSettings(notice_reading="inclusive")})


async def test_a_revised_reading_reaches_an_open_step_only_when_planned_again_and_only_moved_steps_are_told(
    env, settings, sessions
):
    today = await london_today(env)
    started = await start(env, settings, "EHC-REPLAN", today - days(300))
    workflow_id = started.state.workflow_id
    meeting = today + days(40)
    state = await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    assert state.step("review-notice").plan.due == meeting - days(14)  # inclusive: M - 14
    due_before = state.step("annual-review-due").plan

    settings.law.notice_reading = "clear"  # the rule book revised: clear days, M - 15
    assert (await process_state(env.client, workflow_id)).step("review-notice").plan.due == meeting - days(14)
    told_before = len(outbox(sessions, workflow_id, "rescheduled"))
    state = await replan_steps(env.client, settings, workflow_id, Replan(by="senco", reason="rule book revised"))
    for rule in ("review-notice", "review-advice-circulation"):
        step = state.step(rule)
        assert step.plan.due == meeting - days(15) and "clear days" in " ".join(step.plan.explanation)
        assert step.pending and all(n.on >= today for n in step.pending)
    assert state.step("annual-review-due").plan == due_before  # nothing moved: the same plan, nothing recorded
    replanned = [e for e in events(sessions, workflow_id) if e.kind == "step-replanned"]
    assert sorted(e.rule_id for e in replanned) == ["review-advice-circulation", "review-notice"]
    assert replanned[0].data["previous_due"] == (meeting - days(14)).isoformat() and replanned[0].actor == "senco"
    assert len(outbox(sessions, workflow_id, "rescheduled")) == told_before + 2

    again = await replan_steps(env.client, settings, workflow_id, Replan(by="senco"))
    assert len([e for e in events(sessions, workflow_id) if e.kind == "step-replanned"]) == 2  # nothing moved
    assert again.step("review-notice").plan == state.step("review-notice").plan

    with pytest.raises(RequestError, match="by: no staff member with id 'nobody'"):
        await replan_steps(env.client, settings, workflow_id, Replan(by="nobody"))
    await end(env, settings, workflow_id)
