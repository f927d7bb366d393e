"""One notion of "today": the school's date, in the school's time zone (settings.timezone).

The CLI builds one clock (starter/cli/common.py, `clock`), the dashboard one (dashboard/app.py, `web.clock`), and the
command checks read the one they are given: "in the future" means after this clock's today, wherever the command came
from. Tests set the date with a FixedClock instead of patching functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Protocol

from statutory.clock import LONDON, at_local, local_date

if TYPE_CHECKING:
    from config.settings import Settings


class Clock(Protocol):
    def today(self) -> date:
        """The school's date now."""

    def now(self) -> datetime:
        """The instant now (aware, UTC)."""


class SchoolClock:
    """The wall clock, read in the school's time zone."""

    def __init__(self, zone: str = LONDON) -> None:
        self.zone = zone

    @classmethod
    def of(cls, settings: Settings) -> SchoolClock:
        return cls(settings.timezone)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return local_date(self.now(), self.zone)

    def __repr__(self) -> str:
        return f"SchoolClock({self.zone!r})"


class FixedClock:
    """A clock a test sets: today is `day` (or what `day()` answers) until `set` moves it; now is noon of that day in
    the school's time zone."""

    def __init__(self, day: date | Callable[[], date], zone: str = LONDON) -> None:
        self._day = day
        self.zone = zone

    def set(self, day: date) -> None:
        self._day = day

    def today(self) -> date:
        return self._day() if callable(self._day) else self._day

    def now(self) -> datetime:
        return at_local(self.today(), time(12), self.zone)

    def __repr__(self) -> str:
        return f"FixedClock({self.today()!r})"
