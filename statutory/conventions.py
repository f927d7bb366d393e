"""Counting conventions (rule book §2): the arithmetic that turns an anchor date into the
statutory `due` date, and the C6 working-day `target`.

Months are calendar months (Interpretation Act 1978 Sch 1); "within N of E" excludes the day
of E (Dodds v Walker [1981] 1 WLR 1027 (HL)). `due` never depends on any calendar.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

from statutory.calendar import SchoolCalendar
from statutory.clock import fmt
from statutory.rules import TERM_CONVENTIONS, TRANSFER_RULES, Convention, Holder, Rule, get_rule
from statutory.terms import Term

# C3: "clear days" (the safe reading, Re Hector Whaling [1936] Ch 208) or "inclusive" (a school's setting).
Reading = Literal["clear", "inclusive"]
READINGS: tuple[Reading, ...] = ("clear", "inclusive")

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _days(amount: int, unit: str | None) -> int:
    if unit == "weeks":
        return amount * 7
    if unit == "days":
        return amount
    raise ValueError(f"a period in {unit!r} cannot be counted in days")


def _count(rule: Rule) -> tuple[int, str]:
    """The rule's amount and unit, which Rule's validator requires of every convention but C5."""
    if rule.amount is None or rule.unit is None:
        raise ValueError(f"rule '{rule.id}': {rule.convention} needs an amount and a unit")
    return rule.amount, rule.unit


def w1_working_days(anchor: date, n: int, calendar: SchoolCalendar) -> date:
    """W1: the n-th working day after `anchor` (the anchor itself not counted) in the school's calendar."""
    day = anchor
    for _ in range(n):
        day = calendar.next_working_day_after(day)
    return day


def _working_days_between(anchor: date, due: date, calendar: SchoolCalendar) -> int:
    """How many working days after `anchor` `due` is (W1's count, read back from its dates)."""
    count, day = 0, anchor
    while day < due:
        day = calendar.next_working_day_after(day)
        count += 1
    return count


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


def c3_before_meeting(meeting: date, amount: int, unit: str, reading: Reading = "clear") -> date:
    """C3 "at least N weeks' notice before meeting M". Clear days (the default, the safe reading): neither the day
    the notice is given nor the day of the meeting counts, so the latest day to act is M - 7N - 1 (meeting Wed 4 Nov
    2026 -> Tue 20 Oct 2026). The inclusive reading, a school's choice: M - 7N."""
    if reading not in READINGS:
        raise ValueError(f"C3 reading must be one of {', '.join(READINGS)}, not {reading!r}")
    return meeting - timedelta(days=_days(amount, unit) + (1 if reading == "clear" else 0))


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


def c8_months(anchor: date, months: int, direction: Literal["before", "after"]) -> date:
    """C8 "at least N months before T" / "within N months of E": the corresponding date N months before or after,
    or the last day of that month where there is none (transfer Sat 31 Jul 2027, five months before: Sun 28 Feb
    2027)."""
    return _months_later(anchor, -months if direction == "before" else months)[0]


def derived_from(rule: Rule, anchor: date, base: str | None = None) -> Rule:
    """C9: the rule a planning date is derived from (its default, or `base`, one of TRANSFER_RULES), in the version
    in force for `anchor`."""
    base = base or rule.derived_from
    if base not in TRANSFER_RULES:
        raise ValueError(f"{rule.id} is derived from one of {', '.join(TRANSFER_RULES)}, not {base!r}")
    return get_rule(base, on=anchor)


def latest_on_or_before(month: int, day: int, limit: date) -> date:
    """The last (month, day) on or before `limit` (an LA's "reviews must be held by 30 November": the 30 November
    before the reg 18 date). 29 February falls back to 28 February in other years."""
    for year in (limit.year, limit.year - 1):
        candidate = date(year, month, min(day, 28 if month == 2 and not _leap(year) else day))
        if candidate <= limit:
            return candidate
    raise AssertionError("unreachable: one of two consecutive years has the date on or before the limit")


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def term_for(rule: Rule, anchor: date, calendar: SchoolCalendar) -> Term:
    """T1: the term the anchor falls in (or the next, in a holiday); T2: the last term of the anchor's school year."""
    if rule.convention is Convention.T2:
        return calendar.terms.last_term_of_year(anchor)
    return calendar.terms.term_of(anchor)


def term_due(rule: Rule, anchor: date, calendar: SchoolCalendar, lead_weeks: int = 0) -> date:
    """T1/T2: the term's last school day, or (T1, a school's setting) the last school day `lead_weeks` school weeks
    before it."""
    last = calendar.last_school_day(term_for(rule, anchor, calendar))
    if rule.convention is Convention.T1 and lead_weeks:
        return calendar.last_working_day_on_or_before(last - timedelta(weeks=lead_weeks))
    return last


