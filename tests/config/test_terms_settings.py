"""School terms as settings (issue 24): `calendar.terms`, one list per school year written "2026-27", checked with
the rule book's `term_problems` so that a bad year, a term outside its year, terms out of order or overlapping, or a
term ending before it starts is refused naming the setting; the school's calendar carries them, and a school year
with none follows the England default pattern."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.school_calendar import school_calendar, term_warnings
from config.settings import DEFAULT_CONFIG_FILE, CalendarSettings, Settings
from statutory.terms import Term

TERMS_2026_27 = """
[[calendar.terms."2026-27"]]
name = "Autumn term"
start = 2026-09-03
end = 2026-12-18

[[calendar.terms."2026-27"]]
name = "Spring term"
start = 2027-01-04
end = 2027-03-26

[[calendar.terms."2026-27"]]
name = "Summer term"
start = 2027-04-12
end = 2027-07-21
"""


@pytest.fixture
def load(tmp_path: Path, monkeypatch):
    """`load(text)`: the settings read from a TOML file holding `text` (and nothing of the shipped demo school)."""

    def run(text: str) -> Settings:
        path = tmp_path / "sendclock.toml"
        path.write_text(text)
        monkeypatch.setenv("SENDCLOCK_CONFIG", str(path))
        return Settings()

    return run


@pytest.fixture
def shipped(monkeypatch) -> Settings:
    monkeypatch.delenv("SENDCLOCK_CONFIG", raising=False)
    monkeypatch.delenv("SENDCLOCK_CALENDAR__TERMS", raising=False)
    return Settings()


def refusal(load, text: str) -> str:
    with pytest.raises(ValidationError) as err:
        load(text)
    return str(err.value)


def test_the_shipped_config_gives_the_demo_schools_terms_for_two_school_years(shipped):
    terms = shipped.calendar.terms
    assert sorted(terms) == ["2026-27", "2027-28"]
    assert [(t.name, t.start, t.end) for t in terms["2026-27"]] == [
        ("Autumn term", date(2026, 9, 3), date(2026, 12, 18)),
        ("Spring term", date(2027, 1, 4), date(2027, 3, 26)),
        ("Summer term", date(2027, 4, 12), date(2027, 7, 21)),
    ]
    assert [t.name for t in terms["2027-28"]] == ["Autumn term", "Spring term", "Summer term"]
    assert shipped.calendar.termly_review_weeks_before_end == 0
    assert '[[calendar.terms."2027-28"]]' in DEFAULT_CONFIG_FILE.read_text()


def test_the_shipped_terms_agree_with_the_shipped_closures(shipped):
    calendar = school_calendar(shipped)
    assert term_warnings(calendar) == []
    for term in calendar.terms.configured:  # every term starts and ends on a school day or a bank holiday
        assert all(not closure.contains(term.start) and not closure.contains(term.end) for closure in calendar.closures)
    # the days between terms are closed (or weekends and bank holidays): no working day falls outside a term
    day = date(2026, 12, 19)
    while day < date(2027, 1, 4):
        assert not calendar.is_working_day(day), day
        day = date.fromordinal(day.toordinal() + 1)


def test_the_school_calendar_gives_the_configured_spring_term(shipped):
    calendar = school_calendar(shipped)
    assert calendar.terms.term_of(date(2027, 2, 1)) == Term(
        name="Spring term", start=date(2027, 1, 4), end=date(2027, 3, 26)
    )
    # Fri 26 Mar 2027 is Good Friday: the last school day is the Thursday before
    assert calendar.last_school_day(calendar.terms.term_of(date(2027, 2, 1))) == date(2027, 3, 25)


def test_a_school_year_with_no_terms_follows_the_england_pattern(shipped, load):
    spring_2029 = school_calendar(shipped).terms.term_of(date(2029, 2, 1))
    assert (spring_2029.name, spring_2029.start, spring_2029.end, spring_2029.default) == (
        "Spring term",
        date(2029, 1, 1),
        date(2029, 3, 31),
        True,
    )
    bare = load('school_name = "No Terms School"\n')
    assert bare.calendar.terms == {}
    assert school_calendar(bare).terms.term_of(date(2027, 2, 1)).default


def test_terms_read_from_a_toml_file_become_the_calendars_terms(load):
    calendar = school_calendar(load(TERMS_2026_27))
    assert [t.title for t in calendar.terms.configured] == [
        "Autumn term 2026-27",
        "Spring term 2026-27",
        "Summer term 2026-27",
    ]
    assert calendar.terms.term_of(date(2026, 12, 25)).name == "Spring term"  # the holiday belongs to the next term


def test_terms_can_come_from_the_environment_as_json(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("SENDCLOCK_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.setenv(
        "SENDCLOCK_CALENDAR__TERMS",
        '{"2026-27": [{"name": "Autumn term", "start": "2026-09-03", "end": "2026-12-18"}]}',
    )
    assert Settings().calendar.terms["2026-27"][0].end == date(2026, 12, 18)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('"2026-27"', '"2026-2027"'),
            "calendar.terms.2026-2027: '2026-2027' is not a school year written like 2026-27",
        ),
        (
            ("end = 2027-07-21", "end = 2027-09-03"),
            "calendar.terms.2026-27: the Summer term of 2026-27 (Mon 12 Apr 2027 to Fri 3 Sep 2027) is not inside the "
            "school year (Tue 1 Sep 2026 to Tue 31 Aug 2027)",
        ),
        (
            ("start = 2027-01-04", "start = 2026-12-14"),
            "calendar.terms.2026-27: the Spring term of 2026-27 starts on Mon 14 Dec 2026, on or before the last day "
            "of the Autumn term (Fri 18 Dec 2026): terms are listed in order and do not overlap",
        ),
        (
            ("start = 2027-04-12", "start = 2026-10-12"),
            "calendar.terms.2026-27: the Summer term of 2026-27 starts on Mon 12 Oct 2026, before the Spring term "
            "(Fri 26 Mar 2027): terms are listed in order and do not overlap",
        ),
        (
            ("end = 2026-12-18", "end = 2026-08-18"),
            "calendar.terms.2026-27: the Autumn term of 2026-27 ends on Tue 18 Aug 2026, before it starts on "
            "Thu 3 Sep 2026",
        ),
    ],
    ids=["year key 2026-2027", "a term outside its year", "overlapping", "out of order", "end before start"],
)
def test_bad_terms_are_refused_naming_the_setting_and_the_reason(load, change, message):
    old, new = change
    assert old in TERMS_2026_27
    said = refusal(load, TERMS_2026_27.replace(old, new, 1))
    assert "calendar.terms" in said and message in said, said


def test_every_bad_school_year_is_named_at_once(load):
    text = TERMS_2026_27.replace("end = 2026-12-18", "end = 2026-08-18") + TERMS_2026_27.replace(
        '"2026-27"', '"2027-28"'
    )
    said = refusal(load, text)
    assert "calendar.terms.2026-27: the Autumn term of 2026-27 ends on Tue 18 Aug 2026" in said
    assert (
        "calendar.terms.2027-28: the Autumn term of 2027-28 (Thu 3 Sep 2026 to Fri 18 Dec 2026) is not inside" in said
    )


def test_a_school_year_listed_with_no_terms_is_refused():
    with pytest.raises(ValidationError, match="calendar.terms.2026-27: school year 2026-27 has no terms"):
        CalendarSettings(terms={"2026-27": []})


@pytest.mark.parametrize("weeks", [-1, 7])
def test_termly_reviews_come_at_most_six_school_weeks_before_the_end_of_term(weeks):
    with pytest.raises(ValidationError, match="termly_review_weeks_before_end"):
        CalendarSettings(termly_review_weeks_before_end=weeks)
    assert CalendarSettings(termly_review_weeks_before_end=6).termly_review_weeks_before_end == 6


def test_the_existing_calendar_settings_work_unchanged():
    calendar = CalendarSettings(closures=[{"start": date(2027, 2, 15), "end": date(2027, 2, 19)}])
    assert (calendar.terms, calendar.termly_review_weeks_before_end, calendar.autumn_term_starts) == ({}, 0, "09-01")
    assert calendar.closures[0].label == "school closed"
