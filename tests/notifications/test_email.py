"""E-mail through apprise to a real SMTP server (aiosmtpd) on loopback: headers, the plain and HTML parts, who it
goes to, and nothing about the pupil beyond the case reference."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import NotificationSettings
from tests.notifications.conftest import notice, rows
from workflows.models import NoticeContext

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)


def test_an_e_mail_has_headers_plain_and_html_parts_and_only_the_reference(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)

    result = notifier.notify(notice("reminder", ("teacher",), days_to_target=0, initials="JS"))

    [mail] = inbox.mails
    message = mail.message
    assert mail.rcpt_tos == ["jo.teacher@example.org"]
    assert message["From"].addresses[0].addr_spec == "sendclock@example.org"
    assert message["From"].addresses[0].display_name == "Example Primary School (sendclock)"  # the school's name
    assert [a.addr_spec for a in message["To"].addresses] == ["jo.teacher@example.org"]
    assert [a.addr_spec for a in message["Reply-To"].addresses] == ["senco@example.org"]  # the SENCO reads replies
    assert (message["Auto-Submitted"], message["X-Auto-Response-Suppress"]) == ("auto-generated", "All")  # RFC 3834
    assert message["Subject"] == "EHC-0042: Target today, 16 Mar - Advice to the LA"  # reference, action, date
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in (plain, html):
        assert "The target for this step is today, Mon 16 Mar 2026." in part
        assert "EHC-0042" in part and "reg 8(1)" in part and "Mon 16 Mar 2026" in part
        assert "Owner: Jo Example" in part.replace("<strong>", "").replace("</strong>", "")
        # one link: the step's record form (a path and query: it survives sign-in's next=, an #anchor did not)
        assert (
            "https://sendclock.example.org/processes/ehc-advice-request-EHC-0042-20260202/step-done?rule=ehc-advice"
        ) in part.replace("&amp;", "&")
        assert "ehc-advice (" not in part and "(ehc-advice)" not in part  # no rule id as text
    assert "Case reference: EHC-0042\r\nLocal authority: Brighton & Hove\r\n" in plain
    assert "<strong>Local authority:</strong> Brighton &amp; Hove" in html  # autoescaped
    # Privacy: the case reference only. Initials are off by default; names, birth dates and needs have no field.
    # (The step's owner, a member of staff, is named: issue 19. The pupil never is.)
    assert b"JS" not in mail.raw
    assert not {"name", "pupil", "dob", "birth_date", "need", "needs"} & set(NoticeContext.model_fields)
    [delivery] = result.deliveries
    assert (delivery.recipient, delivery.channel, delivery.status) == ("teacher", "email", "sent")
    [row] = rows(notifier)
    assert (row.status, row.channel, row.attempts, row.error) == ("sent", "email", 1, None)
    assert row.html and "<strong>" in row.html and row.sent_at is not None


def test_initials_appear_only_when_the_school_turns_them_on(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url, include_initials=True)
    notifier.notify(notice("reminder", ("teacher",), initials="JS"))
    [mail] = inbox.mails
    assert "Case reference: EHC-0042 (JS)" in mail.message.get_body(preferencelist=("plain",)).get_content()


def test_every_recipient_gets_their_own_message_and_a_rerun_sends_nothing_twice(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)
    exemption = notice("exemption", ("teacher", "senco", "teacher"), exemption_ground="reg8-2-a", owner="teacher")

    first = notifier.notify(exemption)
    again = notifier.notify(exemption)

    assert sorted(m.rcpt_tos[0] for m in inbox.mails) == ["jo.teacher@example.org", "senco@example.org"]
    assert [d.status for d in first.deliveries] == ["sent", "sent"]
    assert [d.status for d in again.deliveries] == ["skipped", "skipped"]
    assert all("Exemption recorded" in m.message["Subject"] for m in inbox.mails)
    assert not any(b"reg8-2-a" in m.raw for m in inbox.mails)  # the ground stays behind sign-in
    # the SENCO's own copy has no Reply-To to themselves (apprise drops a Reply-To equal to the recipient)
    [senco_copy] = inbox.to("senco@example.org")
    assert "owned by Jo Example" in senco_copy.message.get_body(preferencelist=("plain",)).get_content()


def test_without_a_channel_the_outbox_row_is_the_delivery(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)
    result = notifier.notify(notice("overdue", ("head",), days_overdue=3, days_to_target=None))
    assert [(d.channel, d.status) for d in result.deliveries] == [("outbox", "kept")]
    assert inbox.mails == []
    [row] = rows(notifier)
    assert (row.status, row.recipient, row.channel) == ("kept", "head", "outbox")
    assert "OVERDUE by 3 days" in row.subject and "Case reference:" in row.body
    assert (row.html, row.card) == (None, None)  # never sent: no e-mail body or card is rendered for it


def test_microsoft_365_graph_addresses_each_person_as_a_target(make_notifier):
    graph = "o365://sendclock@school.example.org/00000000-0000-0000-0000-000000000000/11111111-2222-3333-4444-555555555555/s3cret/"
    notifier = make_notifier(graph_url=graph)
    assert notifier._channels("teacher") == {"o365": graph + "jo.teacher@example.org"}
    assert notifier._channels("head") == {}  # no address: outbox only


def test_one_e_mail_route_per_school():
    with pytest.raises(ValidationError, match="smtp_url or graph_url, not both"):
        NotificationSettings(
            smtp_url="mailto://127.0.0.1:25?from=a@example.org", graph_url="o365://a@example.org/t/c/s/"
        )
