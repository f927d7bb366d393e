"""Backdating (issue 21, finding 3): a completion recorded long after the date it gives, or dated before an overdue
notice that went out before it was recorded, is flagged with a sentence; counted working days follow the school's
calendar (weekends, England bank holidays, closures); exactly at the limit is not flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from audit.backdating import backdated, completion_flag, notice_days, working_days_after
from statutory import Closure, SchoolCalendar

PLAIN = SchoolCalendar()  # weekends and England bank holidays


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_finding_recorded_after_an_overdue_notice_and_over_the_limit_says_both():
    assert backdated(d("2026-03-02"), d("2026-03-11"), [d("2026-03-05")], PLAIN) == (
        "Recorded 9 days after the date given (given Mon 2 Mar 2026, recorded Wed 11 Mar 2026; 7 working days, over "
        "the limit of 5), after an overdue notice was sent on Thu 5 Mar 2026."
    )


@pytest.mark.parametrize(
    ("recorded", "flagged"),
    [
        ("2026-03-02", False),  # the same day
        ("2026-03-03", False),  # the next working day
        ("2026-03-09", False),  # exactly 5 working days after (Tue-Fri, Mon): at the limit, not over it
        ("2026-03-10", True),  # 6
    ],
)
def test_exactly_at_the_limit_is_not_flagged_one_more_working_day_is(recorded, flagged):
    assert (backdated(d("2026-03-02"), d(recorded), [], PLAIN) is not None) is flagged


def test_the_limit_is_the_schools_setting():
    assert backdated(d("2026-03-02"), d("2026-03-03"), [], PLAIN, working_days=0) == (
        "Recorded 1 day after the date given (given Mon 2 Mar 2026, recorded Tue 3 Mar 2026; 1 working day, over the "
        "limit of 0)."
    )
    assert backdated(d("2026-03-02"), d("2026-03-02"), [], PLAIN, working_days=0) is None
    assert backdated(d("2026-03-02"), d("2026-03-17"), [], PLAIN, working_days=11) is None


def test_weekends_do_not_count():
    assert working_days_after(d("2026-03-06"), d("2026-03-09"), PLAIN) == 1  # Fri to Mon
    assert working_days_after(d("2026-03-07"), d("2026-03-08"), PLAIN) == 0  # Sat to Sun
    # Fri 27 Feb to Sun 8 Mar: 9 days, 5 working days (2-6 Mar): at the limit
    assert backdated(d("2026-02-27"), d("2026-03-08"), [], PLAIN) is None


def test_month_ends_and_a_leap_day():
    assert backdated(d("2026-01-30"), d("2026-02-09"), [], PLAIN) == (
        "Recorded 10 days after the date given (given Fri 30 Jan 2026, recorded Mon 9 Feb 2026; 6 working days, over "
        "the limit of 5)."
    )
    assert working_days_after(d("2028-02-28"), d("2028-03-06"), PLAIN) == 5  # Tue 29 Feb counts
    assert backdated(d("2028-02-28"), d("2028-03-06"), [], PLAIN) is None
    assert backdated(d("2028-02-28"), d("2028-03-07"), [], PLAIN) == (
        "Recorded 8 days after the date given (given Mon 28 Feb 2028, recorded Tue 7 Mar 2028; 6 working days, over "
        "the limit of 5)."
    )


def test_bank_holidays_do_not_count():
    # Easter 2026: Good Friday 3 Apr and Easter Monday 6 Apr; Thu 2 Apr to Fri 10 Apr is 4 working days, not 6.
    assert working_days_after(d("2026-04-02"), d("2026-04-10"), PLAIN) == 4
    assert backdated(d("2026-04-02"), d("2026-04-10"), [], PLAIN) is None
    # Christmas 2026: Fri 25 Dec, Mon 28 Dec (Boxing Day's substitute), Fri 1 Jan 2027; across the year end.
    assert working_days_after(d("2026-12-23"), d("2027-01-04"), PLAIN) == 5
    assert backdated(d("2026-12-23"), d("2027-01-04"), [], PLAIN) is None
    assert backdated(d("2026-12-23"), d("2027-01-05"), [], PLAIN) is not None


def test_school_closures_do_not_count():
    half_term = SchoolCalendar([Closure(start=d("2026-02-16"), end=d("2026-02-20"), label="half term")])
    assert backdated(d("2026-02-13"), d("2026-02-23"), [], half_term) is None  # one working day after
    assert backdated(d("2026-02-13"), d("2026-02-23"), [], PLAIN) is not None  # six without the closure


def test_a_date_given_before_an_overdue_notice_sent_before_the_record_is_flagged_within_the_limit():
    assert backdated(d("2026-03-04"), d("2026-03-06"), [d("2026-03-05")], PLAIN) == (
        "Recorded 2 days after the date given (given Wed 4 Mar 2026, recorded Fri 6 Mar 2026), after an overdue "
        "notice was sent on Thu 5 Mar 2026."
    )
    assert backdated(d("2026-03-04"), d("2026-03-06"), [d("2026-03-05"), d("2026-03-06")], PLAIN) == (
        "Recorded 2 days after the date given (given Wed 4 Mar 2026, recorded Fri 6 Mar 2026), after 2 overdue "
        "notices were sent, the first on Thu 5 Mar 2026."
    )
    # the notice went out on the morning of the day it was recorded: still after the date given
    assert backdated(d("2026-03-04"), d("2026-03-05"), [d("2026-03-05")], PLAIN) is not None


@pytest.mark.parametrize(
    "notices",
    [
        ["2026-03-04"],  # on the date given: the step was overdue that day, nothing contradicts it
        ["2026-02-25", "2026-03-03"],  # before it
        [],
    ],
)
def test_notices_on_or_before_the_date_given_are_no_sign(notices):
    assert backdated(d("2026-03-04"), d("2026-03-06"), [d(n) for n in notices], PLAIN) is None


def test_recorded_on_the_day_given_is_never_flagged():
    assert backdated(d("2026-03-04"), d("2026-03-04"), [d("2026-03-04")], PLAIN) is None


def test_only_notices_that_went_out_before_the_record_and_reached_someone_count():
    escalations = [
        (at("2026-03-05T08:00:00"), {"kind": "overdue", "on": "2026-03-05", "delivered": True}),
        (at("2026-03-06T08:00:00"), {"kind": "overdue", "on": "2026-03-06", "delivered": False}),  # failed
        (at("2026-03-09T08:00:00"), {"kind": "overdue", "on": "2026-03-09"}),  # from before "delivered" was kept
        (at("2026-03-12T08:00:00"), {"kind": "overdue", "on": "2026-03-12", "delivered": True}),  # after the record
    ]
    assert notice_days(escalations, before=at("2026-03-10T15:00:00")) == [d("2026-03-05"), d("2026-03-09")]


def test_a_completion_from_its_records_in_the_schools_time_zone():
    # 23:30 UTC on Mon 8 Jun 2026 is 00:30 on Tue 9 Jun in London (BST): six working days after Mon 1 Jun, not five
    flag = completion_flag(
        given=d("2026-06-01"), recorded_at=at("2026-06-08T23:30:00"), actor="senco", escalations=[], calendar=PLAIN
    )
    assert flag is not None and "recorded Tue 9 Jun 2026" in flag
    assert (
        completion_flag(
            given=d("2026-06-01"), recorded_at=at("2026-06-08T22:30:00"), actor="senco", escalations=[], calendar=PLAIN
        )
        is None
    )
    late_notice = [(at("2026-06-03T07:00:00"), {"kind": "overdue", "on": "2026-06-03", "delivered": True})]
    assert "after an overdue notice was sent on Wed 3 Jun 2026" in completion_flag(
        given=d("2026-06-02"),
        recorded_at=at("2026-06-03T09:00:00"),
        actor="teacher",
        escalations=late_notice,
        calendar=PLAIN,
    )


def test_completions_sendclock_makes_itself_and_steps_not_done_are_never_flagged():
    long_after = dict(recorded_at=at("2026-06-30T09:00:00"), escalations=[], calendar=PLAIN)
    assert completion_flag(given=d("2026-06-01"), actor="sendclock", **long_after) is None  # a window that closed
    assert completion_flag(given=None, actor="senco", **long_after) is None
    assert completion_flag(given=d("2026-06-01"), actor="senco", **long_after) is not None


def test_no_completion_in_the_recorded_histories_is_flagged():
    """Every completion in tests/histories was recorded on the day it gives (windows sendclock closed included): the
    timeline, from the history alone, flags none of them."""
    from audit import history, timeline
    from audit.converter import data_converter
    from audit.source import by_workflow
    from tests.audit.conftest import HISTORIES

    completed = []
    for path in sorted(HISTORIES.glob("*.json")):
        for runs in by_workflow(history.load(path)):
            completed += [s for s in timeline.build(runs, data_converter()).steps if s.completed_on is not None]
    assert len(completed) > 30 and [s.backdated for s in completed] == [None] * len(completed)
