"""`las.<name>` profiles (issue 25): what an LA asks beyond the law, its portal and its SEN team's mailbox. Every bad
value is refused naming the setting (`las.Kent.review_advice_weeks_before`); `sendclock config check` lists each
profile beside the law's readings."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from config.settings import LaPractice, Settings, get_settings
from starter.cli import app

KENT = """
[las.Kent]
transfer_review_meetings_by = "11-30"
review_advice_weeks_before = 6
review_notice_weeks_before = 4
portal_url = "https://send-portal.kent.example.org/schools"
mailbox = "sen.team@kent.example.org"
chase_follow_up_working_days = 15
"""


@pytest.fixture
def check(tmp_path: Path, monkeypatch):
    def run(text: str):
        path = tmp_path / "sendclock.toml"
        path.write_text(text)
        monkeypatch.setenv("SENDCLOCK_CONFIG", str(path))
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, ["config", "check"])
        finally:
            get_settings.cache_clear()

    return run


def test_a_full_profile_is_read_with_the_names_other_code_relies_on():
    practice = Settings(
        las={
            "Kent": {
                "review_advice_weeks_before": 6,
                "portal_url": "https://send-portal.kent.example.org/schools",
                "mailbox": "sen.team@kent.example.org",
            }
        }
    ).la_practice("kent")
    assert practice is not None
    assert practice.review_advice_weeks_before == 6 and practice.review_notice_weeks_before is None
    assert practice.portal_url == "https://send-portal.kent.example.org/schools"
    assert practice.mailbox == "sen.team@kent.example.org"  # where the chase letters go
    assert practice.chase_follow_up_working_days == 10  # the default follow-up of a chase letter


def test_an_la_with_no_profile_has_none_and_a_profile_sets_nothing_by_default():
    assert Settings().la_practice("Kent") is None
    empty = LaPractice()
    assert (empty.review_advice_weeks_before, empty.review_notice_weeks_before, empty.portal_url, empty.mailbox) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("review_advice_weeks_before", 0, "0 is not a number of weeks from 1 to 12"),
        ("review_advice_weeks_before", 13, "13 is not a number of weeks from 1 to 12"),
        ("review_notice_weeks_before", 20, "20 is not a number of weeks from 1 to 12"),
        ("portal_url", "ftp://files.kent.example.org", "is not a web address: write it in full, starting https://"),
        ("portal_url", "send-portal.kent.example.org", "is not a web address"),
        ("portal_url", "https://", "is not a web address"),
        ("portal_url", "https://kent.example.org/a b", "is not a web address"),
        ("mailbox", "sen team at kent", "not a valid email address"),
        ("chase_follow_up_working_days", 0, "0 is not a number of school working days from 1 to 60"),
        ("chase_follow_up_working_days", 61, "61 is not a number of school working days from 1 to 60"),
        ("review_advise_weeks_before", 6, "Extra inputs are not permitted"),  # a misspelt setting is not ignored
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(field, value, message):
    with pytest.raises(ValidationError) as raised:
        Settings(las={"Kent": {field: value}})
    [error] = raised.value.errors()
    assert ".".join(str(part) for part in error["loc"]) == f"las.Kent.{field}"
    assert message in error["msg"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "[las.Kent]\nreview_advice_weeks_before = 13\n",
            "sendclock: configuration: las.Kent.review_advice_weeks_before: 13 is not a number of weeks from 1 to 12 "
            "(the law asks for two weeks)",
        ),
        (
            '[las.Kent]\nmailbox = "kent"\n',
            "sendclock: configuration: las.Kent.mailbox: value is not a valid email address",
        ),
        (
            '[las.Kent]\nportal_url = "javascript:alert(1)"\n',
            "sendclock: configuration: las.Kent.portal_url: 'javascript:alert(1)' is not a web address",
        ),
        (
            "[las.Kent]\nchase_follow_up_working_days = 90\n",
            "sendclock: configuration: las.Kent.chase_follow_up_working_days: 90 is not a number",
        ),
    ],
)
def test_config_check_exits_2_naming_the_setting(check, text, line):
    result = check(text)
    assert result.exit_code == 2, result.output
    assert any(said.startswith(line) for said in result.output.splitlines()), result.output


def test_config_check_lists_each_las_profile(check):
    result = check(KENT + '[las.Surrey]\nmailbox = "send@surrey.example.org"\n')
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[lines.index("Kent: transfer-year review meetings by 30 November") :][:6] == [
        "Kent: transfer-year review meetings by 30 November",
        "Kent: annual review advice 6 weeks before the meeting (the LA's practice; the law: two weeks, still shown "
        "as the statutory date)",
        "Kent: notice of the annual review meeting 4 weeks before the meeting (the LA's practice; the law: two "
        "weeks, still shown as the statutory date)",
        "Kent: portal https://send-portal.kent.example.org/schools",
        "Kent: SEN team mailbox sen.team@kent.example.org",
        "Kent: a chase letter is followed up after 15 school working days",
    ]
    assert "Surrey: SEN team mailbox send@surrey.example.org" in lines
    assert "Surrey: a chase letter is followed up after 10 school working days" in lines
    assert not any(line.startswith("Surrey: portal") for line in lines)


def test_the_shipped_example_profile_is_every_setting_and_reads_as_written():
    """config/sendclock.toml's commented [las.Kent] example, uncommented, is a good profile with every setting."""
    shipped = (Path(__file__).resolve().parents[2] / "config" / "sendclock.toml").read_text()
    start = shipped.index("# [las.Kent]")
    example = []
    for line in shipped[start:].splitlines():
        if not line.startswith("# "):
            break
        example.append(line[2:])
    profile = Settings(las=tomllib.loads("\n".join(example))["las"]).la_practice("Kent")
    assert profile is not None
    assert set(profile.model_fields_set) == set(LaPractice.model_fields)


def test_sendclock_deadline_with_la_shows_the_las_date_beside_the_statutory_date(tmp_path: Path, monkeypatch):
    path = tmp_path / "sendclock.toml"
    path.write_text(KENT)
    monkeypatch.setenv("SENDCLOCK_CONFIG", str(path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        text = runner.invoke(app, ["deadline", "review-advice-circulation", "--from", "2027-03-17", "--la", "Kent"])
        as_json = runner.invoke(
            app, ["deadline", "review-advice-circulation", "--from", "2027-03-17", "--la", "Kent", "--json"]
        )
        law = runner.invoke(app, ["deadline", "review-advice-circulation", "--from", "2027-03-17", "--json"])
        refused = runner.invoke(app, ["deadline", "review-report", "--from", "2027-03-17", "--la", "Kent"])
    finally:
        get_settings.cache_clear()
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[2:5] == [
        "  due     Tue 2 Mar 2027   (the statutory date)",
        "  LA      Tue 2 Feb 2027   (Kent's practice, not the law)",
        "  target  Tue 2 Feb 2027   (the working day to aim for)",
    ]
    assert "    - The law's date is Tue 2 Mar 2027, the statutory due date under SEND Regulations 2014 reg 20(4)" in (
        text.output
    )
    assert "    - The LA's practice, not the law: Kent asks for this 6 weeks before the meeting" in text.output
    data = json.loads(as_json.output)
    assert (data["due"], data["target"], data["la_practice"]["due"]) == ("2027-03-02", "2027-02-02", "2027-02-02")
    assert json.loads(law.output)["la_practice"] is None and json.loads(law.output)["target"] == "2027-03-02"
    assert refused.exit_code == 2 and "--la: only for a planning date" in refused.output
