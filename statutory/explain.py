"""Plain-English explanation of a deadline: one sentence per line, naming the basis, the
counting convention with the actual dates, and why the target differs from the due date."""

from __future__ import annotations

from datetime import date, timedelta

from statutory.calendar import SchoolCalendar
from statutory.clock import fmt
from statutory.conventions import Reading, describe_count, duty_calendar
from statutory.exemptions import grounds_for
from statutory.rules import TERM_CONVENTIONS, Convention, Holder, Rule

MAX_RUNS = 6  # skipped-day runs named one by one before the rest are summarised


def _skipped_runs(days: list[date], calendar: SchoolCalendar) -> list[tuple[date, date, str]]:
    """Group consecutive skipped days (in walking order) that share a reason."""
    runs: list[tuple[date, date, str]] = []
    for d in days:
        reason = calendar.why_not_working(d) or "working day"
        if runs and runs[-1][2] == reason:
            runs[-1] = (runs[-1][0], d, reason)
        else:
            runs.append((d, d, reason))
    return runs


def _run_text(first: date, last: date, reason: str) -> str:
    """One run of skipped days, earlier day first: a run met walking back from the due date (first > last) is a span
    of the calendar all the same ("Wed 22 Jul 2026 to Thu 27 Aug 2026", never the other way round)."""
    if first == last:
        return f"{fmt(first)} is not a working day ({reason})"
    start, end = min(first, last), max(first, last)
    return f"{fmt(start)} to {fmt(end)} are not working days ({reason})"


def describe_target(rule: Rule, due: date, target: date, calendar: SchoolCalendar) -> str:
    """The C6 sentence: why the target is what it is, in the duty-holder's calendar."""
    own = duty_calendar(rule, calendar)
    whose = (
        " in the LA's calendar (the LA works through school holidays, so the school's closures do not move its target)"
        if own is not calendar and calendar.closures
        else ""
    )
    calendar = own
    if target == due:
        return f"Target (C6): {fmt(due)} is a working day{whose}, so the target is the due date."
    step = timedelta(days=1 if target > due else -1)
    days = [due + step * i for i in range(abs((target - due).days))]
    runs = _skipped_runs(days, calendar)
    parts = [_run_text(*run) for run in runs[:MAX_RUNS]]
    if len(runs) > MAX_RUNS:
        rest = sum(abs((b - a).days) + 1 for a, b, _ in runs[MAX_RUNS:])
        parts.append(f"{rest} more days up to the target are not working days either")
    which = (
        "the first working day on or after the earliest date"
        if rule.convention is Convention.C7
        else "the last working day on or before the due date"
    )
    return f"Target (C6){whose}: {'; '.join(parts)}, so the target is {which}: {fmt(target)}."


def describe_exemptions(rule: Rule) -> str:
    grounds = grounds_for(rule.id)
    if not grounds:
        return "No exemption ground excuses this time limit."
    listed = "; ".join(f"{g.regulation}: {g.summary}" for g in grounds)
    extra = " A school closure is not a ground under reg 8(2)." if rule.id == "ehc-advice" else ""
    return (
        f'The time limit need not be met (the duty becomes "as soon as practicable") if an '
        f"exemption applies: {listed}.{extra}"
    )


def describe_la_date(la: str, due: date, derived: date) -> str:
    """An LA's own date for transfer-year review meetings, replacing the derived C9 date."""
    return (
        f"{la} sets its own date for holding transfer-year review meetings: {fmt(due)} replaces the derived "
        f"date, {fmt(derived)}."
    )


# What an LA's own lead time before a review meeting asks for, by rule (statutory/deadline.py LA_LEAD_RULES).
LA_LEAD_WHAT = {"review-advice-circulation": "the advice", "review-notice": "notice of the meeting"}


def _weeks(n: int) -> str:
    return f"{n} week" if n == 1 else f"{n} weeks"


def describe_la_lead(la: str, rule_id: str, weeks: int, practice_due: date) -> str:
    """The LA's practice date in one sentence, for the record, the page and the CLI: whose it is, what it asks, and
    that it is not the law."""
    what = LA_LEAD_WHAT.get(rule_id, "it")
    return (
        f"{la} asks for {what} {_weeks(weeks)} before the meeting, by {fmt(practice_due)}: the LA's practice, not "
        f"the law."
    )


