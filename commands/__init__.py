"""Each operation of sendclock, defined once for the CLI (starter/cli/), the dashboard's forms (dashboard/forms.py)
and the JSON API (dashboard/api.py): its input model, its checks against the settings, the rule book and today, and
the call into Temporal through the starter functions. The shells parse their input, call a command here and present
its result or its Problems.

Modules, by concern:
- errors: Problem (field, reason, code) and Refused (the problems and a status: 422, 404, 403); Forbidden, Unavailable.
- clock: one notion of today (SchoolClock in the school's time zone; FixedClock for tests).
- base: the input models' base, the Context a command runs with (settings, clock, Temporal client), the Actor who
  makes a change, a checked Change and sending it.
- checks: staff in the directory, a date not in the future, a rule in force, one date not before another, a known
  rule, an exemption ground.
- start: starting a process of any kind (the process registry gives its workflow class and id).
- steps: the changes any step accepts (done, exemption, reassignment, cancellation) and planning again.
- advice, review, reassessment: the moves of one kind of process.

Nothing is started or changed when input is bad: every check runs before Temporal is contacted (what only the workflow
can know, it refuses the same way: workflows/refusal.py). This package imports no CLI or web framework.
"""

from commands.base import Actor, Change, Command, Context, send
from commands.clock import Clock, FixedClock, SchoolClock
from commands.errors import FORM, Forbidden, Problem, Refused, Unavailable

__all__ = [
    "FORM",
    "Actor",
    "Change",
    "Clock",
    "Command",
    "Context",
    "FixedClock",
    "Forbidden",
    "Problem",
    "Refused",
    "SchoolClock",
    "Unavailable",
    "send",
]
