"""An LA's own lead time before a review meeting (issue 25, LA profiles): its date goes beside the statutory date,
never instead of it; the school's target becomes the earlier working day; the explanation says which is the law and
which the LA's practice; an LA with no profile gets the law, unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from config.school_deadlines import deadline_for
from config.settings import LaPractice, Settings
from statutory import Closure, SchoolCalendar, compute_deadline
from statutory.deadline import LaLead, LaMeetingDate
from workflows.models import PlanStepInput

ADVICE = "review-advice-circulation"
KENT_6 = LaLead(la="Kent", weeks=6)
# Fictional Christmas closure: Sat 19 Dec 2026 to Sun 3 Jan 2027 (both bank holidays in it: 25 and 28 December).
CHRISTMAS = SchoolCalendar([Closure(start=date(2026, 12, 19), end=date(2027, 1, 3), label="Christmas holiday")])


def law_line(deadline) -> str:
    [line] = [line for line in deadline.explanation if line.startswith("The law's date")]
    return line


def practice_line(deadline) -> str:
    [line] = [line for line in deadline.explanation if line.startswith("The LA's practice, not the law")]
    return line


def test_six_weeks_clear_days_puts_the_las_date_beside_the_unchanged_statutory_date():
    law = compute_deadline(ADVICE, date(2027, 3, 17))
    kent = compute_deadline(ADVICE, date(2027, 3, 17), la_lead=KENT_6)
    assert kent.due == law.due == date(2027, 3, 2)  # 14 clear days before Wed 17 Mar 2027: the law's date stays
    assert kent.la_practice is not None
    assert (kent.la_practice.la, kent.la_practice.due, kent.la_practice.weeks) == ("Kent", date(2027, 2, 2), 6)
    assert kent.target == date(2027, 2, 2)  # 42 clear days: Tue 2 Feb 2027, a working day
    assert kent.la_practice.description == (
        "Kent asks for the advice 6 weeks before the meeting, by Tue 2 Feb 2027: the LA's practice, not the law."
    )
    assert law_line(kent).startswith("The law's date is Tue 2 Mar 2027, the statutory due date under SEND Regulations")
    assert practice_line(kent) == (
        "The LA's practice, not the law: Kent asks for this 6 weeks before the meeting, counted as the law's date is "
        "(42 clear days): by Tue 2 Feb 2027, so the school's target is brought forward to Tue 2 Feb 2027."
    )
    # The law's line comes first, then the LA's, after the target sentence; nothing of the law's is lost.
    lines = kent.explanation
    assert lines.index(law_line(kent)) == lines.index(practice_line(kent)) - 1
    assert [line for line in lines if line not in (law_line(kent), practice_line(kent))] == law.explanation


def test_the_inclusive_reading_counts_the_las_weeks_as_it_counts_the_laws():
    kent = compute_deadline(ADVICE, date(2027, 3, 17), reading="inclusive", la_lead=KENT_6)
    assert kent.due == date(2027, 3, 3)  # the law, read inclusively: a day later than clear days
    assert kent.la_practice is not None and kent.la_practice.due == date(2027, 2, 3)
    assert kent.target == date(2027, 2, 3)
    assert "(6 weeks, counted inclusively): by Wed 3 Feb 2027" in practice_line(kent)


def test_a_bank_holiday_moves_the_las_target_to_the_working_day_before():
    # Meeting Tue 15 Jun 2027: the law's date is Mon 31 May (spring bank holiday), the LA's Mon 3 May (early May).
    kent = compute_deadline(ADVICE, date(2027, 6, 15), la_lead=KENT_6)
    assert kent.due == date(2027, 5, 31)
    assert kent.la_practice is not None and kent.la_practice.due == date(2027, 5, 3)
    assert kent.target == date(2027, 4, 30)  # Fri 30 Apr 2027
    assert "by Mon 3 May 2027, so the school's target is brought forward to Fri 30 Apr 2027" in practice_line(kent)


def test_a_meeting_early_in_january_across_the_christmas_closure():
    law = compute_deadline(ADVICE, date(2027, 1, 5), CHRISTMAS)
    kent = compute_deadline(ADVICE, date(2027, 1, 5), CHRISTMAS, la_lead=KENT_6)
    assert law.due == kent.due == date(2026, 12, 21)  # in the closure: the law's date stays
    assert law.target == date(2026, 12, 18)  # the last school day before the closure
    assert kent.la_practice is not None and kent.la_practice.due == date(2026, 11, 23)
    assert kent.target == date(2026, 11, 23)


def test_an_las_date_inside_the_closure_whose_working_day_is_the_target_already_moves_nothing():
    three_weeks = LaLead(la="Kent", weeks=3)
    kent = compute_deadline(ADVICE, date(2027, 1, 11), CHRISTMAS, la_lead=three_weeks)
    assert kent.due == date(2026, 12, 27)  # the law's date, in the closure
    assert kent.la_practice is not None and kent.la_practice.due == date(2026, 12, 20)  # the LA's, in it too
    assert kent.target == date(2026, 12, 18)  # both come back to Fri 18 Dec 2026
    assert "is the target already, so the target does not move" in practice_line(kent)


def test_an_la_asking_less_than_the_law_is_shown_but_the_statutory_date_is_the_one_to_meet():
    one_week = LaLead(la="Kent", weeks=1)
    law = compute_deadline("review-notice", date(2027, 3, 17))
    kent = compute_deadline("review-notice", date(2027, 3, 17), la_lead=one_week)
    assert (kent.due, kent.target) == (law.due, law.target)
    assert kent.la_practice is not None and kent.la_practice.due == date(2027, 3, 9)
    assert "no earlier than the law's date, so the statutory date is the one to meet" in practice_line(kent)
    assert kent.la_practice.description.startswith("Kent asks for notice of the meeting 1 week before the meeting")


def test_an_la_lead_time_is_only_for_the_steps_before_a_review_meeting():
    with pytest.raises(ValueError, match="la_lead does not apply"):
        compute_deadline("review-report", date(2027, 3, 17), la_lead=KENT_6)
    with pytest.raises(ValueError, match="la_lead does not apply"):
        compute_deadline("ehc-advice", date(2027, 3, 17), la_lead=KENT_6)


def test_an_las_own_transfer_date_is_its_practice_date_too():
    kent = compute_deadline(
        "phase-transfer-meeting-by", date(2027, 9, 1), la_date=LaMeetingDate(la="Kent", month=11, day=30)
    )
    assert kent.due == date(2026, 11, 30)  # replaces the derived planning date (guidance), as before
    assert kent.la_practice is not None and kent.la_practice.due == date(2026, 11, 30)
    assert kent.la_practice.description == (
        "Kent holds transfer-year review meetings by Mon 30 Nov 2026: the LA's practice, not the law, in place of "
        "the derived planning date, Sun 22 Nov 2026."
    )


def request(rule_id: str, anchor: date, la: str | None) -> PlanStepInput:
    return PlanStepInput(rule_id=rule_id, anchor=anchor, owner="senco", escalate_to="senco", la=la)


KENT = {"Kent": LaPractice(review_advice_weeks_before=6, review_notice_weeks_before=4)}


@pytest.mark.parametrize(
    ("rule_id", "practice_due"), [(ADVICE, date(2027, 2, 2)), ("review-notice", date(2027, 2, 16))]
)
def test_the_settings_lead_times_reach_the_deadline_whatever_the_case_of_the_las_name(rule_id, practice_due):
    settings = Settings(las=KENT)
    found = deadline_for(settings, request(rule_id, date(2027, 3, 17), "KENT"), SchoolCalendar())
    assert found.due == date(2027, 3, 2) and found.la_practice is not None
    assert (found.la_practice.la, found.la_practice.due, found.target) == ("KENT", practice_due, practice_due)


@pytest.mark.parametrize(
    ("settings", "la"),
    [
        (Settings(), "Kent"),  # no profiles at all
        (Settings(las=KENT), "Surrey"),  # another LA's profile
        (Settings(las={"Kent": LaPractice(mailbox="sen.team@kent.example.org")}), "Kent"),  # no lead time in it
        (Settings(las=KENT), None),  # a step planned without its LA (as before LA profiles)
    ],
)
@pytest.mark.parametrize("rule_id", [ADVICE, "review-notice", "review-report"])
def test_an_la_without_a_lead_time_gets_the_law_unchanged(settings, la, rule_id):
    meeting = date(2027, 3, 17)
    found = deadline_for(settings, request(rule_id, meeting, la), SchoolCalendar())
    assert found == compute_deadline(rule_id, meeting, SchoolCalendar())
    assert found.la_practice is None
