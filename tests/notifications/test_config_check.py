"""`sendclock config check`: every bad channel URL by staff id, secrets masked, exit 2; a good file exits 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from starter.cli import app

GOOD = '''
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
'''

BAD = '''
[notifications]
smtp_url = "mailtos//sendclock:hunter2@smtp.example.org?from=sendclock@example.org"
[staff.senco]
name = "Sam Example (SENCO)"
role = "senco"
email = "senco@example.org"
[staff.jo]
name = "Jo Example"
notify = ["email", "workflows://teams.example.org/", "msteams://outlook.office.com/webhook/abc", "o365://x"]
'''


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
        "sendclock: configuration: staff jo: \"email\": this person has no e-mail address",
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
