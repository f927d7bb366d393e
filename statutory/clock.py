"""Pure time-zone and date-formatting helpers.

`zoneinfo` fails inside the Temporal workflow sandbox, so this module is imported
through sandbox passthrough. No wall clock is read here: callers pass dates and instants in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = "Europe/London"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def at_local(d: date, t: time, tz: str = LONDON) -> datetime:
    """The aware UTC instant of wall-clock time `t` on day `d` in `tz`.

    BST/GMT is resolved by zoneinfo: 08:00 on Mon 30 Mar 2026 (BST) is 07:00 UTC,
    08:00 on Fri 27 Mar 2026 (GMT) is 08:00 UTC. A wall-clock time that does not exist
    (the spring-forward gap) is read with the offset in force before the change; an
    ambiguous one (the autumn repeat) is the first occurrence (`fold=0`).
    """
    if t.tzinfo is not None:
        raise ValueError(f"at_local needs a wall-clock time without tzinfo, got {t!r}")
    local = datetime.combine(d, t).replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def local_date(instant: datetime, tz: str = LONDON) -> date:
    """The calendar date of an aware instant in `tz`."""
    if instant.tzinfo is None or instant.tzinfo.utcoffset(instant) is None:
        raise ValueError(f"local_date needs an aware datetime, got naive {instant!r}")
    return instant.astimezone(ZoneInfo(tz)).date()


def fmt(d: date) -> str:
    """'Mon 16 Mar 2026' (English, independent of the process locale)."""
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"
