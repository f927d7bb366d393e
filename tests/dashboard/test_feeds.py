"""ICS feeds, parsed with the icalendar library: a staff feed has that person's open steps, the school feed all of
them; revoked and unknown tokens get 404; HEAD answers as GET without a body; each event's UID names the step
instance and its SEQUENCE / LAST-MODIFIED follow the step's date moves (RFC 5545). And `sendclock user|feed` manage
accounts and tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from typer.testing import CliRunner

from statutory.clock import fmt
from store.accounts_queries import add_token, revoke_token
from store.credentials import new_token, token_digest
from store.models import Event, Process, Step
from tests.dashboard.conftest import PASSWORD
from tests.dashboard.seed import OPENED, d, seed, step


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
    # The step said as a SENCO would, with its date in words (was "EHC-0007: review-report target (due ...)").
    assert str(event["summary"]) == f"Send the annual review report for EHC-0007 to everyone invited (due {fmt(d(4))})"
    # The UID names the step instance (was `{workflow}/{rule}@sendclock`: a reopened step's event collided with it).
    assert str(event["uid"]) == "annual-review-EHC-0007/review-report/1@sendclock"
    assert event.decoded("sequence") == 0  # never moved
    assert event.decoded("last-modified") == OPENED  # no step event with its key seeded: the process's opening
    assert event.decoded("dtstamp").tzinfo is not None
    assert "SEND Regulations 2014 (review-report)" in str(event["description"])
    assert str(cal["x-wr-calname"]) == "sendclock: Sam Example (TA)"

    school, _ = feed_token(db, "feed-school")
    school_events = list(Calendar.from_ical(client.get(f"/feeds/{school}.ics").content).walk("VEVENT"))
    cases = sorted(re.search(r"EHC-\d{4}", str(e["summary"])).group() for e in school_events)
    assert cases == ["EHC-0007", "EHC-0007", "EHC-0042"]

    with db.begin() as session:
        revoke_token(session, token_id)
    assert client.get(f"/feeds/{secret}.ics").status_code == 404
    assert client.get(f"/feeds/{new_token()}.ics").status_code == 404


def test_head_answers_as_get_without_a_body(make_client, db) -> None:
    seed(db)
    client = make_client()
    secret, _ = feed_token(db, "feed-school")
    get, head = client.get(f"/feeds/{secret}.ics"), client.head(f"/feeds/{secret}.ics")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) == len(get.content)
    assert head.headers["cache-control"] == get.headers["cache-control"]
    assert client.head(f"/feeds/{new_token()}.ics").status_code == 404


def test_moved_and_reopened_steps_update_in_merging_clients(make_client, db) -> None:
    """A step's dates moved twice: SEQUENCE 2 and LAST-MODIFIED at the second move. The review step reopened in the
    next cycle (instance 2) gets its own UID, so it never overwrites (or is merged into) the first cycle's event."""
    seed(db)
    wf = "annual-review-EHC-0007"
    moved = [OPENED + timedelta(days=20, hours=h) for h in (1, 2)]
    with db.begin() as session:
        session.add(
            Event(
                key=f"{wf}/review-notice/step-opened",
                process_id=wf,
                kind="step-opened",
                rule_id="review-notice",
                occurred_at=OPENED,
                data={},
            )
        )
        session.add(
            Event(
                key=f"{wf}/review-notice/rescheduled/{moved[0].isoformat()}",
                process_id=wf,
                kind="step-rescheduled",
                rule_id="review-notice",
                occurred_at=moved[0],
                data={},
            )
        )
        session.add(
            Event(
                key=f"{wf}/review-notice/replanned/{moved[1].isoformat()}",
                process_id=wf,
                kind="step-replanned",
                rule_id="review-notice",
                occurred_at=moved[1],
                data={},
            )
        )
        # review-report: the first cycle's step completed, the second cycle's open; moves of cycle 1 don't count.
        medway = session.get(Process, wf)
        first = session.query(Step).filter_by(process_id=wf, rule_id="review-report").one()
        first.status, first.completed_on = "completed", d(-1)
        session.add(step(medway, "review-report", due=d(370), target=d(369), owner="ta", instance=2))
        session.add(
            Event(
                key=f"{wf}/review-report/replanned/x",
                process_id=wf,
                kind="step-replanned",
                rule_id="review-report",
                occurred_at=moved[0],
                data={},
            )
        )
        reopened = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)
        session.add(
            Event(
                key=f"{wf}/review-report#2/step-opened",
                process_id=wf,
                kind="step-opened",
                rule_id="review-report",
                occurred_at=reopened,
                data={},
            )
        )
    secret, _ = feed_token(db, "feed-school")
    raw = make_client().get(f"/feeds/{secret}.ics").content
    events = {str(e["uid"]): e for e in Calendar.from_ical(raw).walk("VEVENT")}
    assert set(events) == {
        f"{wf}/review-notice/1@sendclock",
        f"{wf}/review-report/2@sendclock",
        "ehc-advice-request-EHC-0042-20270111/ehc-advice/1@sendclock",
    }
    notice, report = events[f"{wf}/review-notice/1@sendclock"], events[f"{wf}/review-report/2@sendclock"]
    assert notice.decoded("sequence") == 2 and notice.decoded("last-modified") == moved[1]
    assert report.decoded("sequence") == 0 and report.decoded("last-modified") == reopened
    assert report.decoded("dtstart") == d(369)
    assert b"LAST-MODIFIED:20270131T113000Z" in raw  # UTC, as RFC 5545 3.8.7.3 requires


def test_api_keys_are_not_feeds(make_client, db) -> None:
    secret, _ = feed_token(db, "api")
    assert make_client().get(f"/feeds/{secret}.ics").status_code == 404


def test_cli_user_and_feed_commands(settings, db, monkeypatch) -> None:
    from starter import cli

    monkeypatch.setattr("config.settings.get_settings", lambda: settings)
    runner = CliRunner()
    r = runner.invoke(
        cli.app, ["user", "add", "ta2", "--role", "staff", "--staff", "ta", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert r.exit_code == 0, r.output
    assert "ta2" in runner.invoke(cli.app, ["user", "list"]).output
    r = runner.invoke(
        cli.app, ["user", "add", "ta2", "--role", "staff", "--staff", "ta", "--password-stdin"], input=PASSWORD + "\n"
    )
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
    feed_id = re.search(r"Feed (\d+)", runner.invoke(cli.app, ["feed", "new", "--whole-school"]).output).group(1)
    assert runner.invoke(cli.app, ["feed", "revoke", feed_id]).exit_code == 0
    assert "revoked" in runner.invoke(cli.app, ["feed", "list"]).output
    assert runner.invoke(cli.app, ["feed", "revoke", "999"]).exit_code == 2