def compute_due(
    rule: Rule,
    anchor: date,
    *,
    reading: Reading = "clear",
    base: str | None = None,
    calendar: SchoolCalendar | None = None,
    lead_weeks: int = 0,
    working_days: int | None = None,
) -> date:
    """The statutory due date of `rule` for `anchor`: the convention arithmetic alone. `reading` is the C3 reading;
    `base` the rule a C9 planning date is derived from, if not the rule's default. The school's own termly and yearly
    promises (T1, T2) are dated by its terms: `calendar` (weekends, bank holidays and the England pattern of terms if
    None), with `lead_weeks` the school's setting that brings a termly review earlier. A count of school working
    days (W1) is in `calendar` too; `working_days`, when given, is the LA profile's number in place of the rule's."""
    c = rule.convention
    if c is Convention.W1:
        count = working_days if working_days is not None else _count(rule)[0]
        return w1_working_days(anchor, count, calendar if calendar is not None else SchoolCalendar())
    if c in TERM_CONVENTIONS:
        return term_due(rule, anchor, calendar if calendar is not None else SchoolCalendar(), lead_weeks)
    if c is Convention.C5:
        if rule.fixed_day is None:
            raise ValueError(f"rule '{rule.id}': C5 needs fixed_day")
        return c5_fixed_day(anchor, *rule.fixed_day)
    amount, unit = _count(rule)
    if c is Convention.C1:
        return c1_within(anchor, amount, unit)
    if c is Convention.C2:
        return c2_beginning_with(anchor, amount)
    if c is Convention.C3:
        return c3_before_meeting(anchor, amount, unit, reading)
    if c is Convention.C8:
        if rule.direction is None:
            raise ValueError(f"rule '{rule.id}': C8 needs a direction")
        return c8_months(anchor, amount, rule.direction)
    if c is Convention.C9:
        source = derived_from(rule, anchor, base)
        return compute_due(source, anchor) - timedelta(days=amount)
    if c is Convention.C4:
        return c4_period_starting_with(anchor, amount)
    if c is Convention.C7:
        return c7_earliest(anchor, amount)
    raise ValueError(f"unsupported convention {c!r}")  # pragma: no cover


def duty_calendar(rule: Rule, calendar: SchoolCalendar) -> SchoolCalendar:
    """C6 "in the calendar of the body that holds the duty": an LA's own deadline ignores the school's closures (the
    LA works through school holidays); every other duty keeps them."""
    return calendar.without_closures() if rule.holder is Holder.LA else calendar


def compute_target(rule: Rule, due: date, calendar: SchoolCalendar) -> date:
    """C6: the last working day on or before `due` in the duty-holder's calendar; for C7 ("earliest") the first on
    or after."""
    calendar = duty_calendar(rule, calendar)
    if rule.convention is Convention.C7:
        return calendar.first_working_day_on_or_after(due)
    return calendar.last_working_day_on_or_before(due)


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _period(amount: int, unit: str) -> str:
    text = f"{amount} {unit[:-1] if amount == 1 else unit}"
    return f"{text} ({_days(amount, unit)} days)" if unit == "weeks" else text


def transfer_warning(rule: Rule, transfer: date, due: date) -> str | None:
    """A transfer on or before the date reg 18 sets (a January or mid-year move) is allowed, but that date is then no
    help: one sentence saying so, or None. The rule book's one wording, for the explanation, the CLI and the page."""
    if rule.id not in TRANSFER_RULES or transfer > due:
        return None
    when = "before" if transfer < due else "on"
    return (
        f"the transfer on {fmt(transfer)} is {when} the date regulation 18 sets ({fmt(due)}): the plan must still "
        f"be reviewed and amended, naming the new school or institution, before the transfer."
    )


def describe_term(rule: Rule, anchor: date, due: date, calendar: SchoolCalendar, lead_weeks: int = 0) -> str:
    """T1/T2: the term, where its dates came from, and its last school day."""
    term = term_for(rule, anchor, calendar)
    source = (
        "the England pattern of terms (no terms are configured for that school year: set calendar.terms)"
        if term.default
        else "the school's term dates"
    )
    which = (
        f"the last term of the school year on or after {fmt(anchor)}"
        if rule.convention is Convention.T2
        else f"the term of {fmt(anchor)}"
        if term.contains(anchor)
        else f"the first term after {fmt(anchor)}"
    )
    last = calendar.last_school_day(term)
    text = (
        f"Counting convention {rule.convention.value} (the school's own commitment, dated by its terms, not a time "
        f"limit in law with a day count): {which} is the {term.title}, {fmt(term.start)} to {fmt(term.end)} in "
        f"{source}; its last school day is {fmt(last)}"
    )
    if due != last:
        return f"{text}; the school's setting brings termly reviews {lead_weeks} school weeks earlier: {fmt(due)}."
    return f"{text}, the due date."


