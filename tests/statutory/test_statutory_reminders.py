"""Reminder, escalation and recurring-nudge scheduling."""

from datetime import date

import pytest

from statutory import Closure, SchoolCalendar, escalation_dates, recurring_dates, reminder_dates

CAL = SchoolCalendar()


def test_reminder_dates_move_back_and_dedupe():
    # Target Thu 16 Apr 2026: -10 = Mon 6 Apr (Easter Monday) -> Thu 2 Apr;
    # -12 = Sat 4 Apr -> Thu 2 Apr (same day: the larger offset, 12, is kept); -7 = Thu 9 Apr.
    got = reminder_dates(date(2026, 4, 16), [0, 7, 10, 12], CAL)
    assert got == [(12, date(2026, 4, 2)), (7, date(2026, 4, 9)), (0, date(2026, 4, 16))]


def test_reminder_dates_with_closure():
    cal = SchoolCalendar([Closure(start=date(2026, 7, 22), end=date(2026, 9, 1))])
    got = reminder_dates(date(2026, 9, 4), [1, 3, 14], cal)
    assert got == [(14, date(2026, 7, 21)), (1, date(2026, 9, 3))]


def test_reminder_dates_rejects_negative_offset():
    with pytest.raises(ValueError):
        reminder_dates(date(2026, 4, 16), [-1], CAL)


def test_escalation_dates():
    # Due Fri 24 Dec 2026 -> next working day Tue 29 Dec; then every 7 days.
    assert escalation_dates(date(2026, 12, 24), CAL, 7, 3) == [
        date(2026, 12, 29),
        date(2027, 1, 5),
        date(2027, 1, 12),
    ]
    assert escalation_dates(date(2026, 3, 16), CAL, 7, 0) == []


def test_escalation_dates_daily_never_repeat_a_day():
    got = escalation_dates(date(2026, 3, 12), CAL, 1, 4)  # Thu
    assert got == [date(2026, 3, 13), date(2026, 3, 16), date(2026, 3, 17), date(2026, 3, 18)]


def test_recurring_dates():
    # From Thu 2 Apr 2026 every 2 days: Sat 4 -> Tue 7 Apr (Easter), Mon 6 -> Wed 8 Apr, Wed 8 -> Thu 9.
    assert recurring_dates(date(2026, 4, 2), CAL, 2, 3) == [date(2026, 4, 7), date(2026, 4, 8), date(2026, 4, 9)]
    assert recurring_dates(date(2026, 3, 2), CAL, 14, 2) == [date(2026, 3, 16), date(2026, 3, 30)]


def test_bad_spacing():
    with pytest.raises(ValueError):
        recurring_dates(date(2026, 3, 2), CAL, 0, 2)
    with pytest.raises(ValueError):
        escalation_dates(date(2026, 3, 2), CAL, 7, -1)
