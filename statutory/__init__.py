"""sendclock's rule book: statutory SEND time limits in England as pure data and functions.

No I/O, no settings, no wall clock; nothing from the rest of the project is imported. Safe to
import through the Temporal sandbox passthrough. Source: docs/law.md.
"""

from statutory.calendar import Closure, SchoolCalendar, bank_holiday, england_bank_holidays
from statutory.clock import LONDON, at_local, fmt, local_date
from statutory.deadline import Deadline, compute_deadline, compute_due
from statutory.exemptions import (
    EXEMPTION_GROUNDS,
    ExemptionGround,
    closure_window,
    get_ground,
    grounds_for,
)
from statutory.reminders import escalation_dates, recurring_dates, reminder_dates
from statutory.rules import (
    RULES,
    Convention,
    Rule,
    RuleNotInForceError,
    UnknownRuleError,
    get_rule,
    rule_ids,
    versions,
)

__all__ = [
    "EXEMPTION_GROUNDS",
    "LONDON",
    "RULES",
    "Closure",
    "Convention",
    "Deadline",
    "ExemptionGround",
    "Rule",
    "RuleNotInForceError",
    "SchoolCalendar",
    "UnknownRuleError",
    "at_local",
    "bank_holiday",
    "closure_window",
    "compute_deadline",
    "compute_due",
    "england_bank_holidays",
    "escalation_dates",
    "fmt",
    "get_ground",
    "get_rule",
    "grounds_for",
    "local_date",
    "recurring_dates",
    "reminder_dates",
    "rule_ids",
    "versions",
]