def describe_count(
    rule: Rule,
    anchor: date,
    due: date,
    *,
    reading: Reading = "clear",
    base: str | None = None,
    calendar: SchoolCalendar | None = None,
    lead_weeks: int = 0,
) -> str:
    """One sentence: the convention used, with the actual dates."""
    c = rule.convention
    if c is Convention.W1:
        counted = _working_days_between(anchor, due, calendar if calendar is not None else SchoolCalendar())
        return (
            f"Counting convention W1 (the school's own practice, not a time limit in law): {fmt(anchor)} is not "
            f"counted, so {counted} school working days after it (weekends, bank holidays and school closures "
            f"skipped) is {fmt(due)}."
        )
    if c in TERM_CONVENTIONS:
        return describe_term(rule, anchor, due, calendar if calendar is not None else SchoolCalendar(), lead_weeks)
    if c is Convention.C5:
        text = (
            f"Counting convention C5 (a fixed day in the calendar year of the event): "
            f"{rule.period}, with the event on {fmt(anchor)}, means by {fmt(due)}, "
            f"the statutory due date."
        )
        warning = transfer_warning(rule, anchor, due)
        return f"{text} Warning: {warning}" if warning else text
    n, unit = _count(rule)  # every convention but C5 counts an amount of a unit
    if c is Convention.C1:
        return (
            f'Counting convention C1 ("within N {unit} of" an event, Dodds v Walker [1981]): the day '
            f"of the event, {fmt(anchor)}, is not counted, so {_period(n, unit)} after it is "
            f"{fmt(due)}, the statutory due date."
        )
    if c is Convention.C2:
        return (
            f'Counting convention C2 ("at least N days beginning with" a day): {fmt(anchor)} is '
            f"day 1, so day {n} is {fmt(due)}, the statutory due date."
        )
    if c is Convention.C3:
        if reading == "clear":
            return (
                f'Counting convention C3 ("at least N {unit}\' notice" before a meeting), read as clear days, '
                f"the safe reading (Re Hector Whaling [1936] Ch 208): neither the day the notice is given nor the "
                f"day of the meeting counts, so {_days(n, unit)} clear days before the meeting on {fmt(anchor)} "
                f"leave {fmt(due)} as the latest day to act, the statutory due date."
            )
        return (
            f'Counting convention C3 ("at least N {unit}\' notice" before a meeting), read inclusively as this '
            f"school's settings choose (the safe reading, clear days, would be a day earlier): the day of the "
            f"meeting counts, so the latest day to act is {_period(n, unit)} before the meeting on {fmt(anchor)}: "
            f"{fmt(due)}, the statutory due date."
        )
    if c is Convention.C8:
        later, corresponding = _months_later(anchor, -n if rule.direction == "before" else n)
        how = (
            "the corresponding date"
            if corresponding
            else f"the last day of {_MONTH_NAMES[later.month - 1]} {later.year}, which has no {_ordinal(anchor.day)}"
        )
        if rule.direction == "before":
            return (
                f'Counting convention C8 ("at least N months before" an event, calendar months): {n} months '
                f"before {fmt(anchor)} is {how}, {fmt(due)}, the statutory due date."
            )
        return (
            f'Counting convention C8 ("within N months of" an event, calendar months): {n} months after '
            f"{fmt(anchor)} is {how}, {fmt(due)}, the last day of the period."
        )
    if c is Convention.C9:
        source = derived_from(rule, anchor, base)
        source_due = compute_due(source, anchor)
        return (
            f"Counting convention C9 (a planning date derived from another rule; guidance, not law): the "
            f"{source.title[0].lower()}{source.title[1:]} ({source.basis}) is due by {fmt(source_due)}; {n} days "
            f"({n // 7} weeks: the LA's 4 weeks to decide after the meeting and 8 weeks to issue the amended plan) "
            f"before it is {fmt(source_due - timedelta(days=n))}, the latest date for the review meeting."
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
            f'Counting convention C4 ("a period of N months starting with" a day, calendar '
            f"months under the Interpretation Act 1978): {n} months starting with {fmt(anchor)}; "
            f"{how}: {fmt(due)}, the statutory due date."
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
            f'Counting convention C7 ("earliest", months counted as in Dodds v Walker [1981]): '
            f"{n} months from {fmt(anchor)} {how}; the earliest date that cannot be refused on "
            f"this ground is the next day, {fmt(due)}."
        )
    raise ValueError(f"unsupported convention {c!r}")  # pragma: no cover
