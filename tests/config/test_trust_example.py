"""The two-school demo configuration that ships (config/examples/trust.toml, issue 25) loads as a trust of two schools,
each with its own name, staff, calendar and LAs, and the trust's SEND lead; a school's view of the settings is that
school alone; a school id that would not be opaque and short is refused, naming the setting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.school_calendar import school_calendar
from config.settings import Settings, UnknownSchool
from workflows.models.common import DEFAULT_SCHOOL

TRUST = Path(__file__).resolve().parents[2] / "config" / "examples" / "trust.toml"


@pytest.fixture
def trust(monkeypatch) -> Settings:
    monkeypatch.setenv("SENDCLOCK_CONFIG", str(TRUST))
    return Settings()


def test_the_trust_example_has_two_schools_each_its_own(trust: Settings) -> None:
    assert trust.school_ids == ["oak", "elm"] and trust.several_schools
    assert trust.trust.name == "Example Learning Trust" and list(trust.trust.staff) == ["send-lead"]
    oak, elm = trust.school_views()
    assert (oak.school_id, oak.school_name) == ("oak", "Oak Primary School")
    assert (elm.school_id, elm.school_name) == ("elm", "Elm Academy")
    assert set(oak.staff) == {"senco", "head", "class-teacher"} and set(elm.staff) == {"senco", "principal", "tutor"}
    assert set(oak.las) == {"Kent", "Medway"} and set(elm.las) == {"Surrey"}
    assert oak.la_practice("kent").mailbox == "sen.team@kent.example.org"
    assert elm.la_practice("Kent") is None  # Kent is Oak's LA, not Elm's
    # each school its calendar: Elm's INSET day is a school day at Oak
    inset = date(2027, 1, 5)
    assert school_calendar(oak).is_working_day(inset) and not school_calendar(elm).is_working_day(inset)
    # the trust's policy where a school sets none
    assert oak.reminders == elm.reminders == trust.reminders and oak.temporal == trust.temporal
    assert oak.schools == {} and elm.for_school("elm") is elm


def test_a_single_school_install_is_the_default_school(monkeypatch) -> None:
    monkeypatch.delenv("SENDCLOCK_CONFIG", raising=False)
    settings = Settings()  # config/sendclock.toml, as shipped
    assert settings.school_ids == [DEFAULT_SCHOOL] and not settings.several_schools
    assert settings.for_school(DEFAULT_SCHOOL) is settings
    with pytest.raises(UnknownSchool, match="no school 'oak' in the settings \\(schools: default\\)"):
        settings.for_school("oak")


@pytest.mark.parametrize(
    ("schools", "words"),
    [
        ({"Oak School": {"name": "Oak"}}, "school id 'Oak School': use lower-case letters, digits and '-'"),
        ({"oak": {"name": "Oak"}}, "schools.oak.staff: the school has no staff directory"),
        (
            {"oak": {"name": "Oak", "staff": {"head": {"name": "H", "role": "head"}}}},
            "schools.oak.reminders.escalate_to: no staff member with id 'senco'",
        ),
        (
            {"oak": {"name": "Oak", "staff": {"senco": {"name": "S", "role": "senco", "notify": ["bogus://x"]}}}},
            "schools.oak: staff senco: bogus://x",
        ),
    ],
)
def test_a_bad_school_is_refused_naming_its_setting(schools, words) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(schools=schools)
    assert words in str(refused.value)
