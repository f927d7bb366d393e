"""Backdating: a step recorded done on a date well before the day sendclock was told, or on a date before sendclock
had already told people the step was overdue (issue 21, finding 3).

The law counts the date given (advice sent on the 2nd was sent on the 2nd, whenever someone recorded it), and so does
sendclock: a step is on time or late by its date given. But every record also keeps when it was written (the event's
workflow time) and by which account, and this module compares the two. A completion is flagged when

  - its date given is before an overdue notice (an escalation) that went out before it was recorded: sendclock was
    still telling the owner and the SENCO that the step was overdue after the day it is now said to have been done;
  - or it was recorded more than `working_days` school working days after the date given
    (settings: audit.backdating_working_days).

The flag is a sentence for a person to weigh, not a finding: advice sent on time and recorded a week later is
flagged and may be perfectly true. What it shows an auditor is which on-time completions rest on a date given after
the fact (docs/auditing.md). Completions sendclock makes itself (a parent's window that closes) are never flagged.

Pure: dates, instants and a calendar in, a sentence out. No settings, database or wall clock; the callers (the
timeline, the case page, the compliance figures) pass the school calendar and the limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from statutory.calendar import SchoolCalendar
from statutory.clock import LONDON, fmt, local_date

DEFAULT_WORKING_DAYS = 5
SYSTEM_ACTOR = "sendclock"  # the actor of completions sendclock records itself: they give no date of their own
ESCALATION = "escalation-sent"  # the record kind of an overdue notice (workflows/step.py)
_ONE_DAY = timedelta(days=1)


def _days(n: int, word: str = "day") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def working_days_after(given: date, recorded: date, calendar: SchoolCalendar) -> int:
    """How many working days come after `given`, up to and including `recorded` (0 when recorded on or before it):
    recorded on the next working day is 1."""
    return calendar.working_days_after(given, recorded)


def backdated(
    given: date,
    recorded: date,
    overdue_notices: Iterable[date],
    calendar: SchoolCalendar,
    working_days: int = DEFAULT_WORKING_DAYS,
) -> str | None:
    """None, or why a completion dated `given` and recorded on `recorded` (both Europe/London dates) was backdated.

    `overdue_notices`: the days the step's overdue notices went out before it was recorded (notices on or before the
    date given are no sign of anything: the step was overdue then). `working_days`: recorded more than this many
    working days after the date given is flagged (exactly this many is not)."""
    if recorded <= given:
        return None
    after = sorted({d for d in overdue_notices if given < d <= recorded})
    late = working_days_after(given, recorded, calendar)
    over = late > working_days
    if not after and not over:
        return None
    sentence = (
        f"Recorded {_days((recorded - given).days)} after the date given (given {fmt(given)}, recorded {fmt(recorded)}"
    )
    if over:
        sentence += f"; {_days(late, 'working day')}, over the limit of {working_days}"
    sentence += ")"
    if len(after) == 1:
        sentence += f", after an overdue notice was sent on {fmt(after[0])}"
    elif after:
        sentence += f", after {len(after)} overdue notices were sent, the first on {fmt(after[0])}"
    return sentence + "."


def notice_days(escalations: Iterable[tuple[datetime, Mapping[str, Any]]], before: datetime) -> list[date]:
    """The days of the overdue notices that went out before `before`, from the step's escalation records (their
    time, and their data: "on", the notice's day, and "delivered"). A notice whose delivery failed on every channel
    (delivered false) is left out: nobody may have seen it."""
    days = []
    for at, data in escalations:
        if at >= before or data.get("delivered") is False or not data.get("on"):
            continue
        try:
            days.append(date.fromisoformat(str(data["on"])))
        except ValueError:
            continue
    return days


def completion_flag(
    *,
    given: date | None,
    recorded_at: datetime,
    actor: str | None,
    escalations: Iterable[tuple[datetime, Mapping[str, Any]]],
    calendar: SchoolCalendar,
    working_days: int = DEFAULT_WORKING_DAYS,
    tz: str = LONDON,
) -> str | None:
    """The flag of one completion, from the records as written: its date given (completed_on), its time and actor,
    and the step's escalation records (time, data). None for a completion sendclock made itself."""
    if given is None or actor == SYSTEM_ACTOR:
        return None
    return backdated(given, local_date(recorded_at, tz), notice_days(escalations, recorded_at), calendar, working_days)
