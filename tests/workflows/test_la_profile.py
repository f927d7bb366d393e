"""An LA profile on the time-skipping server (issue 25): Kent wants the annual review's advice six weeks before the
meeting and holds transfer-year review meetings by 30 November. The review's advice step carries Kent's date beside
the unchanged statutory date, in the workflow's state and in the step's row; its reminders aim at the earlier
target; the transfer-year meeting date is Kent's; a moved meeting moves both. Surrey, with no profile, gets the law.
Fictional pupils only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from config.settings import LaPractice, Settings
from starter.review import set_meeting
from statutory import SchoolCalendar, compute_deadline
from statutory.clock import fmt
from tests.workflows.advice_flow import days, london_today, steps
from tests.workflows.test_annual_review import end, start
from workflows.annual_review import MEETING_BY
from workflows.models import MeetingDate

pytestmark = pytest.mark.usefixtures("worker")

ADVICE = "review-advice-circulation"
NOTICE = "review-notice"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The workflow tests' settings (tests/workflows/conftest.py) with Kent's profile; Surrey has none."""
    kent = LaPractice(
        review_advice_weeks_before=6,
        transfer_review_meetings_by="11-30",
        portal_url="https://send-portal.kent.example.org/schools",
        mailbox="sen.team@kent.example.org",
    )
    return settings.model_copy(update={"las": {"Kent": kent}})


def clear_days_before(meeting: date, weeks: int) -> date:
    """C3 read as clear days: neither the day of the act nor the meeting counted."""
    return meeting - timedelta(days=7 * weeks + 1)


async def test_kents_advice_date_and_transfer_date_go_beside_the_statutory_dates(env, settings, sessions):
    today = await london_today(env)
    autumn = today.year if today < date(today.year, 9, 1) else today.year + 1  # the next September to come
    transfer = date(autumn + 1, 9, 1)
    started = await start(env, settings, "EHC-2501", today - days(300), transfer_on=transfer, transfer_kind="phase")
    workflow_id = started.state.workflow_id

    # The transfer year: the reg 18 date is the law's, unchanged; the meeting-by date is Kent's own 30 November.
    reg18 = started.state.step("phase-transfer-review").plan
    assert reg18.due == date(autumn + 1, 2, 14) and reg18.la_practice is None
    meeting_by = started.state.step(MEETING_BY).plan
    kents_day = date(autumn, 11, 30)
    assert meeting_by.due == kents_day and meeting_by.la_practice is not None
    assert meeting_by.la_practice.due == kents_day
    derived = date(autumn + 1, 2, 14) - days(84)
    assert meeting_by.la_practice.description == (
        f"Kent holds transfer-year review meetings by {fmt(kents_day)}: the LA's practice, not the law, in place of "
        f"the derived planning date, {fmt(derived)}."
    )
    assert any(line.startswith("Kent sets its own date") for line in meeting_by.explanation)

    # The meeting is set: the advice step's statutory date is the law's (14 clear days), Kent's 42 clear days beside.
    meeting = today + days(50)
    state = await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    advice = state.step(ADVICE)
    assert advice.plan is not None and advice.plan.la_practice is not None
    law = compute_deadline(ADVICE, meeting, SchoolCalendar())
    kents = clear_days_before(meeting, 6)
    assert advice.plan.due == law.due == clear_days_before(meeting, 2)  # the statutory date never moves
    assert advice.plan.la_practice.due == kents and advice.plan.la_practice.weeks == 6
    assert advice.plan.target == SchoolCalendar().last_working_day_on_or_before(kents)  # the earlier of the two
    assert advice.plan.la_practice.description == (
        f"Kent asks for the advice 6 weeks before the meeting, by {fmt(kents)}: the LA's practice, not the law."
    )
    explanation = advice.plan.explanation
    assert any(line.startswith(f"The law's date is {fmt(law.due)}, the statutory due date") for line in explanation)
    assert any(line.startswith("The LA's practice, not the law: Kent asks for this 6 weeks") for line in explanation)
    # Its reminders aim at the school's target, Kent's working day: the last one is on it.
    reminders = [n for n in advice.pending if n.kind == "reminder"]
    assert reminders and reminders[-1].on == advice.plan.target and reminders[-1].days_to_target == 0
    # Kent sets no lead time for the notice of the meeting: that step has the law alone.
    notice = state.step(NOTICE)
    assert notice.plan is not None and notice.plan.la_practice is None and notice.plan.target == law.target

    rows = steps(sessions, workflow_id)
    assert (rows[ADVICE].due, rows[ADVICE].target) == (law.due, advice.plan.target)
    assert rows[ADVICE].la_practice_due == kents
    assert rows[ADVICE].la_practice_note == advice.plan.la_practice.description
    assert (rows[MEETING_BY].due, rows[MEETING_BY].la_practice_due) == (kents_day, kents_day)
    assert rows[MEETING_BY].la_practice_note == meeting_by.la_practice.description
    assert rows["phase-transfer-review"].la_practice_due is None and rows[NOTICE].la_practice_due is None

    # The meeting moves a week later: both dates move with it, the statutory one still the law's.
    later = meeting + days(7)
    state = await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=later, by="senco"))
    moved = state.step(ADVICE).plan
    assert moved is not None and moved.la_practice is not None
    assert (moved.due, moved.la_practice.due) == (clear_days_before(later, 2), clear_days_before(later, 6))
    row = steps(sessions, workflow_id)[ADVICE]
    assert (row.due, row.la_practice_due) == (moved.due, moved.la_practice.due)
    await end(env, settings, workflow_id)


async def test_an_la_without_a_profile_gets_the_law(env, settings, sessions):
    from starter.review import start_review
    from tests.workflows.advice_flow import header
    from workflows.models import ReviewInput

    today = await london_today(env)
    started = await start_review(
        env.client,
        settings,
        ReviewInput(header=header(today - days(300), case_ref="EHC-2502", la="Surrey", owner="senco")),
    )
    workflow_id = started.state.workflow_id
    meeting = today + days(50)
    state = await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    advice = state.step(ADVICE).plan
    law = compute_deadline(ADVICE, meeting, SchoolCalendar())
    assert advice is not None and (advice.due, advice.target, advice.la_practice) == (law.due, law.target, None)
    assert advice.explanation == law.explanation
    row = steps(sessions, workflow_id)[ADVICE]
    assert (row.due, row.target, row.la_practice_due, row.la_practice_note) == (law.due, law.target, None, None)
    await end(env, settings, workflow_id)
