"""Deadlines: a rule applied to an anchor date on a school calendar (rule book §1-§2).

`due` is the statutory date and never moves; `target` is the C6 working date staff aim for.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from statutory.calendar import SchoolCalendar
from statutory.conventions import compute_due, compute_target
from statutory.explain import explain
from statutory.rules import Convention, get_rule

__all__ = ["Deadline", "compute_deadline", "compute_due"]


class Deadline(BaseModel, frozen=True):
    rule_id: str
    rule_version: date  # the rule's effective_from
    basis: str
    convention: Convention
    anchor: date  # the --from date
    due: date  # statutory date
    target: date  # C6 working date
    explanation: list[str]


def compute_deadline(rule_id: str, anchor: date, calendar: SchoolCalendar | None = None) -> Deadline:
    """Apply the version of `rule_id` in force on `anchor`. With no calendar, working days are
    weekdays that are not England bank holidays."""
    calendar = calendar if calendar is not None else SchoolCalendar()
    rule = get_rule(rule_id, on=anchor)
    due = compute_due(rule, anchor)
    target = compute_target(rule, due, calendar)
    return Deadline(
        rule_id=rule.id,
        rule_version=rule.effective_from,
        basis=rule.basis,
        convention=rule.convention,
        anchor=anchor,
        due=due,
        target=target,
        explanation=explain(rule, anchor, due, target, calendar),
    )