def describe_la_transfer(la: str, due: date, derived: date) -> str:
    """An LA's own date for transfer-year review meetings in one sentence, for the record, the page and the CLI."""
    return (
        f"{la} holds transfer-year review meetings by {fmt(due)}: the LA's practice, not the law, in place of the "
        f"derived planning date, {fmt(derived)}."
    )


def describe_law_beside_la(rule: Rule, due: date, la: str) -> str:
    """The explanation's line that says which date is the law's, beside an LA's practice date."""
    return (
        f"The law's date is {fmt(due)}, the statutory due date under {rule.basis}; {la}'s practice, in the next "
        f"line, does not change it."
    )


def describe_la_practice(
    la: str,
    weeks: int,
    practice_due: date,
    practice_target: date,
    target: date,
    statutory_target: date,
    due: date,
    reading: Reading,
) -> str:
    """The explanation's line for an LA's own lead time: the LA's practice date, counted as the law's is, and what it
    does to the school's target."""
    counted = f"{weeks * 7} clear days" if reading == "clear" else f"{_weeks(weeks)}, counted inclusively"
    head = (
        f"The LA's practice, not the law: {la} asks for this {_weeks(weeks)} before the meeting, counted as the "
        f"law's date is ({counted}): by {fmt(practice_due)}"
    )
    if practice_due >= due:
        return f"{head}, no earlier than the law's date, so the statutory date is the one to meet."
    if target < statutory_target:
        return f"{head}, so the school's target is brought forward to {fmt(target)}."
    return (
        f"{head}; the last working day on or before it, {fmt(practice_target)}, is the target already, so the "
        f"target does not move."
    )


def describe_promise(rule: Rule, promised_from: date, promise_due: date, target: date, statutory_target: date) -> str:
    """The school's published promise, counted from the date of the LA's request rather than its receipt."""
    if target < statutory_target:
        effect = (
            f"so the school's target is brought forward to {fmt(target)}; the statutory date is the legal "
            f"limit, counted from receipt"
        )
    else:
        effect = "which does not move the target"
    return (
        f"The school's SEND policy promises this within {rule.amount} {rule.unit} of the date of the request, "
        f"{fmt(promised_from)}: by {fmt(promise_due)}, {effect}."
    )


def _version(rule: Rule) -> str:
    if rule.effective_to is None:
        return f"rule version in force from {fmt(rule.effective_from)}"
    return f"rule version for {fmt(rule.effective_from)} to {fmt(rule.effective_to)}"


def _moves_nothing(rule: Rule, due: date) -> str:
    if rule.convention in TERM_CONVENTIONS:
        what = (
            "the school's own commitment (guidance and its own policy, not a time limit in law)"
            if rule.guidance
            else "a duty in law that names no day: the school dates it"
        )
        return f"This is {what}: its date comes from the school's term dates, so a change to them moves it."
    if rule.guidance:
        return (
            f"This date is guidance for planning, not a time limit in law; the target is the last working day "
            f"on or before {fmt(due)}."
        )
    if rule.holder is Holder.LA:
        return (
            f"The law moves no deadline for weekends or bank holidays: the statutory date stays {fmt(due)}; "
            f"only the target moves."
        )
    return (
        f"The law moves no deadline for weekends, bank holidays or school closures: the statutory "
        f"date stays {fmt(due)}; only the target moves."
    )


def explain(
    rule: Rule,
    anchor: date,
    due: date,
    target: date,
    calendar: SchoolCalendar,
    *,
    reading: Reading = "clear",
    base: str | None = None,
    lead_weeks: int = 0,
) -> list[str]:
    return [
        f"{rule.id}: {rule.title}. Duty-holder: {rule.duty_holder}; period: {rule.period}; "
        f"anchor: {rule.anchor}, {fmt(anchor)}.",
        f"Legal basis: {rule.basis} ({_version(rule)}).",
        describe_count(rule, anchor, due, reading=reading, base=base, calendar=calendar, lead_weeks=lead_weeks),
        describe_target(rule, due, target, calendar),
        _moves_nothing(rule, due),
        describe_exemptions(rule),
    ]
