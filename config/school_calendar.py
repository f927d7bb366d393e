"""The school's calendar: statutory.SchoolCalendar (weekends and bank holidays) with the closures this school has
configured (settings.calendar.closures). The worker's activities, the CLI and the dashboard all build it here."""

from __future__ import annotations

from config.settings import Settings
from statutory import Closure, SchoolCalendar


def school_calendar(settings: Settings) -> SchoolCalendar:
    return SchoolCalendar(Closure(start=c.start, end=c.end, label=c.label) for c in settings.calendar.closures)
