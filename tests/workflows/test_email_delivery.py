"""Notices delivered by e-mail through apprise to a real SMTP server (aiosmtpd) on loopback; a dead server is
recorded as a failure (after the fallback to the SENCO's e-mail) and never blocks the statutory step; a notice
raised at night waits for working hours."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from aiosmtpd.controller import Controller

from activities.notifier import Notifier
from activities.quiet_hours import next_window
from config.school_calendar import school_calendar
from config.settings import DigestOnly
from starter.advice import advice_sent, start_advice_request
from tests.helpers import free_port
from tests.workflows.advice_flow import advice_request, days, events, london_today, outbox, outcome, sleep_until_day
from workflows.models import AdviceSent

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def settings(settings):
    """These tests start at the real time of day (the test server's clock starts now): no quiet hours here
    (tests/notifications/ test them). "Done" confirmations are mailed here (by default they wait for the digest,
    tests/notifications/test_noise.py): these tests are about delivery."""
    return settings.model_copy(
        update={
            "notifications": settings.notifications.model_copy(
                update={"quiet_hours": False, "digest_only": DigestOnly(completed=False)}
            )
        }
    )


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


async def settled(check, seconds: float = 15) -> None:
    """Wait (bounded) until `check()` holds: the activity's last write follows the delivery it records."""
    for _ in range(int(seconds * 20)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


async def arrived(handler: Inbox, count: int, seconds: float = 15) -> None:
    """Wait (bounded) for the asynchronous notify activity to reach the SMTP server."""
    for _ in range(int(seconds * 20)):
        if len(handler.messages) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(handler.messages)} message(s) arrived, expected {count}")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


class TestDelivered:
    @pytest.fixture
    def smtp_url(self, inbox) -> str:
        return f"mailto://127.0.0.1:{inbox[1]}?from=sendclock@example.org&mode=insecure"

    @pytest.mark.databases
    async def test_assignment_and_completion_are_e_mailed(self, env, settings, sessions, inbox):
        handler, _ = inbox
        today = await london_today(env)
        started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0201"))
        workflow_id, plan = started.state.workflow_id, started.state.step.plan

        await arrived(handler, 1)
        [(recipients, message)] = handler.messages
        assert recipients == ["jo.teacher@example.org"]
        assert message["From"].addresses[0].addr_spec == "sendclock@example.org"
        assert "EHC-0201" in message["Subject"] and "Advice to the LA" in message["Subject"]
        body = message.get_body(preferencelist=("plain", "html")).get_content()
        assert "Case reference: EHC-0201" in body and "Local authority: Kent" in body
        assert "reg 8(1)" in body and plan.due.strftime("%-d %b %Y") in body
        # The SMTP server can have the message a moment before the activity marks its outbox row as sent.
        await settled(lambda: [row.status for row in outbox(sessions, workflow_id, "assigned")] == ["sent"])

        await sleep_until_day(env, today + days(2))
        await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="senco"))
        await outcome(env, workflow_id)
        done = [(r, m) for r, m in handler.messages if "Done" in m["Subject"]]
        assert sorted(r[0] for r, _ in done) == ["jo.teacher@example.org"]  # the SENCO recorded it: not told of it
        own = [row for row in outbox(sessions, workflow_id, "completed") if row.recipient == "senco"]
        assert [(row.status, row.channel) for row in own] == [("kept", "own-action")]
        await settled(
            lambda: all(
                row.status == "sent" for row in outbox(sessions, workflow_id) if row.id not in {o.id for o in own}
            )
        )


class TestSmtpDown:
    @pytest.fixture
    def smtp_url(self) -> str:
        return f"mailto://127.0.0.1:{free_port()}?from=sendclock@example.org&mode=insecure"  # nothing listens

    async def test_failed_channel_is_recorded_and_the_step_goes_on(self, env, settings, sessions):
        today = await london_today(env)
        started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0202"))
        workflow_id = started.state.workflow_id
        await sleep_until_day(env, today + days(3))
        [row, fallback] = outbox(sessions, workflow_id, "assigned")
        assert (row.recipient, row.status, row.attempts) == ("teacher", "failed", 6) and row.error
        # On the last attempt the notice went to the SENCO's e-mail, which is down too: both failures are recorded.
        assert (fallback.recipient, fallback.status, fallback.fallback_for) == ("senco", "failed", row.key)
        assert "notification-failed" in [e.kind for e in events(sessions, workflow_id)]
        state = await advice_sent(
            env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher")
        )
        assert state.step.notices_failed >= 1
        result = await outcome(env, workflow_id)
        assert result.on_time


class TestQuietHours:
    """In the time-skipping server: a notice raised at night is held in the outbox, then sent by dispatch_held()
    (which the scheduled dispatcher calls) once the next working-hours window opens."""

    @pytest.fixture
    def smtp_url(self, inbox) -> str:
        return f"mailto://127.0.0.1:{inbox[1]}?from=sendclock@example.org&mode=insecure"

    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(
            update={
                "notifications": settings.notifications.model_copy(
                    update={"quiet_hours": True, "digest_only": DigestOnly(completed=False)}
                )
            }
        )

    async def test_a_notice_raised_at_night_is_held_then_dispatched(self, env, settings, sessions, inbox):
        handler, _ = inbox
        today = await london_today(env)
        started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0203"))
        workflow_id = started.state.workflow_id
        night = today + days(1)
        await sleep_until_day(env, night, hour=22)  # 22:00 UTC is after working hours in GMT and in BST
        await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=night, by="head"))
        await outcome(env, workflow_id)

        asked = await env.get_current_time()
        opens = next_window(asked, school_calendar(settings), time(8, 0), time(17, 30))
        done = outbox(sessions, workflow_id, "completed")
        assert sorted((r.recipient, r.status, r.not_before) for r in done) == [
            ("senco", "held", opens),
            ("teacher", "held", opens),
        ]
        notifier = Notifier(settings, sessions)
        assert notifier.dispatch_held(asked) == 0
        assert not [m for _, m in handler.messages if "Done" in m["Subject"]]

        await env.sleep(opens + timedelta(minutes=10) - asked)
        assert notifier.dispatch_held(await env.get_current_time()) >= 2  # with the assignment, if it was held too
        done_mails = [(r, m) for r, m in handler.messages if "Done" in m["Subject"]]
        assert sorted(r[0] for r, _ in done_mails) == ["jo.teacher@example.org", "senco@example.org"]
        assert {r.status for r in outbox(sessions, workflow_id, "completed")} == {"sent"}
