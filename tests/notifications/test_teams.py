"""Teams through a Power Automate "Workflows" webhook: a local HTTPS server with a self-signed certificate (apprise
told not to verify it) receives sendclock's Adaptive Card. A 202 is "accepted": taken, not proven delivered."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from activities.notifier import DeliveryError
from activities.sendclock import SendclockActivities
from tests.notifications.conftest import attempt, notice, rows, staff

pytestmark = [
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
    pytest.mark.databases,
]  # SQLite and PostgreSQL (tests/db.py)

ELEMENTS = {"TextBlock", "FactSet", "Image", "Container", "ColumnSet", "ActionSet"}


def card_of(post: dict) -> dict:
    """The Adaptive Card in a Workflows post, checked against the shape Teams requires."""
    assert post["type"] == "message"
    [attachment] = post["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["$schema"].startswith("http://adaptivecards.io/schemas/")
    assert tuple(int(n) for n in card["version"].split(".")) <= (1, 5)  # what Teams renders
    assert card["body"] and all(element["type"] in ELEMENTS for element in card["body"])
    for element in card["body"]:
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str) and element["text"]
        if element["type"] == "FactSet":
            assert all(set(f) == {"title", "value"} and isinstance(f["value"], str) for f in element["facts"])
    assert all(a["type"] == "Action.OpenUrl" and a["url"].startswith("https://") for a in card.get("actions", []))
    return card


def facts_of(card: dict) -> dict[str, str]:
    [fact_set] = [e for e in card["body"] if e["type"] == "FactSet"]
    return {f["title"]: f["value"] for f in fact_set["facts"]}


def test_a_reminder_is_an_adaptive_card_with_the_facts(make_notifier, teams, teams_url):
    hook, _ = teams
    notifier = make_notifier(staff_directory=staff(teacher_notify=[teams_url]))

    result = notifier.notify(notice("reminder", ("teacher",), days_to_target=7))

    [post] = hook.posts
    card = card_of(post)
    assert facts_of(card) == {
        "Case reference": "EHC-0042",
        "Local authority": "Brighton & Hove",
        "Step": "Advice to the LA",
        "Owner": "Jo Example",
        "Legal basis": "reg 8(1)",
        "Target": "Mon 16 Mar 2026",
        "Legal limit": "Mon 16 Mar 2026",
        "Days left": "7 days to target",
    }
    assert card["body"][0]["text"] == "Reminder: Advice to the LA (EHC-0042)"  # a plain heading, no rule id
    assert card["body"][-1]["text"] == "This message identifies the case by its reference only."
    # one button: the step's record form, which survives sign-in (login's next= keeps the path and query)
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Record it as done",
            "url": "https://sendclock.example.org/processes/ehc-advice-request-EHC-0042-20260202"
            "/step-done?rule=ehc-advice",
        }
    ]
    path = urlsplit(hook.paths[0])
    assert path.path == "/workflows/wf0123456789/triggers/manual/paths/invoke"
    assert parse_qs(path.query)["sig"] == ["sig0123456789"]
    assert [(d.channel, d.status) for d in result.deliveries] == [("teams", "accepted")]
    [row] = rows(notifier)
    assert (row.status, row.channel, row.card) == ("accepted", "teams", post)


def test_with_initials_on_the_footer_does_not_say_reference_only(make_notifier, teams, teams_url):
    hook, _ = teams
    notifier = make_notifier(staff_directory=staff(teacher_notify=[teams_url]), include_initials=True)
    notifier.notify(notice("reminder", ("teacher",), initials="AB"))
    card = card_of(hook.posts[0])
    assert facts_of(card)["Case reference"] == "EHC-0042 (AB)"
    assert "by its reference only" not in card["body"][-1]["text"]
    assert "initials" in card["body"][-1]["text"]


def test_due_today_and_overdue_say_so(make_notifier, teams, teams_url):
    hook, _ = teams
    notifier = make_notifier(staff_directory=staff(teacher_notify=[teams_url]))
    notifier.notify(notice("reminder", ("teacher",), key="k/today", days_to_target=0))
    notifier.notify(notice("overdue", ("teacher",), key="k/late", days_to_target=None, days_overdue=2))
    today, late = (facts_of(card_of(p))["Days left"] for p in hook.posts)
    assert (today, late) == ("due today", "2 days overdue")


def test_teams_answering_500_then_202_is_retried_once_and_never_posted_twice(make_notifier, teams, teams_url):
    hook, _ = teams
    hook.answers = [500]
    notifier = make_notifier(staff_directory=staff(teacher_notify=[teams_url]))
    activities = SendclockActivities(notifier.settings, notifier.sessions, notifier)
    reminder = notice("reminder", ("teacher",))

    with pytest.raises(DeliveryError, match="teacher via teams"):
        attempt(1, of=6).run(activities.notify, reminder)  # Temporal retries it with backoff
    [row] = rows(notifier)
    assert (row.status, row.attempts) == ("failed", 1) and "500" in row.error

    second = attempt(2, of=6).run(activities.notify, reminder)
    rerun = attempt(3, of=6).run(activities.notify, reminder)  # e.g. the completion was lost: nothing is re-posted

    assert len(hook.posts) == 2
    assert [d.status for d in second.deliveries] == ["accepted"]
    assert [d.status for d in rerun.deliveries] == ["skipped"]
    [row] = rows(notifier)
    assert (row.status, row.attempts, row.error) == ("accepted", 2, None)


def test_e_mail_and_teams_are_separate_rows_and_a_failing_one_does_not_resend_the_other(
    make_notifier, smtp, smtp_url, teams, teams_url
):
    inbox, _ = smtp
    hook, _ = teams
    hook.answers = [500]
    notifier = make_notifier(smtp_url=smtp_url, staff_directory=staff(teacher_notify=["email", teams_url]))
    activities = SendclockActivities(notifier.settings, notifier.sessions, notifier)
    reminder = notice("reminder", ("teacher",))

    with pytest.raises(DeliveryError):
        attempt(1, of=6).run(activities.notify, reminder)
    attempt(2, of=6).run(activities.notify, reminder)

    assert len(inbox.mails) == 1 and len(hook.posts) == 2
    assert [(r.channel, r.status, r.attempts) for r in rows(notifier)] == [
        ("email", "sent", 1),
        ("teams", "accepted", 2),
    ]
