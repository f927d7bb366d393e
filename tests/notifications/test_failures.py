"""Failure injection with real peers: SMTP down, Teams answering 500, retries, the fallback to the SENCO's e-mail,
outbox states, and a re-run activity that sends nothing twice."""

from __future__ import annotations

import pytest

from activities.notifier import DeliveryError
from activities.sendclock import SendclockActivities
from tests.helpers import free_port
from tests.notifications.conftest import attempt, notice, rows, staff
from tests.notifications.peers import smtp_server

pytestmark = [
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
    pytest.mark.databases,
]  # SQLite and PostgreSQL (tests/db.py)


def dead_smtp() -> str:
    return f"mailto://127.0.0.1:{free_port()}?from=sendclock@example.org&mode=insecure&to=jo.teacher@example.org"


def test_smtp_down_is_retried_then_the_notice_goes_to_the_senco_by_e_mail(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url, staff_directory=staff(teacher_notify=[dead_smtp()]))
    activities = SendclockActivities(notifier.settings, notifier.sessions, notifier)
    reminder = notice("reminder", ("teacher",), days_to_target=2)

    for number in (1, 2):  # Temporal retries these with backoff; the workflow waits on nothing else
        with pytest.raises(DeliveryError, match="teacher via email"):
            attempt(number, of=3).run(activities.notify, reminder)
    assert inbox.mails == []
    last = attempt(3, of=3).run(activities.notify, reminder)  # the final attempt falls back instead of failing
    rerun = attempt(3, of=3).run(activities.notify, reminder)

    [mail] = inbox.mails
    assert mail.rcpt_tos == ["senco@example.org"]
    assert mail.message["Subject"] == "Not delivered to teacher: EHC-0042: Target 16 Mar, in 2 days - Advice to the LA"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("sendclock could not deliver the message below to Jo Example (email):")
    assert "Case reference: EHC-0042" in text
    assert [(d.status, d.channel) for d in last.deliveries] == [("fallback", "fallback:email")]
    assert [d.status for d in rerun.deliveries] == ["fallback"]  # nothing sent again
    failed, fallback = rows(notifier)
    assert (failed.recipient, failed.status, failed.attempts) == ("teacher", "failed", 3) and failed.error
    assert (fallback.recipient, fallback.status, fallback.fallback_for) == ("senco", "sent", failed.key)


def test_when_the_fallback_fails_too_the_last_attempt_fails_so_the_workflow_records_it(make_notifier):
    notifier = make_notifier(smtp_url=dead_smtp().rsplit("&to=", 1)[0])
    activities = SendclockActivities(notifier.settings, notifier.sessions, notifier)
    with pytest.raises(DeliveryError, match="fallback to senco"):
        attempt(2, of=2).run(activities.notify, notice("assigned", ("teacher",)))
    assert [(r.recipient, r.status) for r in rows(notifier)] == [("teacher", "failed"), ("senco", "failed")]


def test_no_fallback_when_another_channel_of_the_person_delivered(make_notifier, smtp, smtp_url, teams, teams_url):
    inbox, _ = smtp
    hook, _ = teams
    hook.answers = [500, 500]
    notifier = make_notifier(smtp_url=smtp_url, staff_directory=staff(teacher_notify=["email", teams_url]))
    activities = SendclockActivities(notifier.settings, notifier.sessions, notifier)
    reminder = notice("reminder", ("teacher",))

    with pytest.raises(DeliveryError, match="teams"):
        attempt(1, of=2).run(activities.notify, reminder)  # e-mail went; Teams is retried
    result = attempt(2, of=2).run(activities.notify, reminder)

    assert [m.rcpt_tos for m in inbox.mails] == [["jo.teacher@example.org"]]  # no fallback e-mail to the SENCO
    [delivery] = result.deliveries
    assert (delivery.status, delivery.channel) == ("sent", "email") and "teams" in delivery.error
    assert [(r.channel, r.status) for r in rows(notifier)] == [("email", "sent"), ("teams", "failed")]


def test_deliver_counts_attempts_in_the_outbox_and_then_falls_back(make_notifier, smtp, smtp_url, teams, teams_url):
    """The weekly digest calls deliver() directly: it retries by calling again, and falls back after retry_attempts."""
    inbox, _ = smtp
    hook, _ = teams
    hook.answers = [500, 500, 500]
    notifier = make_notifier(smtp_url=smtp_url, retry_attempts=2, staff_directory=staff(teacher_notify=[teams_url]))

    def deliver():
        return notifier.deliver(
            key="digest/teacher/2027-W02",
            recipient="teacher",
            kind="digest",
            subject="[sendclock] Weekly digest",
            text="3 open steps\n",
            html="<p>3 open steps</p>",
        )

    assert deliver().status == "failed"
    assert deliver().status == "fallback"
    assert deliver().status == "fallback"
    assert len(hook.posts) == 2 and [m.rcpt_tos for m in inbox.mails] == [["senco@example.org"]]
    teams_row, fallback = rows(notifier)
    assert (teams_row.status, teams_row.attempts, teams_row.process_id) == ("failed", 2, None)
    assert (fallback.key, fallback.fallback_for) == ("digest/teacher/2027-W02/fallback", teams_row.key)


def test_a_failed_fallback_is_tried_again_by_the_next_call(make_notifier, teams, teams_url):
    hook, _ = teams
    hook.answers = [500] * 5
    port = free_port()  # the school's SMTP server: down at first
    notifier = make_notifier(
        smtp_url=f"mailto://127.0.0.1:{port}?from=sendclock@example.org&mode=insecure",
        retry_attempts=1,
        staff_directory=staff(teacher_notify=[teams_url]),
    )

    def deliver():
        return notifier.deliver(key="k/teacher", recipient="teacher", kind="assigned", subject="s", text="t\n")

    assert deliver().status == "failed"
    with smtp_server(port) as (inbox, _):
        assert deliver().status == "fallback"
        assert deliver().status == "fallback"
    assert [m.rcpt_tos for m in inbox.mails] == [["senco@example.org"]] and len(hook.posts) == 1
    assert [(r.recipient, r.status, r.attempts) for r in rows(notifier)] == [
        ("teacher", "failed", 1),
        ("senco", "sent", 2),
    ]


def test_a_malformed_url_fails_the_configuration_by_staff_id_with_secrets_masked():
    from pydantic import ValidationError

    from config.settings import NotificationSettings, Settings, StaffMember

    with pytest.raises(ValidationError) as caught:
        Settings(
            staff={
                "senco": StaffMember(name="S", role="senco", email="senco@example.org"),
                "jo": StaffMember(name="J", notify=["workflows://teams.example.org/", "msteams://a/b/c"]),
            },
            notifications=NotificationSettings(smtp_url="mailtos://user:hunter2@/?from=x"),
        )
    message = str(caught.value)
    assert "notifications.smtp_url: mailtos://user:****@/?from=x" in message and "hunter2" not in message
    assert "staff jo: workflows://teams.example.org/: apprise cannot use this URL" in message
    assert "staff jo: msteams://a/b/c: Office 365 connector webhooks (msteams://) are retired" in message
