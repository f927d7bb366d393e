"""Planning a step: the rule book and the school calendar turned into dates and notice instants.

This runs in an activity so that history records the result: a new bank holiday or an edited term date never
changes what a replay computes.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from config.settings import Settings
from statutory import Closure, Convention, Rule, SchoolCalendar, compute_deadline, get_rule
from statutory.clock import at_local
from statutory.reminders import escalation_dates, recurring_dates, reminder_dates
from workflows.models import Notice, PlanStepInput, StepPlan, StepStyle

# Escalations and nudges are planned a batch at a time; the step asks for more when they are used up.
BATCH = 8


def school_calendar(settings: Settings) -> SchoolCalendar:
    return SchoolCalendar(Closure(start=c.start, end=c.end, label=c.label) for c in settings.calendar.closures)


def style_of(rule: Rule) -> StepStyle:
    """How sendclock treats a rule, from who holds the duty (see workflows/models/common.py, StepStyle)."""
    if rule.convention is Convention.C7:
        return "prompt"
    holder = rule.duty_holder.lower()
    if holder.startswith("parent"):
        return "window"
    if holder.startswith("la") and "with the school" not in holder:
        return "chase"
    return "duty"


def plan_step(settings: Settings, request: PlanStepInput) -> StepPlan:
    calendar = school_calendar(settings)
    rule = get_rule(request.rule_id, on=request.anchor)
    deadline = compute_deadline(request.rule_id, request.anchor, calendar)
    policy = settings.reminders
    style = style_of(rule)
    owner_and_senco = list(dict.fromkeys([request.owner, request.escalate_to]))

    def notice(day: date, at: time = policy.send_at, **fields) -> Notice:
        return Notice(at=at_local(day, at, settings.timezone), on=day, **fields)

    def reminders(offsets: list[int]) -> list[Notice]:
        return [notice(day, kind="reminder", recipients=[request.owner], days_to_target=(deadline.target - day).days)
                for _, day in reminder_dates(deadline.target, offsets, calendar)]

    def escalations() -> list[Notice]:
        after = request.after or deadline.due
        weeks_gone = max(0, (after - deadline.due).days // policy.escalate_every_days + 1)
        days = escalation_dates(deadline.due, calendar, policy.escalate_every_days, count=BATCH + weeks_gone)
        return [notice(day, kind="overdue", recipients=owner_and_senco, days_overdue=(day - deadline.due).days)
                for day in days if request.after is None or day > request.after][:BATCH]

    notices: list[Notice] = []
    first = request.after is None
    if request.mode == "asap":
        start = request.asap_from or request.after or request.anchor
        notices = [notice(day, kind="asap", recipients=[request.owner],
                          days_overdue=(day - deadline.due).days if day > deadline.due else None)
                   for day in recurring_dates(start, calendar, policy.asap_every_days, count=BATCH)]
    elif style == "duty":
        notices = (reminders(policy.offsets_for(rule.id)) if first else []) + escalations()
    elif style == "chase":  # a look-out on the other body's target day, then "chase them"
        notices = (reminders([0]) if first else []) + escalations()
    elif style == "window":  # reminders, then the window closes by itself after its last day
        if first:
            notices = reminders(policy.offsets_for(rule.id))
            notices.append(notice(deadline.due + timedelta(days=1), time(0, 0), kind="closes", recipients=[request.owner]))
    else:  # prompt: when the earliest date comes (at once if it has passed), then nudges until done
        start = max(deadline.target, request.today or deadline.target)
        if first:
            notices = [notice(start, kind="prompt", recipients=owner_and_senco, days_to_target=0)]
        since = request.after or start
        notices += [notice(day, kind="prompt", recipients=owner_and_senco)
                    for day in recurring_dates(since, calendar, policy.escalate_every_days, count=BATCH)]
    notices.sort(key=lambda n: n.at)
    return StepPlan(
        rule_id=rule.id, rule_title=rule.title, rule_version=deadline.rule_version, basis=deadline.basis,
        anchor=deadline.anchor, due=deadline.due, target=deadline.target, explanation=list(deadline.explanation),
        notices=notices, style=style, duty_holder=rule.duty_holder,
    )
