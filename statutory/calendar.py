"""Working days (rule book §2, C6): Monday to Friday, not an England bank holiday, not a
day the school is closed.

Bank holidays come from the `holidays` library (`UnitedKingdom`) with `subdiv="ENG"` (without it Easter
Monday and the August bank holiday are missed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from types import MappingProxyType

from holidays.countries.united_kingdom import UnitedKingdom
from pydantic import BaseModel, model_validator

from statutory.clock import fmt
from statutory.terms import SchoolTerms, Term

_ONE_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_CLOSURE_LABEL = "school closed"


class Closure(BaseModel, frozen=True):
    """Days the school is closed, both ends inclusive (e.g. a holiday, an INSET day)."""

    start: date
    end: date
    label: str = DEFAULT_CLOSURE_LABEL

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Closure:
        if self.end < self.start:
            raise ValueError(f"closure '{self.label}' ends on {fmt(self.end)}, before it starts on {fmt(self.start)}")
        return self

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    @property
    def reason(self) -> str:
        if self.label == DEFAULT_CLOSURE_LABEL:
            return DEFAULT_CLOSURE_LABEL
        return f"{DEFAULT_CLOSURE_LABEL} ({self.label})"


# England bank holidays are tabulated once, at import, for these years (the library knows no
# later ones and would silently return none). The holidays library cannot run inside the
# Temporal workflow sandbox (it imports lazily and calls gettext, which calls the restricted
# locale.normalize); this module is imported through passthrough, so the table is built outside
# the sandbox and only looked up inside it. About 10 ms.
BANK_HOLIDAY_YEARS = range(2000, 2101)


# The holidays library's names, as GOV.UK's bank-holidays.json titles them (www.gov.uk/bank-holidays).
GOV_UK_TITLES = {
    "May Day": "Early May bank holiday",
    "Spring Bank Holiday": "Spring bank holiday",
    "Late Summer Bank Holiday": "Summer bank holiday",
    "Diamond Jubilee of Elizabeth II": "Queen’s Diamond Jubilee",
    "Platinum Jubilee of Elizabeth II": "Platinum Jubilee bank holiday",
    "State Funeral of Queen Elizabeth II": "Bank Holiday for the State Funeral of Queen Elizabeth II",  # sic: capital H
    "Coronation of Charles III": "Bank holiday for the coronation of King Charles III",
}
# A one-off title GOV.UK gives a regular holiday on one date (the library keeps the usual name).
GOV_UK_TITLES_ON = {
    date(2020, 5, 8): "Early May bank holiday (VE day)",  # moved from Mon 4 May for VE Day's 75th anniversary
}
SUBSTITUTE = ", substitute day"


def _tabulate(years: range) -> dict[int, Mapping[date, str]]:
    """Bank holidays as GOV.UK lists them: a holiday whose date falls at a weekend is a bank holiday on its
    substitute weekday only ("Boxing Day, substitute day" on Mon 28 Dec 2026); the weekend date itself is no bank
    holiday (Sat 26 Dec 2026 is a Saturday)."""
    found = UnitedKingdom(subdiv="ENG", years=years, language="en_GB")
    by_year: dict[int, dict[date, str]] = {y: {} for y in years}
    for d, name in sorted(found.items()):
        if d.weekday() >= 5:
            continue  # the library also lists the weekend date; GOV.UK (and the law) have the substitute day only
        observed = name.endswith(" (observed)")
        name = name.removesuffix(" (observed)")
        title = GOV_UK_TITLES_ON.get(d) or GOV_UK_TITLES.get(name, name)
        by_year[d.year][d] = title + (SUBSTITUTE if observed else "")
    return {y: MappingProxyType(table) for y, table in by_year.items()}


_TABLE: dict[int, Mapping[date, str]] = _tabulate(BANK_HOLIDAY_YEARS)


def england_bank_holidays(year: int) -> Mapping[date, str]:
    """England bank holidays of one year, date -> name (substitute days named as such)."""
    try:
        return _TABLE[year]
    except KeyError:
        raise ValueError(
            f"England bank holidays are known for {BANK_HOLIDAY_YEARS[0]}-{BANK_HOLIDAY_YEARS[-1]} only, not {year}"
        ) from None


def bank_holiday(d: date) -> str | None:
    """The name of the England bank holiday on `d`, or None."""
    return england_bank_holidays(d.year).get(d)


class SchoolCalendar:
    """A school's working days: weekdays that are neither bank holidays nor closures; and its terms (statutory/terms.py:
    those configured, the England pattern for other years), which the school's own termly promises are dated by."""

    __slots__ = ("_by_year", "_working", "closures", "terms")

    closures: tuple[Closure, ...]
    terms: SchoolTerms

    def __init__(self, closures: Iterable[Closure] = (), terms: Iterable[Term] | SchoolTerms = ()) -> None:
        checked = (c if isinstance(c, Closure) else Closure.model_validate(c) for c in closures)
        self.closures = tuple(sorted(checked, key=lambda c: (c.start, c.end, c.label)))
        self.terms = terms if isinstance(terms, SchoolTerms) else SchoolTerms(terms)
        self._working: dict[date, bool] = {}  # is_working_day's answers: the calendar never changes once made
        self._by_year: dict[int, list[int]] = {}  # a year's running count of working days (working_days_after)

    def __repr__(self) -> str:
        return f"SchoolCalendar(closures={list(self.closures)!r}, terms={self.terms!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SchoolCalendar) and (self.closures, self.terms) == (other.closures, other.terms)

    def __hash__(self) -> int:
        return hash((self.closures, self.terms))

    def why_not_working(self, d: date) -> str | None:
        """None for a working day; otherwise why not, e.g. 'Saturday',
        'bank holiday (Easter Monday)', 'school closed (Summer holiday)'.
        A closure is named first, then a bank holiday, then the weekend."""
        for closure in self.closures:
            if closure.contains(d):
                return closure.reason
        name = bank_holiday(d)
        if name is not None:
            return f"bank holiday ({name})"
        if d.weekday() >= 5:
            return _WEEKDAY_NAMES[d.weekday()]
        return None

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day: worked out once per day and kept (counting working days across thousands of
        completions, audit/backdating.py, asks about the same days again and again)."""
        found = self._working.get(d)
        if found is None:
            found = self._working[d] = self.why_not_working(d) is None
        return found

    def working_days_after(self, start: date, end: date) -> int:
        """How many working days come after `start`, up to and including `end` (0 when `end` is on or before it):
        from each year's running count, worked out once per year asked about."""
        if end <= start:
            return 0
        if start.year == end.year:
            return self._running(end) - self._running(start)
        count = self._year(start.year)[-1] - self._running(start) + self._running(end)
        return count + sum(self._year(y)[-1] for y in range(start.year + 1, end.year))

    def _year(self, year: int) -> list[int]:
        """[0, working days up to 1 January, ... up to 31 December] of `year`."""
        found = self._by_year.get(year)
        if found is None:
            found, day, total = [0], date(year, 1, 1), 0
            while day.year == year:
                total += self.is_working_day(day)
                found.append(total)
                day += _ONE_DAY
            self._by_year[year] = found
        return found

    def _running(self, d: date) -> int:
        """Working days from 1 January of its year up to and including `d`."""
        return self._year(d.year)[d.timetuple().tm_yday]

    def last_working_day_on_or_before(self, d: date) -> date:
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def first_working_day_on_or_after(self, d: date) -> date:
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def next_working_day_after(self, d: date) -> date:
        return self.first_working_day_on_or_after(d + _ONE_DAY)

    def without_closures(self) -> SchoolCalendar:
        """Weekends and bank holidays only: the calendar of a body that does not close with the school (an LA)."""
        return SchoolCalendar()

    def with_closures(self, extra: Iterable[Closure]) -> SchoolCalendar:
        """A new calendar with `extra` closures added (this one is unchanged)."""
        return SchoolCalendar((*self.closures, *extra), self.terms)

    def last_school_day(self, term: Term) -> date:
        """The term's last school day: its last working day (a term that ends in a closure or a bank holiday ends on
        the school day before)."""
        return self.last_working_day_on_or_before(term.end)
