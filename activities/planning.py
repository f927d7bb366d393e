"""Planning a step: the rule book and the school calendar turned into dates and notice instants.

This runs in an activity so that history records the result: a new bank holiday or an edited term date never
changes what a replay computes.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from config.school_calendar import school_calendar
from config.school_deadlines import deadline_for
from config.settings import Settings, month_day
from statutory import Rule, SchoolCalendar, get_rule
from statutory.actions import step_kind
from statutory.clock import at_local
from statutory.reminders import escalation_dates, recurring_dates, reminder_dates
from workflows.models import Notice, PlanStepInput, StepPlan, StepStyle

# Escalations and nudges are planned a batch at a time; the step asks for more when they are used up.
BATCH = 8


# The rules whose reminders start with the autumn term (the transfer year's planning), not a fixed time before.
AUTUMN_TERM_FIRST = ("phase-transfer-meeting-by",)


def style_of(rule: Rule) -> StepStyle:
    """How sendclock treats a rule, from who holds the duty (statutory/actions.py; workflows/models/common.py,
    StepStyle)."""
    return step_kind(rule)


def autumn_term_start(settings: Settings, target: date, calendar: SchoolCalendar) -> date:
    """The first working day of the autumn term in the school year of `target` (calendar.autumn_term_starts)."""
    month, day = month_day(settings.calendar.autumn_term_starts, "calendar.autumn_term_starts")
    year = target.year if (target.month, target.day) >= (month, day) else target.year - 1
    return calendar.first_working_day_on_or_after(date(year, month, min(day, 28) if (month, day) == (2, 29) else day))


def plan_step(settings: Settings, request: PlanStepInput, calendar: SchoolCalendar | None = None) -> StepPlan:
    """The step's dates and notices, on the school's calendar from settings (or `calendar`, when the activities were
    given one: a benchmark's)."""
    calendar = calendar or school_calendar(settings)
    rule = get_rule(request.rule_id, on=request.anchor)
    deadline = deadline_for(settings, request, calendar)
    policy = settings.reminders
    style = style_of(rule)
    owner_and_senco = list(dict.fromkeys([request.owner, request.escalate_to]))

    def notice(day: date, at: time = policy.send_at, **fields) -> Notice:
        return Notice(at=at_local(day, at, settings.timezone), on=day, **fields)

    def reminders(offsets: list[int]) -> list[Notice]:
        days = [day for _, day in reminder_dates(deadline.target, offsets, calendar)]
        if rule.id in AUTUMN_TERM_FIRST:  # the first on the autumn term's first day; none in the holiday before it
            start = autumn_term_start(settings, deadline.target, calendar)
            days = sorted({start, *(d for d in days if d > start)}) if start <= deadline.target else days
        return [
            notice(day, kind="reminder", recipients=[request.owner], days_to_target=(deadline.target - day).days)
            for day in days
        ]

    def escalations() -> list[Notice]:
        after = request.after or deadline.due
        weeks_gone = max(0, (after - deadline.due).days // policy.escalate_every_days + 1)
        days = escalation_dates(deadline.due, calendar, policy.escalate_every_days, count=BATCH + weeks_gone)
        return [
            notice(day, kind="overdue", recipients=owner_and_senco, days_overdue=(day - deadline.due).days)
            for day in days
            if request.after is None or day > request.after
        ][:BATCH]

    notices: list[Notice] = []
    first = request.after is None
    if request.mode == "asap":
        start = request.asap_from or request.after or request.anchor
        notices = [
            notice(
                day,
                kind="asap",
                recipients=[request.owner],
                days_overdue=(day - deadline.due).days if day > deadline.due else None,
            )
            for day in recurring_dates(start, calendar, policy.asap_every_days, count=BATCH)
        ]
    elif style == "duty":
        notices = (reminders(policy.offsets_for(rule.id)) if first else []) + escalations()
    elif style == "chase":  # a look-out on the other body's target day, then "chase them"
        notices = (reminders([0]) if first else []) + escalations()
    elif style == "window":  # reminders, then the window closes by itself after its last day
        if first:
            notices = reminders(policy.offsets_for(rule.id))
            notices.append(
                notice(deadline.due + timedelta(days=1), time(0, 0), kind="closes", recipients=[request.owner])
            )
    else:  # prompt: when the earliest date comes (at once if it has passed), then nudges until done
        start = max(deadline.target, request.today or deadline.target)
        if first:
            notices = [notice(start, kind="prompt", recipients=owner_and_senco, days_to_target=0)]
        since = request.after or start
        notices += [
            notice(day, kind="prompt", recipients=owner_and_senco)
            for day in recurring_dates(since, calendar, policy.escalate_every_days, count=BATCH)
        ]
    notices.sort(key=lambda n: n.at)
    return StepPlan(
        rule_id=rule.id,
        rule_title=rule.title,
        rule_version=deadline.rule_version,
        basis=deadline.basis,
        anchor=deadline.anchor,
        due=deadline.due,
        target=deadline.target,
        explanation=list(deadline.explanation),
        notices=notices,
        style=style,
        duty_holder=rule.duty_holder,
        warning=deadline.warning,
        la_practice=deadline.la_practice,
    )
