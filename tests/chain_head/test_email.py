"""The fingerprint as the SENCO and the auditor receive it: the 07:00 run is held for quiet hours, the dispatcher
sends it when school hours open, one e-mail each, read back from an SMTP server on loopback and parsed strictly."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import time

import pytest
from aiosmtpd.controller import Controller

from activities.chain_head import ChainHeadActivities
from activities.notifier import Notifier
from config.settings import NotificationSettings
from store.chain_heads import current_head
from tests.chain_head.conftest import add_events, morning
from tests.helpers import free_port
from workflows.models import ChainHeadInput


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        policy = email.policy.default.clone(raise_on_defect=True)  # a malformed message fails the test
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy)))
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


def test_the_senco_and_the_auditor_each_get_one_e_mail_when_school_hours_open(settings, sessions, inbox):
    add_events(sessions, 4)
    notifier = Notifier(settings, sessions)
    job = ChainHeadActivities(settings, sessions, notifier)
    result = job.publish_chain_head(ChainHeadInput(now=morning()))  # 07:00: before working hours (08:00)
    assert {d.status for d in result.deliveries} == {"held"} and inbox.messages == []

    assert notifier.dispatch_held(morning(at=time(8, 0))) == 2
    job.publish_chain_head(ChainHeadInput(now=morning(at=time(9, 0))))  # a second run that day: nothing more
    assert notifier.dispatch_held(morning(at=time(9, 15))) == 0
    assert sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts) == ["ann@example.org", "senco@example.org"]

    with sessions() as session:
        head = current_head(session)
    _, message = next(m for m in inbox.messages if m[0] == ["ann@example.org"])
    assert message["Subject"] == "Audit record fingerprint for Wed 2 Dec 2026"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Dear Ann Example,")
    assert f"Fingerprint: {head.fingerprint}" in body and f"In full: {head.hash}" in body
    assert "It covers the record's 4 entries" in body and "keep this e-mail" in body
