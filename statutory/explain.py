"""Plain-English explanation of a deadline: one sentence per line, naming the basis, the
counting convention with the actual dates, and why the target differs from the due date."""

from __future__ import annotations

from datetime import date, timedelta

from statutory.calendar import SchoolCalendar
from statutory.clock import fmt
from statutory.conventions import describe_count
from statutory.exemptions import grounds_for
from statutory.rules import Convention, Rule

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
    if first == last:
        return f"{fmt(first)} is not a working day ({reason})"
    return f"{fmt(first)} to {fmt(last)} are not working days ({reason})"


def describe_target(rule: Rule, due: date, target: date, calendar: SchoolCalendar) -> str:
    """The C6 sentence: why the target is what it is."""
    if target == due:
        return f"Target (C6): {fmt(due)} is a working day, so the target is the due date."
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
    return f"Target (C6): {'; '.join(parts)}, so the target is {which}: {fmt(target)}."


def describe_exemptions(rule: Rule) -> str:
    grounds = grounds_for(rule.id)
    if not grounds:
        return "No exemption ground excuses this time limit."
    listed = "; ".join(f"{g.regulation}: {g.summary}" for g in grounds)
    extra = " A school closure is not a ground under reg 8(2)." if rule.id == "ehc-advice" else ""
    return (
        f"The time limit need not be met (the duty becomes \"as soon as practicable\") if an "
        f"exemption applies: {listed}.{extra}"
    )


def explain(rule: Rule, anchor: date, due: date, target: date, calendar: SchoolCalendar) -> list[str]:
    return [
        f"{rule.id}: {rule.title}. Duty-holder: {rule.duty_holder}; period: {rule.period}; "
        f"anchor: {rule.anchor}, {fmt(anchor)}.",
        f"Legal basis: {rule.basis} (rule version in force from {fmt(rule.effective_from)}).",
        describe_count(rule, anchor, due),
        describe_target(rule, due, target, calendar),
        f"The law moves no deadline for weekends, bank holidays or school closures: the statutory "
        f"date stays {fmt(due)}; only the target moves.",
        describe_exemptions(rule),
    ]
