"""Delivering a notice to staff: one outbox row per recipient, then the channel (e-mail via apprise).

With no SMTP configured the outbox row is the delivery ("kept"), shown on the dashboard. A row already sent or
kept is never sent again, so a retried activity does not repeat a message it delivered.
"""

from __future__ import annotations

from datetime import datetime, timezone

import apprise
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.messages import MessageRenderer
from config.settings import Settings
from store.models import Outbox
from workflows.models import Delivery, NotifyInput, NotifyResult


class DeliveryError(Exception):
    """At least one recipient's channel failed (the activity is retried; delivered rows are not resent)."""


class Notifier:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], renderer: MessageRenderer | None = None):
        self.settings = settings
        self.sessions = sessions
        self.renderer = renderer or MessageRenderer(settings.dashboard_url)

    def notify(self, notice: NotifyInput) -> NotifyResult:
        subject, body = self.renderer.render(notice)
        deliveries = [self._deliver_one(notice, recipient, subject, body)
                      for recipient in dict.fromkeys(notice.recipients)]
        failed = [d for d in deliveries if d.status == "failed"]
        if failed:
            raise DeliveryError("; ".join(f"{d.recipient} via {d.channel}: {d.error}" for d in failed))
        return NotifyResult(deliveries=deliveries)

    def _email_url(self, recipient: str) -> str | None:
        member = self.settings.staff.get(recipient)
        base = self.settings.notifications.smtp_url
        if not base or member is None or member.email is None:
            return None
        return f"{base}{'&' if '?' in base else '?'}to={member.email}"

    def _deliver_one(self, notice: NotifyInput, recipient: str, subject: str, body: str) -> Delivery:
        key = f"{notice.key}/{recipient}"
        url = self._email_url(recipient)
        channel = "email" if url else "outbox"
        with self.sessions.begin() as session:
            row = session.scalar(select(Outbox).where(Outbox.key == key))
            if row is None:
                row = Outbox(key=key, process_id=notice.context.workflow_id, rule_id=notice.context.rule_id,
                             kind=notice.kind, recipient=recipient, channel=channel, subject=subject, body=body,
                             status="queued", attempts=0, scheduled_for=notice.scheduled_for, created_at=_now())
                session.add(row)
            elif row.status in ("sent", "kept"):
                return Delivery(recipient=recipient, channel=row.channel, status="skipped")
            row.attempts += 1
        error = self._send(url, subject, body) if url else None
        with self.sessions.begin() as session:
            row = session.scalar(select(Outbox).where(Outbox.key == key))
            row.status = "failed" if error else ("sent" if url else "kept")
            row.error = error
            row.sent_at = None if error else _now()
        return Delivery(recipient=recipient, channel=channel, status="failed" if error else ("sent" if url else "kept"),
                        error=error)

    @staticmethod
    def _send(url: str, subject: str, body: str) -> str | None:
        """Send through apprise; return an error text, or None when the channel accepted the message.
        apprise does not raise on failure: its result is falsy when delivery failed."""
        sender = apprise.Apprise()
        if not sender.add(url):
            return "the channel URL is not valid"
        if not sender.notify(body=body, title=subject):
            return "the channel refused or could not be reached"
        return None


def _now() -> datetime:
    return datetime.now(timezone.utc)
