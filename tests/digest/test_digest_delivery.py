"""Delivering the digest through the real Notifier: once per leader per week, however often the job runs (the key is
digest/<recipient>/<ISO week>), to the outbox with no channel, or by e-mail to an SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import date, time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from temporalio.exceptions import ApplicationError

from activities.housekeeping import HousekeepingActivities
from config.settings import NotificationSettings
from store.models import Outbox
from tests.digest.conftest import monday_morning
from tests.digest.digest_rows import PUPIL_NAME, add_school
from tests.helpers import free_port
from workflows.models import DigestInput

MONDAY_9AM = monday_morning(at=time(9, 0))  # inside school hours: nothing is held
TUESDAY_9AM = monday_morning(date(2027, 1, 12), time(9, 0))
NEXT_MONDAY_9AM = monday_morning(date(2027, 1, 18), time(9, 0))
LEADERS = ["deputy", "head", "senco"]


def digest_rows(sessions) -> list[tuple[str, str, str]]:
    """(notice key, recipient, status) of each digest row in the outbox (one row per channel)."""
    with sessions() as session:
        rows = session.scalars(select(Outbox).where(Outbox.kind == "digest").order_by(Outbox.key, Outbox.id))
        return [(row.notice_key, row.recipient, row.status) for row in rows]


def test_a_rerun_in_the_same_week_sends_nothing_twice(settings, sessions):
    add_school(sessions)
    activities = HousekeepingActivities(settings, sessions)
    first = activities.send_digests(DigestInput(now=MONDAY_9AM))
    assert sorted(d.recipient for d in first.deliveries) == LEADERS
    rows = digest_rows(sessions)
    assert {(key, recipient) for key, recipient, _ in rows} == {(f"digest/{r}/2027-W02", r) for r in LEADERS}
    assert {status for _, _, status in rows} == {"kept"}

    activities.send_digests(DigestInput(now=MONDAY_9AM))  # the same run, retried
    activities.send_digests(DigestInput(now=TUESDAY_9AM))  # the next weekday's run
    assert digest_rows(sessions) == rows

    activities.send_digests(DigestInput(now=NEXT_MONDAY_9AM))  # a new week: a new digest each
    assert len(digest_rows(sessions)) == 2 * len(rows)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox(settings) -> Iterator[Inbox]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.notifications = NotificationSettings(
        smtp_url=f"mailto://127.0.0.1:{port}?from=sendclock@example.org&mode=insecure",
        retry_initial_seconds=0.1,
        retry_max_seconds=0.2,
    )
    yield handler
    controller.stop()


def test_each_leader_gets_one_e_mail_a_week(settings, sessions, inbox):
    add_school(sessions)
    activities = HousekeepingActivities(settings, sessions)
    activities.send_digests(DigestInput(now=MONDAY_9AM))
    activities.send_digests(DigestInput(now=TUESDAY_9AM))

    assert sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts) == [
        "deputy@example.org",
        "head@example.org",
        "senco@example.org",
    ]
    _, message = next(m for m in inbox.messages if m[0] == ["head@example.org"])
    assert message["Subject"] == "[sendclock] Weekly digest, Mon 11 Jan 2027: 2 overdue, 2 due in 14 days"
    body = message.get_body(preferencelist=("plain", "html")).get_content()
    assert "Dear Priya Example (Head)" in body and "EHC-0042" in body and PUPIL_NAME not in body
    assert {status for _, _, status in digest_rows(sessions)} == {"sent"}


def test_an_undelivered_digest_fails_the_attempt_so_temporal_retries_it(settings, sessions):
    settings.notifications = NotificationSettings(
        smtp_url=f"mailto://127.0.0.1:{free_port()}?from=sendclock@example.org&mode=insecure"
    )  # nothing listens
    activities = HousekeepingActivities(settings, sessions)
    with pytest.raises(ApplicationError, match="weekly digest 2027-W02 not delivered") as raised:
        activities.send_digests(DigestInput(now=MONDAY_9AM))
    assert raised.value.type == "DigestNotDelivered" and not raised.value.non_retryable
    assert {status for _, _, status in digest_rows(sessions)} == {"failed"}
