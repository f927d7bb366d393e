"""Reminder and escalation dates (pure scheduling; the notification layer turns dates into
instants with `statutory.clock.at_local`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from statutory.calendar import SchoolCalendar


def reminder_dates(target: date, days_before: Sequence[int], calendar: SchoolCalendar) -> list[tuple[int, date]]:
    """(offset, day) for each offset: `target - offset` days, moved back to the last working day
    on or before it. Sorted by date; one entry per date (the largest offset wins)."""
    by_day: dict[date, int] = {}
    for offset in days_before:
        if offset < 0:
            raise ValueError(f"reminder offsets must be >= 0 days before the target, got {offset}")
        day = calendar.last_working_day_on_or_before(target - timedelta(days=offset))
        by_day[day] = max(offset, by_day.get(day, offset))
    return [(by_day[day], day) for day in sorted(by_day)]


def _spaced(first: date, calendar: SchoolCalendar, every_days: int, count: int) -> list[date]:
    """`count` working days: first_working_day_on_or_after(first + k*every_days) for k = 0..,
    each at least the next working day after the one before (so strictly increasing)."""
    if every_days < 1:
        raise ValueError(f"every_days must be >= 1, got {every_days}")
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    out: list[date] = []
    for k in range(count):
        day = calendar.first_working_day_on_or_after(first + timedelta(days=k * every_days))
        if out and day <= out[-1]:
            day = calendar.next_working_day_after(out[-1])
        out.append(day)
    return out


def escalation_dates(due: date, calendar: SchoolCalendar, every_days: int, count: int) -> list[date]:
    """After a missed deadline: the next working day after `due`, then every `every_days`
    (moved forward to working days); exactly `count` dates, strictly increasing, all > due."""
    return _spaced(calendar.next_working_day_after(due), calendar, every_days, count)


def recurring_dates(start_after: date, calendar: SchoolCalendar, every_days: int, count: int) -> list[date]:
    """ "As soon as practicable" nudges: the first working day on or after
    `start_after + every_days`, then every `every_days` (moved forward to working days)."""
    return _spaced(start_after + timedelta(days=every_days), calendar, every_days, count)
