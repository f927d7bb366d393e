"""Deadlines: a rule applied to an anchor date on a school calendar (rule book §1-§2).

`due` is the statutory date and never moves; `target` is the C6 working date staff aim for. Three things the school
or its LA may set change only what they are said to change, and the explanation says which: an LA's own date for
transfer-year review meetings replaces the derived planning date (C9); an LA that asks for a step before a review
meeting earlier than the law does (its advice wanted six weeks before, not two) gets its practice date shown beside
the statutory date (`la_practice`), never instead of it, and the school's target becomes the earlier of the two; and
a school that promises its advice within six weeks of the date of the LA's request (not of receipt) gets that
earlier date as its target.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator

from statutory.calendar import SchoolCalendar
from statutory.clock import fmt
from statutory.conventions import (
    Reading,
    c3_before_meeting,
    compute_due,
    compute_target,
    latest_on_or_before,
    transfer_warning,
)
from statutory.explain import (
    LA_LEAD_WHAT,
    describe_la_date,
    describe_la_lead,
    describe_la_practice,
    describe_la_transfer,
    describe_law_beside_la,
    describe_promise,
    explain,
)
from statutory.rules import Convention, get_rule

__all__ = ["LA_LEAD_RULES", "Deadline", "LaLead", "LaMeetingDate", "LaPracticeDate", "compute_deadline", "compute_due"]

# The steps before a review meeting an LA may ask for earlier than the law does (C3: "at least two weeks before").
LA_LEAD_RULES = tuple(LA_LEAD_WHAT)


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


class LaLead(BaseModel, frozen=True):
    """An LA's own lead time for a step before a review meeting: it asks for it `weeks` before the meeting (e.g. the
    advice six weeks before, where the law says two). Counted as the law's date is (C3, the same reading)."""

    la: str
    weeks: int = Field(ge=1, le=52)


class LaPracticeDate(BaseModel, frozen=True):
    """The LA's practice date for a step, shown beside the statutory date and never instead of it: whose it is, the
    date, and one sentence saying what it is ("Kent asks for the advice 6 weeks before the meeting, by Tue 2 Feb 2027:
    the LA's practice, not the law.")."""

    la: str
    due: date
    description: str
    weeks: int | None = None  # the LA's lead time before the meeting; None: its own date for transfer-year meetings


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
    la_lead: LaLead | None = None
    # The LA's practice date beside the statutory one (an LA lead time, or its own date for transfer-year meetings).
    la_practice: LaPracticeDate | None = None
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
    la_lead: LaLead | None = None,
    working_days: int | None = None,
) -> Deadline:
    """Apply the version of `rule_id` in force on `anchor`. With no calendar, working days are weekdays that are not
    England bank holidays.

    `reading`: the C3 reading (clear days, or the inclusive reading a school may choose). `derived_from`: for a C9
    planning date, the reg 18 rule it is derived from, if not the rule's own default. `la_date`: an LA's own day
    that replaces a C9 date. `promised_from`: the day the school's published promise counts from (the date of the
    LA's request, before it was received): the target is brought forward to the same period counted from it.
    `lead_weeks`: for a termly review (T1), the school's setting that makes it due that many school weeks before the
    term's last school day. `la_lead`: for a step before a review meeting (LA_LEAD_RULES), an LA's own lead time:
    its date, counted as the law's, goes beside the statutory date (`la_practice`), and the target becomes the
    earlier of the two working days; `due` stays the law's."""
    calendar = calendar if calendar is not None else SchoolCalendar()
    rule = get_rule(rule_id, on=anchor)
    if rule.convention is not Convention.C9 and (derived_from or la_date):
        raise ValueError(f"rule {rule_id!r} is not derived from another rule: derived_from and la_date do not apply")
    if la_lead is not None and (rule.convention is not Convention.C3 or rule.id not in LA_LEAD_RULES):
        raise ValueError(
            f"rule {rule_id!r} is not a step an LA asks for before a review meeting: la_lead does not apply"
        )
    if promised_from is not None and (rule.convention is not Convention.C1 or promised_from > anchor):
        raise ValueError(
            f"promised_from ({fmt(promised_from)}) is for a 'within' period counted from an earlier "
            f"day than {fmt(anchor)}"
        )
    if working_days is not None and rule.convention is not Convention.W1:
        raise ValueError(f"rule {rule_id!r} is not counted in school working days: working_days does not apply")
    due = compute_due(
        rule,
        anchor,
        reading=reading,
        base=derived_from,
        calendar=calendar,
        lead_weeks=lead_weeks,
        working_days=working_days,
    )
    la_line: list[str] = []  # after the counting sentence
    promise_line: list[str] = []  # after the target sentence
    practice: LaPracticeDate | None = None
    if la_date is not None:
        derived = due
        base = derived_from or rule.derived_from
        assert base is not None  # a C9 rule (checked above) is derived from another
        source_due = compute_due(get_rule(base, on=anchor), anchor)
        due = latest_on_or_before(la_date.month, la_date.day, source_due)
        la_line.append(describe_la_date(la_date.la, due, derived))
        practice = LaPracticeDate(la=la_date.la, due=due, description=describe_la_transfer(la_date.la, due, derived))
    target = statutory_target = compute_target(rule, due, calendar)
    if la_lead is not None:
        practice_due = c3_before_meeting(anchor, la_lead.weeks, "weeks", reading)
        practice_target = compute_target(rule, practice_due, calendar)
        target = min(statutory_target, practice_target)
        promise_line += [
            describe_law_beside_la(rule, due, la_lead.la),
            describe_la_practice(
                la_lead.la,
                la_lead.weeks,
                practice_due,
                practice_target,
                target,
                statutory_target,
                due,
                reading,
            ),
        ]
        practice = LaPracticeDate(
            la=la_lead.la,
            due=practice_due,
            weeks=la_lead.weeks,
            description=describe_la_lead(la_lead.la, rule.id, la_lead.weeks, practice_due),
        )
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
        la_lead=la_lead,
        la_practice=practice,
        warning=warning[0].upper() + warning[1:] if warning else None,
    )
