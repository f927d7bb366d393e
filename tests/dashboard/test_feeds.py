"""ICS feeds, parsed with the icalendar library: a staff feed has that person's open steps, the school feed all of
them; revoked and unknown tokens get 404. And `sendclock user|feed` manage accounts and tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from typer.testing import CliRunner

from dashboard.security import new_token, token_digest
from store.accounts_queries import add_token, revoke_token
from tests.dashboard.conftest import PASSWORD
from tests.dashboard.seed import d, seed


def feed_token(db, kind: str, staff_id: str | None = None) -> tuple[str, int]:
    secret = new_token()
    with db.begin() as session:
        token = add_token(session, digest=token_digest(secret), kind=kind, staff_id=staff_id)
        return secret, token.id


def test_staff_and_school_feeds(make_client, db) -> None:
    seed(db)
    client = make_client()  # no sign-in: the secret URL is the credential
    secret, token_id = feed_token(db, "feed-staff", "ta")
    response = client.get(f"/feeds/{secret}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == d(3) and event.decoded("dtend") == d(4)  # the target date, all day
    assert str(event["summary"]) == f"EHC-0007: review-report target (due {d(4):%-d %b %Y})"
    assert str(event["uid"]) == "annual-review-EHC-0007/review-report@sendclock"
    assert "SEND Regulations 2014 (review-report)" in str(event["description"])
    assert str(cal["x-wr-calname"]) == "sendclock: Sam Example (TA)"

    school, _ = feed_token(db, "feed-school")
    school_events = list(Calendar.from_ical(client.get(f"/feeds/{school}.ics").content).walk("VEVENT"))
    assert sorted(str(e["summary"]).split(":")[0] for e in school_events) == ["EHC-0007", "EHC-0007", "EHC-0042"]

    with db.begin() as session:
        revoke_token(session, token_id)
    assert client.get(f"/feeds/{secret}.ics").status_code == 404
    assert client.get(f"/feeds/{new_token()}.ics").status_code == 404


def test_api_keys_are_not_feeds(make_client, db) -> None:
    secret, _ = feed_token(db, "api")
    assert make_client().get(f"/feeds/{secret}.ics").status_code == 404


def test_cli_user_and_feed_commands(settings, db, monkeypatch) -> None:
    from starter import cli

    monkeypatch.setattr("config.settings.get_settings", lambda: settings)
    runner = CliRunner()
    r = runner.invoke(cli.app, ["user", "add", "ta2", "--role", "staff", "--staff", "ta", "--password-stdin"],
                      input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert "ta2" in runner.invoke(cli.app, ["user", "list"]).output
    r = runner.invoke(cli.app, ["user", "add", "ta2", "--role", "staff", "--staff", "ta", "--password-stdin"],
                      input=PASSWORD + "\n")
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(cli.app, ["user", "add", "x", "--role", "staff", "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code == 2 and "--staff" in r.output
    r = runner.invoke(cli.app, ["user", "add", "y", "--role", "leadership", "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "at least 10 characters" in r.output
    r = runner.invoke(cli.app, ["feed", "new", "--staff", "ta"])
    assert r.exit_code == 0
    url = re.search(r"(http\S+/feeds/(\S+)\.ics)", r.output)
    assert url and url.group(1).startswith(settings.dashboard_url)
    assert runner.invoke(cli.app, ["feed", "new", "--staff", "nobody"]).exit_code == 2
    assert runner.invoke(cli.app, ["feed", "new"]).exit_code == 2
    r = runner.invoke(cli.app, ["user", "disable", "ta2"])
    assert r.exit_code == 0 and "disabled" in runner.invoke(cli.app, ["user", "list"]).output
    r = runner.invoke(cli.app, ["user", "api-key", "senco", "--label", "Power Automate"])
    assert r.exit_code == 0 and "API key" in r.output
    feed_id = re.search(r"Feed (\d+)", runner.invoke(cli.app, ["feed", "new", "--school"]).output).group(1)
    assert runner.invoke(cli.app, ["feed", "revoke", feed_id]).exit_code == 0
    assert "revoked" in runner.invoke(cli.app, ["feed", "list"]).output
    assert runner.invoke(cli.app, ["feed", "revoke", "999"]).exit_code == 2
