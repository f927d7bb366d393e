"""Quiet hours as a pure function: working hours on working days, across month ends, clock changes, bank holidays
and school closures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from activities.quiet_hours import in_window, next_window
from statutory import Closure, SchoolCalendar
from statutory.clock import at_local
from tests.helpers import examples

LONDON = ZoneInfo("Europe/London")
OPEN, CLOSE = time(8, 0), time(17, 30)
PLAIN = SchoolCalendar()
CHRISTMAS = SchoolCalendar([Closure(start=date(2026, 12, 21), end=date(2027, 1, 1), label="Christmas holiday")])


def london(d: date, t: time) -> datetime:
    return at_local(d, t)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    "asked, opens",
    [
        # inside the window: at once (08:00 is in, 17:30 is out)
        (london(date(2026, 3, 4), time(10, 0)), london(date(2026, 3, 4), time(10, 0))),
        (london(date(2026, 3, 4), time(8, 0)), london(date(2026, 3, 4), time(8, 0))),
        (london(date(2026, 3, 4), time(17, 29, 59)), london(date(2026, 3, 4), time(17, 29, 59))),
        # before the window: later the same day; after it: the next working day
        (london(date(2026, 3, 4), time(6, 30)), london(date(2026, 3, 4), time(8, 0))),
        (london(date(2026, 3, 4), time(17, 30)), london(date(2026, 3, 5), time(8, 0))),
        # Friday night and the weekend, across a month end: Monday 2 February
        (london(date(2026, 1, 30), time(18, 0)), london(date(2026, 2, 2), time(8, 0))),
        (london(date(2026, 1, 31), time(11, 0)), london(date(2026, 2, 2), time(8, 0))),
        # the clocks go forward (Sun 29 Mar 2026): Monday 08:00 BST is 07:00 UTC
        (utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 7, 0)),
        # and back (Sun 25 Oct 2026): Friday 20:00 BST waits for Monday 08:00 GMT, 08:00 UTC
        (utc(2026, 10, 23, 19, 0), utc(2026, 10, 26, 8, 0)),
        # 07:30 UTC on Monday 30 Mar 2026 is 08:30 BST: inside (it would not be in GMT)
        (utc(2026, 3, 30, 7, 30), utc(2026, 3, 30, 7, 30)),
        # Easter: Good Friday 3 Apr and Easter Monday 6 Apr 2026 are bank holidays
        (london(date(2026, 4, 2), time(18, 0)), london(date(2026, 4, 7), time(8, 0))),
        (london(date(2026, 4, 6), time(10, 0)), london(date(2026, 4, 7), time(8, 0))),
        # Early May bank holiday (Mon 4 May 2026), at the start of a month
        (london(date(2026, 5, 1), time(17, 45)), london(date(2026, 5, 5), time(8, 0))),
        # Christmas Day (Fri) and Boxing Day's substitute (Mon 28 Dec 2026)
        (london(date(2026, 12, 24), time(18, 0)), london(date(2026, 12, 29), time(8, 0))),
    ],
)
def test_next_window(asked, opens):
    assert next_window(asked, PLAIN, OPEN, CLOSE) == opens


def test_a_school_closure_waits_for_the_next_term_across_the_year_end():
    assert next_window(london(date(2026, 12, 18), time(17, 45)), CHRISTMAS, OPEN, CLOSE) == london(
        date(2027, 1, 4), time(8, 0)
    )
    # New Year's Day is a bank holiday as well as a closure; the first working day is Monday 4 January
    assert next_window(london(date(2026, 12, 22), time(9, 0)), CHRISTMAS, OPEN, CLOSE) == london(
        date(2027, 1, 4), time(8, 0)
    )


def test_other_working_hours_and_a_naive_instant():
    assert next_window(london(date(2026, 3, 4), time(8, 0)), PLAIN, time(8, 30), time(16, 0)) == london(
        date(2026, 3, 4), time(8, 30)
    )
    with pytest.raises(ValueError, match="aware"):
        next_window(datetime(2026, 3, 4, 10), PLAIN, OPEN, CLOSE)
    with pytest.raises(ValueError, match="not after"):
        next_window(london(date(2026, 3, 4), time(10)), PLAIN, CLOSE, OPEN)


@hypothesis_settings(max_examples=examples(300), deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)))
def test_the_window_is_the_first_sending_instant_at_or_after_the_request(asked):
    opens = next_window(asked, CHRISTMAS, OPEN, CLOSE)
    assert opens >= asked and in_window(opens, CHRISTMAS, OPEN, CLOSE)
    assert CHRISTMAS.is_working_day(opens.astimezone(LONDON).date())
    if opens != asked:  # it waited: for a window's opening, and no window was open on the way (30-minute probes)
        assert opens.astimezone(LONDON).time() == OPEN
        probe = asked + timedelta(minutes=30)
        while probe < opens:
            assert not in_window(probe, CHRISTMAS, OPEN, CLOSE)
            probe += timedelta(minutes=30)
