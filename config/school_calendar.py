"""The school's calendar: statutory.SchoolCalendar (weekends and bank holidays) with the closures and terms this school
has configured (settings.calendar.closures and settings.calendar.terms; the England default pattern for a school year
with no terms). The worker's activities, the CLI and the dashboard all build it here."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from config.settings import Settings
from statutory import Closure, SchoolCalendar, fmt

# A closure this long inside a term is probably a mistyped date (a half term is a week).
LONG_CLOSURE = timedelta(weeks=2)


def school_calendar(settings: Settings) -> SchoolCalendar:
    """The school's calendar; the same object for the same closures and terms, so that what it has worked out (each
    day, each year's running count of working days) serves every caller after the first."""
    return _shared(
        SchoolCalendar(
            (Closure(start=c.start, end=c.end, label=c.label) for c in settings.calendar.closures),
            settings.calendar.school_terms(),
        )
    )


@lru_cache(maxsize=64)
def _shared(calendar: SchoolCalendar) -> SchoolCalendar:
    """The first calendar made equal to `calendar` (equal closures and terms): a calendar never changes once made."""
    return calendar


def term_warnings(calendar: SchoolCalendar) -> list[str]:
    """What looks wrong, though it is allowed, in the configured terms beside the closures, as sentences: a term that
    starts or ends on a day the school is closed, or a closure of two weeks or more inside a term. (A school year with
    no terms is fine: the England default pattern's terms end inside the holidays, and their last school day is the
    working day before.)"""
    found: list[str] = []
    for term in calendar.terms.configured:
        for closure in calendar.closures:
            span = f"closure '{closure.label}' ({fmt(closure.start)} to {fmt(closure.end)})"
            for day, starts_or_ends in ((term.start, "starts"), (term.end, "ends")):
                if closure.contains(day):
                    found.append(
                        f"calendar.terms.{term.school_year}: the {term.name} of {term.school_year} {starts_or_ends} on "
                        f"{fmt(day)}, a day the school is closed by the {span}. Is one of the dates mistyped?"
                    )
            days = (closure.end - closure.start).days + 1
            if term.start <= closure.start and closure.end <= term.end and days >= LONG_CLOSURE.days:
                found.append(
                    f"calendar.closures: the {span}, {days} days, falls inside the {term.name} of {term.school_year} "
                    f"({fmt(term.start)} to {fmt(term.end)}). Is one of the dates mistyped?"
                )
    return found
