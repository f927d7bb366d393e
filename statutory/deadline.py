"""Deadlines: a rule applied to an anchor date on a school calendar (rule book §1-§2).

`due` is the statutory date and never moves; `target` is the C6 working date staff aim for. Two things the school
or its LA may set change only what they are said to change, and the explanation says which: an LA's own date for
transfer-year review meetings replaces the derived planning date (C9), and a school that promises its advice within
six weeks of the date of the LA's request (not of receipt) gets that earlier date as its target.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator

from statutory.calendar import SchoolCalendar
from statutory.clock import fmt
from statutory.conventions import Reading, compute_due, compute_target, latest_on_or_before, transfer_warning
from statutory.explain import describe_la_date, describe_promise, explain
from statutory.rules import Convention, get_rule

__all__ = ["Deadline", "LaMeetingDate", "compute_deadline", "compute_due"]


class LaMeetingDate(BaseModel, frozen=True):
    """An LA's own "reviews for a transfer must be held by" day (e.g. 30 November): it replaces the derived C9 date,
    as the last such day on or before the reg 18 date."""

    la: str
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _real_day(self) -> LaMeetingDate:
        date(2000, self.month, self.day)  # a leap year: 29 February is allowed
        return self


class Deadline(BaseModel, frozen=True):
    rule_id: str
    rule_version: date  # the rule's effective_from
    basis: str
    convention: Convention
    anchor: date  # the --from date
    due: date  # statutory date
    target: date  # C6 working date
    explanation: list[str]
    # What made this deadline other than the rule's default, for the record: the C3 reading, the rule a C9 date is
    # derived from, an LA's own date, the date the school's promise counts from.
    reading: Reading = "clear"
    derived_from: str | None = None
    la_date: LaMeetingDate | None = None
    promised_from: date | None = None
    warning: str | None = None  # a date the law allows but a SENCO should look at (a transfer before reg 18's date)


def compute_deadline(
    rule_id: str,
    anchor: date,
    calendar: SchoolCalendar | None = None,
    *,
    reading: Reading = "clear",
    derived_from: str | None = None,
    la_date: LaMeetingDate | None = None,
    promised_from: date | None = None,
    lead_weeks: int = 0,
) -> Deadline:
    """Apply the version of `rule_id` in force on `anchor`. With no calendar, working days are weekdays that are not
    England bank holidays.

    `reading`: the C3 reading (clear days, or the inclusive reading a school may choose). `derived_from`: for a C9
    planning date, the reg 18 rule it is derived from, if not the rule's own default. `la_date`: an LA's own day
    that replaces a C9 date. `promised_from`: the day the school's published promise counts from (the date of the
    LA's request, before it was received): the target is brought forward to the same period counted from it.
    `lead_weeks`: for a termly review (T1), the school's setting that makes it due that many school weeks before the
    term's last school day."""
    calendar = calendar if calendar is not None else SchoolCalendar()
    rule = get_rule(rule_id, on=anchor)
    if rule.convention is not Convention.C9 and (derived_from or la_date):
        raise ValueError(f"rule {rule_id!r} is not derived from another rule: derived_from and la_date do not apply")
    if promised_from is not None and (rule.convention is not Convention.C1 or promised_from > anchor):
        raise ValueError(
            f"promised_from ({fmt(promised_from)}) is for a 'within' period counted from an earlier "
            f"day than {fmt(anchor)}"
        )
    due = compute_due(rule, anchor, reading=reading, base=derived_from, calendar=calendar, lead_weeks=lead_weeks)
    la_line: list[str] = []  # after the counting sentence
    promise_line: list[str] = []  # after the target sentence
    if la_date is not None:
        derived = due
        base = derived_from or rule.derived_from
        assert base is not None  # a C9 rule (checked above) is derived from another
        source_due = compute_due(get_rule(base, on=anchor), anchor)
        due = latest_on_or_before(la_date.month, la_date.day, source_due)
        la_line.append(describe_la_date(la_date.la, due, derived))
    target = statutory_target = compute_target(rule, due, calendar)
    if promised_from is not None:
        promise_due = compute_due(rule, promised_from)
        promise_target = compute_target(rule, promise_due, calendar)
        target = min(statutory_target, promise_target)
        promise_line.append(describe_promise(rule, promised_from, promise_due, target, statutory_target))
    lines = explain(
        rule, anchor, due, statutory_target, calendar, reading=reading, base=derived_from, lead_weeks=lead_weeks
    )
    warning = transfer_warning(rule, anchor, due)
    return Deadline(
        rule_id=rule.id,
        rule_version=rule.effective_from,
        basis=rule.basis,
        convention=rule.convention,
        anchor=anchor,
        due=due,
        target=target,
        explanation=[*lines[:3], *la_line, lines[3], *promise_line, *lines[4:]],
        reading=reading,
        derived_from=derived_from,
        la_date=la_date,
        promised_from=promised_from,
        warning=warning[0].upper() + warning[1:] if warning else None,
    )
