"""Quiet hours: the next instant a notice may be sent.

Staff are told during school working hours (e.g. 08:00-17:30 Europe/London) on working days: not weekends, not
England bank holidays, not the school's closures (the same `SchoolCalendar` that plans the statutory dates). A notice
asked for outside that window waits for the next one. Pure: the instant and the calendar are passed in, no clock is
read, so it is tested across month ends, clock changes and bank holidays without freezing time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from statutory import SchoolCalendar
from statutory.clock import LONDON, at_local


def next_window(instant: datetime, calendar: SchoolCalendar, start: time, end: time, tz: str = LONDON) -> datetime:
    """`instant` itself when it falls inside working hours on a working day; otherwise the aware UTC instant the
    next window opens (`start` on the next working day, or later today if today's window has not opened yet)."""
    if instant.tzinfo is None:
        raise ValueError(f"next_window needs an aware datetime, got naive {instant!r}")
    if end <= start:
        raise ValueError(f"working hours end {end} is not after start {start}")
    local = instant.astimezone(ZoneInfo(tz))
    day = local.date()
    if calendar.is_working_day(day):
        opens, closes = at_local(day, start, tz), at_local(day, end, tz)
        if opens <= instant < closes:
            return instant
        if instant < opens:
            return opens
    return at_local(calendar.first_working_day_on_or_after(day + timedelta(days=1)), start, tz)


def in_window(instant: datetime, calendar: SchoolCalendar, start: time, end: time, tz: str = LONDON) -> bool:
    return next_window(instant, calendar, start, end, tz) == instant
