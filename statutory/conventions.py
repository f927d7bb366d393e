"""Counting conventions (rule book §2): the arithmetic that turns an anchor date into the
statutory `due` date, and the C6 working-day `target`.

Months are calendar months (Interpretation Act 1978 Sch 1); "within N of E" excludes the day
of E (Dodds v Walker [1981] 1 WLR 1027 (HL)). `due` never depends on any calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from statutory.calendar import SchoolCalendar
from statutory.clock import fmt
from statutory.rules import Convention, Rule

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def _days(amount: int, unit: str | None) -> int:
    if unit == "weeks":
        return amount * 7
    if unit == "days":
        return amount
    raise ValueError(f"a period in {unit!r} cannot be counted in days")


def _months_later(d: date, months: int) -> tuple[date, bool]:
    """The corresponding date `months` later, or the last day of that month where there is
    none; and whether a corresponding date exists."""
    later = d + relativedelta(months=months)  # relativedelta clamps to the month's last day
    return later, later.day == d.day


def c1_within(anchor: date, amount: int, unit: str) -> date:
    """C1 "within N days/weeks of E": the day of E is excluded; due = E + N days."""
    return anchor + timedelta(days=_days(amount, unit))


def c2_beginning_with(anchor: date, amount: int) -> date:
    """C2 "at least N days beginning with D": D is day 1; the last day is D + N - 1."""
    return anchor + timedelta(days=amount - 1)


def c3_before_meeting(meeting: date, amount: int, unit: str) -> date:
    """C3 "at least N weeks before meeting M": the latest day to act is M - 7N."""
    return meeting - timedelta(days=_days(amount, unit))


def c4_period_starting_with(anchor: date, months: int) -> date:
    """C4 "a period of N months starting with D": ends the day before the corresponding date
    N months later, or on the last day of that month where there is no corresponding date."""
    later, corresponding = _months_later(anchor, months)
    return later - timedelta(days=1) if corresponding else later


def c5_fixed_day(anchor: date, month: int, day: int) -> date:
    """C5 "before 15 February / 31 March in the calendar year of E": the (month, day) given,
    i.e. the day before, in E's year."""
    return date(anchor.year, month, day)


def c7_earliest(anchor: date, months: int) -> date:
    """C7 "earliest": N months counted as in Dodds end on the corresponding date (or the last
    day of the month where there is none); the earliest permitted day is the next day."""
    later, _ = _months_later(anchor, months)
    return later + timedelta(days=1)


def compute_due(rule: Rule, anchor: date) -> date:
    """The statutory due date of `rule` for `anchor`: the convention arithmetic alone."""
    c = rule.convention
    if c is Convention.C1:
        return c1_within(anchor, rule.amount, rule.unit)
    if c is Convention.C2:
        return c2_beginning_with(anchor, rule.amount)
    if c is Convention.C3:
        return c3_before_meeting(anchor, rule.amount, rule.unit)
    if c is Convention.C4:
        return c4_period_starting_with(anchor, rule.amount)
    if c is Convention.C5:
        return c5_fixed_day(anchor, *rule.fixed_day)
    if c is Convention.C7:
        return c7_earliest(anchor, rule.amount)
    raise ValueError(f"unsupported convention {c!r}")  # pragma: no cover


def compute_target(rule: Rule, due: date, calendar: SchoolCalendar) -> date:
    """C6: the last working day on or before `due`; for C7 ("earliest") the first on or after."""
    if rule.convention is Convention.C7:
        return calendar.first_working_day_on_or_after(due)
    return calendar.last_working_day_on_or_before(due)


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _period(amount: int, unit: str) -> str:
    text = f"{amount} {unit[:-1] if amount == 1 else unit}"
    return f"{text} ({_days(amount, unit)} days)" if unit == "weeks" else text


def describe_count(rule: Rule, anchor: date, due: date) -> str:
    """One sentence: the convention used, with the actual dates."""
    c, n, unit = rule.convention, rule.amount, rule.unit
    if c is Convention.C1:
        return (
            f"Counting convention C1 (\"within N {unit} of\" an event, Dodds v Walker [1981]): the day "
            f"of the event, {fmt(anchor)}, is not counted, so {_period(n, unit)} after it is "
            f"{fmt(due)}, the statutory due date."
        )
    if c is Convention.C2:
        return (
            f"Counting convention C2 (\"at least N days beginning with\" a day): {fmt(anchor)} is "
            f"day 1, so day {n} is {fmt(due)}, the statutory due date."
        )
    if c is Convention.C3:
        return (
            f"Counting convention C3 (\"at least N {unit} before\" the meeting): the day of "
            f"service is not counted and the day of the meeting is, so the latest day to act is "
            f"{_period(n, unit)} before the meeting on {fmt(anchor)}: {fmt(due)}, the statutory "
            f"due date."
        )
    if c is Convention.C4:
        later, corresponding = _months_later(anchor, n)
        how = (
            f"they end the day before the corresponding date {fmt(later)}"
            if corresponding
            else f"{_MONTH_NAMES[later.month - 1]} {later.year} has no {_ordinal(anchor.day)}, "
            f"so they end on the last day of that month"
        )
        return (
            f"Counting convention C4 (\"a period of N months starting with\" a day, calendar "
            f"months under the Interpretation Act 1978): {n} months starting with {fmt(anchor)}; "
            f"{how}: {fmt(due)}, the statutory due date."
        )
    if c is Convention.C5:
        return (
            f"Counting convention C5 (a fixed day in the calendar year of the event): "
            f"{rule.period}, with the event on {fmt(anchor)}, means by {fmt(due)}, "
            f"the statutory due date."
        )
    if c is Convention.C7:
        end, corresponding = _months_later(anchor, n)
        how = (
            f"end on the corresponding date {fmt(end)}"
            if corresponding
            else f"end on {fmt(end)} ({_MONTH_NAMES[end.month - 1]} {end.year} has no "
            f"{_ordinal(anchor.day)}, so the last day of that month)"
        )
        return (
            f"Counting convention C7 (\"earliest\", months counted as in Dodds v Walker [1981]): "
            f"{n} months from {fmt(anchor)} {how}; the earliest date that cannot be refused on "
            f"this ground is the next day, {fmt(due)}."
        )
    raise ValueError(f"unsupported convention {c!r}")  # pragma: no cover
