"""`sendclock config check`: every bad channel URL by staff id, secrets masked, exit 2; a good file exits 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from starter.cli import app

GOOD = """
dashboard_url = "https://sendclock.school.example.org"
[notifications]
smtp_url = "mailtos://sendclock:hunter2@smtp.example.org:587?from=sendclock@example.org"
[staff.senco]
name = "Sam Example (SENCO)"
role = "senco"
email = "senco@example.org"
notify = ["email", "workflows://prod-00.westeurope.logic.azure.com/0123456789abcdef/SIGNATURE0123456789"]
[staff.head]
name = "Priya Example (Head)"
role = "head"
"""

BAD = """
[notifications]
smtp_url = "mailtos//sendclock:hunter2@smtp.example.org?from=sendclock@example.org"
[staff.senco]
name = "Sam Example (SENCO)"
role = "senco"
email = "senco@example.org"
[staff.jo]
name = "Jo Example"
notify = ["email", "workflows://teams.example.org/", "msteams://outlook.office.com/webhook/abc", "o365://x"]
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


def test_a_good_configuration_lists_who_is_told_how_with_secrets_masked(check):
    result = check(GOOD)
    assert result.exit_code == 0, result.output
    assert "e-mail route: mailtos://sendclock:****@smtp.example.org:587?from=sendclock@example.org" in result.output
    assert "workflows://prod-00.westeurope.logic.azure.com/0****/S****" in result.output
    assert "head: outbox only" in result.output and "hunter2" not in result.output
    assert "SIGNATURE" not in result.output


def test_each_bad_url_is_reported_by_name_and_the_check_exits_2(check):
    result = check(BAD)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("sendclock: configuration:")]
    assert lines == [
        "sendclock: configuration: notifications.smtp_url: mailtos//sendclock:****@smtp.example.org"
        "?from=sendclock@example.org: expected a mailto:// or mailtos:// URL",
        'sendclock: configuration: staff jo: "email": this person has no e-mail address',
        "sendclock: configuration: staff jo: workflows://teams.example.org/: apprise cannot use this URL",
        "sendclock: configuration: staff jo: msteams://outlook.office.com/webhook/abc: Office 365 connector webhooks "
        "(msteams://) are retired: use a Teams Workflows webhook (workflows://)",
        "sendclock: configuration: staff jo: o365://x: apprise cannot use this URL",
    ]
    assert "hunter2" not in result.output


def test_the_shipped_demo_configuration_is_good(monkeypatch):
    monkeypatch.delenv("SENDCLOCK_CONFIG", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["config", "check"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "senco: outbox only" in result.output


def test_the_law_readings_and_an_las_own_date_are_shown_and_checked(check):
    result = check(
        GOOD + '[law]\nnotice_reading = "inclusive"\nadvice_promise_from = "request"\n'
        '[las.Kent]\ntransfer_review_meetings_by = "11-30"\n'
    )
    assert result.exit_code == 0, result.output
    assert "two weeks before the meeting, counted inclusively" in result.output
    assert "six weeks from the date of the LA's request" in result.output
    assert "Kent: transfer-year review meetings by 30 November" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[law]\nnotice_reading = "loose"\n', "law.notice_reading"),
        (
            '[las.Kent]\ntransfer_review_meetings_by = "30-11"\n',
            "las.<name>.transfer_review_meetings_by: '30-11' is not a day",
        ),
        ('[las.Kent]\ntransfer_review_meetings_by = "02-30"\n', "02-30 is not a day of the year"),
        ('[calendar]\nautumn_term_starts = "September"\n', "calendar.autumn_term_starts: 'September' is not a day"),
    ],
)
def test_a_bad_reading_or_day_of_the_year_exits_2_naming_the_key(check, text, message):
    result = check(GOOD + text)
    assert result.exit_code == 2 and message in result.output, result.output


def test_an_las_practice_is_found_whatever_the_case_of_its_name():
    from config.settings import Settings

    settings = Settings(las={"kent": {"transfer_review_meetings_by": "11-30"}})
    assert settings.la_practice("Kent") is settings.la_practice("KENT") is settings.las["kent"]
    assert settings.la_practice("Surrey") is None


LOOPBACK = GOOD.replace('dashboard_url = "https://sendclock.school.example.org"', 'dashboard_url = "{url}"')


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]:8000", "http://127.0.1.1", "http://0.0.0.0:8000"],
)
def test_links_to_this_machine_with_a_channel_configured_are_refused(check, url):
    """Defect 4: every card and e-mail link would point at the sender's own machine."""
    result = check(LOOPBACK.format(url=url))
    assert result.exit_code == 2, result.output
    assert "dashboard_url" in result.output and "--allow-loopback-links" in result.output
    assert not result.output.rstrip().endswith("ok")


def test_the_default_dashboard_url_is_refused_too(check):
    result = check(GOOD.replace('dashboard_url = "https://sendclock.school.example.org"\n', ""))
    assert result.exit_code == 2 and "dashboard_url is http://127.0.0.1:8000" in result.output


def test_loopback_links_can_be_allowed_for_a_test_setup(check, tmp_path, monkeypatch):
    path = tmp_path / "sendclock.toml"
    path.write_text(LOOPBACK.format(url="http://127.0.0.1:8000"))
    monkeypatch.setenv("SENDCLOCK_CONFIG", str(path))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["config", "check", "--allow-loopback-links"])
    assert result.exit_code == 0, result.output
    assert "warning: dashboard_url" in result.output and result.output.rstrip().endswith("ok")


def test_loopback_links_without_any_channel_are_fine(check):
    """The shipped demo: no channel, the outbox is the delivery, the dashboard on this machine."""
    result = check("""
[staff.senco]
name = "Sam Example (SENCO)"
role = "senco"
email = "senco@example.org"
""")
    assert result.exit_code == 0, result.output
    assert "dashboard_url" not in result.output.replace("links in messages", "")


def test_a_public_dashboard_url_that_merely_mentions_localhost_is_fine(check):
    result = check(LOOPBACK.format(url="https://localhost-school.example.org"))
    assert result.exit_code == 0, result.output
