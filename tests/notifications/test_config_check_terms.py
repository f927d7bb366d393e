"""`sendclock config check` and the school's terms (issue 24): each configured term on one line with its last school
day, a school year with none as the England default pattern; bad terms exit 2 naming `calendar.terms.<year>` and
why; a term starting or ending on a closed day, or a long closure inside a term, is a warning only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.clock import FixedClock
from config.settings import get_settings
from starter.cli import app
from starter.cli.common import set_clock

TODAY = date(2027, 3, 10)  # in school year 2026-27

SCHOOL = """
[staff.senco]
name = "Sam Example (SENCO)"
role = "senco"
email = "senco@example.org"
"""

TERMS = """
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
def check(tmp_path: Path, monkeypatch):
    """`check(text)`: `sendclock config check` on a TOML file holding `text`, today TODAY."""

    def run(text: str | None):
        if text is None:
            monkeypatch.delenv("SENDCLOCK_CONFIG", raising=False)  # the shipped demo school
        else:
            path = tmp_path / "sendclock.toml"
            path.write_text(text)
            monkeypatch.setenv("SENDCLOCK_CONFIG", str(path))
        get_settings.cache_clear()
        set_clock(FixedClock(TODAY))
        try:
            return CliRunner().invoke(app, ["config", "check"])
        finally:
            set_clock(None)
            get_settings.cache_clear()

    return run


def test_the_shipped_terms_are_listed_with_their_last_school_days(check):
    result = check(None)
    assert result.exit_code == 0, result.output
    assert "school terms (SEN support and PEP reviews due by the last school day of the term):" in result.output
    for line in (
        "  Autumn term 2026-27: Thu 3 Sep 2026 to Fri 18 Dec 2026, last school day Fri 18 Dec 2026",
        "  Spring term 2026-27: Mon 4 Jan 2027 to Fri 26 Mar 2027, last school day Thu 25 Mar 2027",  # Good Friday
        "  Summer term 2026-27: Mon 12 Apr 2027 to Wed 21 Jul 2027, last school day Wed 21 Jul 2027",
        "  Autumn term 2027-28: Thu 2 Sep 2027 to Fri 17 Dec 2027, last school day Fri 17 Dec 2027",
    ):
        assert line in result.output.splitlines(), result.output
    assert "warning" not in result.output and result.output.rstrip().endswith("ok")


def test_a_school_year_with_no_terms_is_shown_as_the_england_default_pattern(check):
    result = check(SCHOOL + TERMS)
    assert result.exit_code == 0, result.output
    assert "  Spring term 2026-27: Mon 4 Jan 2027 to Fri 26 Mar 2027, last school day Thu 25 Mar 2027" in result.output
    assert (
        "  2027-28: England default pattern, no terms configured (last school days Autumn term Fri 31 Dec 2027, "
        "Spring term Fri 31 Mar 2028, Summer term Mon 31 Jul 2028)"
    ) in result.output.splitlines()


def test_with_no_terms_at_all_this_school_year_and_the_next_follow_the_england_pattern(check):
    result = check(SCHOOL + "[calendar]\ntermly_review_weeks_before_end = 2\n")
    assert result.exit_code == 0, result.output
    assert "SEN support and PEP reviews due 2 school weeks before the last school day of the term" in result.output
    assert "  2026-27: England default pattern, no terms configured" in result.output
    assert "  2027-28: England default pattern, no terms configured" in result.output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"2026-27"', '"2026-2027"', "calendar.terms.2026-2027: '2026-2027' is not a school year written like 2026-27"),
        ("end = 2027-07-21", "end = 2027-09-03", "calendar.terms.2026-27: the Summer term of 2026-27 (Mon 12 Apr"),
        ("start = 2027-01-04", "start = 2026-12-14", "the Spring term of 2026-27 starts on Mon 14 Dec 2026, on or"),
        ("start = 2027-04-12", "start = 2026-10-12", "the Summer term of 2026-27 starts on Mon 12 Oct 2026, before"),
        (
            "end = 2026-12-18",
            "end = 2026-08-18",
            "the Autumn term of 2026-27 ends on Tue 18 Aug 2026, before it starts",
        ),
    ],
    ids=["year key 2026-2027", "a term outside its year", "overlapping", "out of order", "end before start"],
)
def test_bad_terms_exit_2_naming_the_setting_and_the_reason(check, old, new, message):
    result = check(SCHOOL + TERMS.replace(old, new, 1))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("sendclock: configuration:")]
    assert len(lines) == 1 and lines[0].startswith("sendclock: configuration: calendar.terms.2026-"), lines
    assert message in lines[0], lines
    assert "Value error" not in result.output and not result.output.rstrip().endswith("ok")


def test_every_bad_school_year_is_reported_on_its_own_line(check):
    overlapping_2027_28 = """
[[calendar.terms."2027-28"]]
name = "Autumn term"
start = 2027-09-02
end = 2027-12-17

[[calendar.terms."2027-28"]]
name = "Spring term"
start = 2027-12-01
end = 2028-03-31
"""
    result = check(SCHOOL + TERMS.replace("end = 2026-12-18", "end = 2026-08-18") + overlapping_2027_28)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("sendclock: configuration:")]
    assert [line.split(":")[1:3] for line in lines] == [
        [" configuration", " calendar.terms.2026-27"],
        [" configuration", " calendar.terms.2027-28"],
    ], lines


CLOSURES = """
[[calendar.closures]]
start = 2026-12-18
end = 2027-01-04
label = "Christmas holiday"

[[calendar.closures]]
start = 2027-02-15
end = 2027-03-05
label = "February half term"
"""


def test_a_term_on_a_closed_day_or_a_long_closure_inside_a_term_is_a_warning_only(check):
    result = check(SCHOOL + CLOSURES + TERMS)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: calendar.terms.2026-27: the Autumn term of 2026-27 ends on Fri 18 Dec 2026, a day the school is "
        "closed by the closure 'Christmas holiday' (Fri 18 Dec 2026 to Mon 4 Jan 2027). Is one of the dates mistyped?",
        "warning: calendar.terms.2026-27: the Spring term of 2026-27 starts on Mon 4 Jan 2027, a day the school is "
        "closed by the closure 'Christmas holiday' (Fri 18 Dec 2026 to Mon 4 Jan 2027). Is one of the dates mistyped?",
        "warning: calendar.closures: the closure 'February half term' (Mon 15 Feb 2027 to Fri 5 Mar 2027), 19 days, "
        "falls inside the Spring term of 2026-27 (Mon 4 Jan 2027 to Fri 26 Mar 2027). Is one of the dates mistyped?",
    ]
    # the autumn term's last school day moves before the closure; the check still passes
    assert "  Autumn term 2026-27: Thu 3 Sep 2026 to Fri 18 Dec 2026, last school day Thu 17 Dec 2026" in result.output
    assert result.output.rstrip().endswith("ok")


def test_a_default_pattern_term_ending_in_the_holidays_is_no_warning(check):
    """The England pattern's autumn term ends on 31 December, in the Christmas holiday: that is how it is meant."""
    result = check(SCHOOL + CLOSURES.split("[[calendar.closures]]\nstart = 2027-02-15")[0])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert "(last school days Autumn term Thu 17 Dec 2026, Spring term Wed 31 Mar 2027" in result.output
