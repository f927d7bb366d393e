"""England bank holidays against GOV.UK's own list, offline.

The data file is the "england-and-wales" division of https://www.gov.uk/bank-holidays.json (Open Government
Licence v3.0), copied event for event; its `copied_from` says where the copy came from. sendclock's table must have
exactly GOV.UK's dates in every year the file covers, each named as GOV.UK titles it.
"""

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from statutory import calendar

DATA = Path(__file__).parent / "data" / "govuk-bank-holidays-england-and-wales.json"
GOVUK = json.loads(DATA.read_text(encoding="utf-8"))

# The eight bank holidays of every year, as GOV.UK titles them (2020's early May one was "(VE day)").
REGULAR = (
    "New Year’s Day",
    "Good Friday",
    "Easter Monday",
    "Early May bank holiday",
    "Spring bank holiday",
    "Summer bank holiday",
    "Christmas Day",
    "Boxing Day",
)
SUBSTITUTE_NOTE = "Substitute day"


def _regular(title: str) -> str | None:
    """The regular holiday an event is, or None for a one-off (a jubilee, a state funeral, a coronation)."""
    if title == "Early May bank holiday (VE day)":
        return "Early May bank holiday"
    return title if title in REGULAR else None


def _by_year() -> dict[int, list[dict]]:
    years: dict[int, list[dict]] = defaultdict(list)
    for event in GOVUK["events"]:
        years[date.fromisoformat(event["date"]).year].append(event)
    return dict(years)


BY_YEAR = _by_year()
YEARS = sorted(BY_YEAR)


def _normalised(name: str) -> str:
    return name.replace("’", "'")


def _expected(year: int) -> dict[date, str]:
    """GOV.UK's bank holidays of `year`, named the way sendclock names them (apostrophes normalised)."""
    return {
        date.fromisoformat(e["date"]): _normalised(e["title"])
        + (calendar.SUBSTITUTE if e["notes"] == SUBSTITUTE_NOTE else "")
        for e in BY_YEAR[year]
    }


def test_the_copy_is_govuks_england_and_wales_list():
    assert GOVUK["source"] == "https://www.gov.uk/bank-holidays.json"
    assert GOVUK["licence"] == "Open Government Licence v3.0"
    assert GOVUK["division"] == "england-and-wales"
    assert GOVUK["copied_from"]
    for event in GOVUK["events"]:
        assert set(event) == {"title", "date", "notes"}, event
        assert event["notes"] in ("", SUBSTITUTE_NOTE), event  # a new kind of note would need a look


def test_the_copy_is_consistent():
    dates = [date.fromisoformat(e["date"]) for e in GOVUK["events"]]
    assert len(set(dates)) == len(dates), "a date listed twice"
    assert dates == sorted(dates)
    assert list(range(YEARS[0], YEARS[-1] + 1)) == YEARS, "years missing in the middle"
    assert len(YEARS) >= 9, "expected at least 2018/2019 to 2026/2027"
    for year, events in BY_YEAR.items():
        # every year fully covered: each regular holiday exactly once, and eight bank holidays in a normal year
        regular = sorted(r for e in events if (r := _regular(e["title"])) is not None)
        assert regular == sorted(REGULAR), year
        one_offs = [e["title"] for e in events if _regular(e["title"]) is None]
        assert len(events) == 8 + len(one_offs), year
        assert len(one_offs) <= 2, (year, one_offs)
    for d in dates:
        assert d.weekday() < 5, f"GOV.UK lists a weekend date, {d}"


@pytest.mark.parametrize("year", YEARS)
def test_sendclock_has_exactly_govuks_bank_holidays(year):
    ours = {d: _normalised(name) for d, name in calendar.england_bank_holidays(year).items()}
    govuk = _expected(year)
    assert sorted(ours) == sorted(govuk), f"{year}: dates differ"
    for d in sorted(govuk):
        assert ours[d] == govuk[d], f"{d}: sendclock names it {ours[d]!r}, GOV.UK {govuk[d]!r}"


def test_a_weekend_date_is_never_a_bank_holiday():
    for year in calendar.BANK_HOLIDAY_YEARS:
        weekend = [d for d in calendar.england_bank_holidays(year) if d.weekday() >= 5]
        assert weekend == [], year


def test_boxing_day_2026_is_a_saturday_substituted_on_monday():
    cal = calendar.SchoolCalendar()
    assert calendar.bank_holiday(date(2026, 12, 26)) is None
    assert cal.why_not_working(date(2026, 12, 26)) == "Saturday"
    assert cal.why_not_working(date(2026, 12, 27)) == "Sunday"
    assert cal.why_not_working(date(2026, 12, 28)) == "bank holiday (Boxing Day, substitute day)"
    assert cal.is_working_day(date(2026, 12, 29))
