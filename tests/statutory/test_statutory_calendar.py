"""Working days: weekends, England bank holidays (subdiv ENG), school closures."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from statutory import Closure, SchoolCalendar, bank_holiday

CAL = SchoolCalendar()


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 4, 3), "bank holiday (Good Friday)"),
        (date(2026, 4, 6), "bank holiday (Easter Monday)"),  # missed without subdiv ENG
        (date(2026, 8, 31), "bank holiday (Summer bank holiday)"),  # missed without subdiv ENG; GOV.UK's title
        (date(2026, 12, 25), "bank holiday (Christmas Day)"),
        (date(2026, 12, 28), "bank holiday (Boxing Day, substitute day)"),
        (date(2027, 12, 27), "bank holiday (Christmas Day, substitute day)"),
        (date(2027, 12, 28), "bank holiday (Boxing Day, substitute day)"),
        (date(2026, 12, 26), "Saturday"),  # Boxing Day on a Saturday: GOV.UK names the substitute Monday only
        (date(2026, 3, 14), "Saturday"),
        (date(2026, 3, 15), "Sunday"),
    ],
)
def test_non_working_days(day, reason):
    assert not CAL.is_working_day(day)
    assert CAL.why_not_working(day) == reason


def test_working_days():
    for day in (date(2026, 3, 16), date(2026, 4, 7), date(2026, 9, 1), date(2026, 12, 29)):
        assert CAL.is_working_day(day)
        assert CAL.why_not_working(day) is None


def test_scotland_only_holiday_is_a_working_day():
    assert bank_holiday(date(2026, 1, 2)) is None  # 2 January is a Scottish bank holiday only
    assert CAL.is_working_day(date(2026, 1, 2))


def test_closures():
    cal = SchoolCalendar([Closure(start=date(2026, 7, 22), end=date(2026, 9, 1), label="Summer holiday")])
    assert cal.why_not_working(date(2026, 7, 22)) == "school closed (Summer holiday)"
    assert cal.why_not_working(date(2026, 9, 1)) == "school closed (Summer holiday)"  # inclusive
    assert cal.why_not_working(date(2026, 8, 31)) == "school closed (Summer holiday)"
    assert cal.is_working_day(date(2026, 7, 21))
    assert cal.is_working_day(date(2026, 9, 2))
    assert cal.last_working_day_on_or_before(date(2026, 8, 27)) == date(2026, 7, 21)
    assert cal.first_working_day_on_or_after(date(2026, 8, 27)) == date(2026, 9, 2)
    assert cal.next_working_day_after(date(2026, 7, 21)) == date(2026, 9, 2)
    inset = Closure(start=date(2026, 9, 2), end=date(2026, 9, 2))
    assert SchoolCalendar([inset]).why_not_working(date(2026, 9, 2)) == "school closed"


def test_with_closures_returns_a_new_calendar():
    base = SchoolCalendar()
    inset = Closure(start=date(2026, 3, 16), end=date(2026, 3, 16), label="INSET")
    more = base.with_closures([inset])
    assert base.closures == ()
    assert more.closures == (inset,)
    assert base.is_working_day(date(2026, 3, 16)) and not more.is_working_day(date(2026, 3, 16))
    assert more == SchoolCalendar([inset])


def test_navigation_over_bank_holidays():
    assert CAL.last_working_day_on_or_before(date(2026, 4, 6)) == date(2026, 4, 2)
    assert CAL.first_working_day_on_or_after(date(2026, 4, 3)) == date(2026, 4, 7)
    assert CAL.next_working_day_after(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAL.next_working_day_after(date(2026, 3, 16)) == date(2026, 3, 17)
    assert CAL.first_working_day_on_or_after(date(2026, 3, 16)) == date(2026, 3, 16)


def test_reversed_closure_is_rejected():
    with pytest.raises(ValidationError) as err:
        Closure(start=date(2026, 7, 22), end=date(2026, 7, 1), label="Summer holiday")
    assert "Wed 1 Jul 2026" in str(err.value) and "Wed 22 Jul 2026" in str(err.value)


def test_one_day_closure_is_allowed():
    assert Closure(start=date(2026, 3, 16), end=date(2026, 3, 16)).label == "school closed"


def test_bank_holiday_table_matches_the_library():
    from holidays.countries.united_kingdom import UnitedKingdom

    from statutory import england_bank_holidays

    for year in (2014, 2026, 2040):  # the library's dates, less the weekend dates of holidays it also substitutes
        direct = UnitedKingdom(subdiv="ENG", years=year, language="en_GB")
        assert list(england_bank_holidays(year)) == sorted(d for d in direct if d.weekday() < 5)
    assert (
        "State Funeral of Queen Elizabeth II" in england_bank_holidays(2022)[date(2022, 9, 19)]
    )  # GOV.UK title: test_govuk_bank_holidays
    with pytest.raises(ValueError, match="known for 2000-2100 only, not 2101"):
        CAL.is_working_day(date(2101, 1, 3))


def _counted_one_by_one(cal: SchoolCalendar, start: date, end: date) -> int:
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += cal.is_working_day(day)
    return count


@given(
    start=st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31)),
    days=st.integers(min_value=-5, max_value=800),
)
@settings(max_examples=300, deadline=None)
def test_working_days_after_counts_each_day_across_years_leap_days_and_closures(start: date, days: int) -> None:
    """The running counts (a year at a time) give what counting the days one by one gives: over New Year, 29
    February, bank holidays and a closure that spans a year's end."""
    cal = SchoolCalendar([Closure(start=date(2027, 12, 20), end=date(2028, 1, 4), label="Christmas holiday")])
    end = start + timedelta(days=days)
    assert cal.working_days_after(start, end) == _counted_one_by_one(cal, start, end)
