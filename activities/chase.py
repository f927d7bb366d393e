"""Sending a chase letter to an LA's SEN team (workflows/chase.py): one outbox row, sent once, the SENCO copied.

The letter was written from the school's template and confirmed by the SENCO on the dashboard (commands/chase.py):
this activity only delivers it. It goes by the school's e-mail route (notifications.smtp_url or graph_url) to the
LA's mailbox (las.<name>.mailbox), From the school's sendclock name, Reply-To the SENCO (the LA's answer reaches a
person) and, over SMTP, with the SENCO in Cc: the school keeps its own copy in its own mailbox. Without a mailbox or
an e-mail route the row is "kept" (channel "by-hand"): the letter waits on the case page for the SENCO to send
from their own mailbox, and the chase is recorded all the same.

At a trust's deployment the letter goes by the e-mail route, From name and SENCO of the school whose process it chases
(the school in the workflow id: activities/schools.py), and its outbox row is that school's.

Idempotent as the notifier is: the row is keyed by the chase (`<workflow id>/la-chase/<n>`), claimed before it is
sent and never sent again once sent. A failure is retried by Temporal (a few tries: the SENCO is waiting); the last
try answers "failed" with apprise's reason instead of raising, so the workflow records it and opens nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.channels import send
from activities.delivery_decision import stale_cutoff
from activities.schools import SchoolViews, UnknownSchool, current_school, unknown_school
from config.channels import email_url_for, kind_of, with_param, with_sender
from config.settings import Settings
from statutory.clock import local_date
from store.outbox import OutboxRepository, OutboxStatus
from workflows import activity_names
from workflows.models import ChaseLetter, ChaseSent

log = logging.getLogger(__name__)
RECIPIENT = "la"  # the outbox row's recipient: the LA's SEN team, not a member of staff
BY_HAND = "by-hand"  # the kept row's channel: the SENCO sends it from their own mailbox
DELIVERED = (OutboxStatus.SENT.value, OutboxStatus.ACCEPTED.value)


class ChaseActivities:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings  # the deployment's: each letter goes by its process's school's (`school`)
        self.schools = SchoolViews(settings)
        self.outbox = OutboxRepository(sessions)

    def school(self, letter: ChaseLetter) -> Settings:
        """The settings of the school whose process the letter chases for."""
        try:
            return self.schools(current_school(letter.workflow_id))
        except UnknownSchool as err:
            raise unknown_school(err) from None

    @activity.defn(name=activity_names.SEND_LA_CHASE)
    def send_la_chase(self, letter: ChaseLetter) -> ChaseSent:
        settings = self.school(letter)
        on = local_date(letter.sent_at, settings.timezone)
        why_kept = self.kept_reason(letter, settings)
        key = letter.key
        self.outbox.ensure(
            [
                dict(
                    key=key,
                    school=settings.school_id,
                    notice_key=key,
                    process_id=letter.workflow_id,
                    rule_id=letter.rule_id,
                    kind="la-chase",
                    recipient=RECIPIENT,
                    channel=BY_HAND if why_kept else "email",
                    subject=letter.subject[:300],
                    body=letter.body,
                    html=None,
                    card=None,
                    status=OutboxStatus.KEPT if why_kept else OutboxStatus.QUEUED,
                    attempts=0,
                    scheduled_for=letter.sent_at,
                    created_at=datetime.now(UTC),
                )
            ]
        )
        row = self.outbox.by_key(key)
        assert row is not None  # just ensured
        if row.status == OutboxStatus.KEPT.value:
            return ChaseSent(status="kept", outbox_key=key, on=on, reason=why_kept)
        if row.status in DELIVERED:
            return ChaseSent(status="sent", outbox_key=key, on=on)
        info = activity.info()
        claimed = self.outbox.claim_to_send(row, stale_cutoff(datetime.now(UTC), info.current_attempt_scheduled_time))
        if claimed is None:
            raise ApplicationError("the chase letter is being sent by another attempt")
        assert letter.to is not None  # a letter with no mailbox is kept above
        outcome = send(self.url(letter.to, settings), subject=letter.subject, text=letter.body)
        self.outbox.record_outcome(claimed.id, outcome.status, outcome.error)
        log.info(
            "la chase %s",
            outcome.status,
            extra={"workflow_id": letter.workflow_id, "rule_id": letter.rule_id, "attempt": info.attempt},
        )
        if outcome.status == "failed":
            maximum = info.retry_policy.maximum_attempts if info.retry_policy else 0
            if maximum and info.attempt < maximum:
                raise ApplicationError(f"the chase letter was not sent: {outcome.error}")
            return ChaseSent(status="failed", outbox_key=key, on=on, error=outcome.error)
        return ChaseSent(status="sent", outbox_key=key, on=on)

    def kept_reason(self, letter: ChaseLetter, settings: Settings | None = None) -> str | None:
        """Why the letter is not e-mailed by sendclock (the SENCO sends it), or None: it is. `settings`: the school's
        (unset: of the letter's process)."""
        settings = settings or self.school(letter)
        if letter.to is None:
            return (
                f"There is no SEN team mailbox for {letter.la} in the settings (las.{letter.la}.mailbox): send the "
                "letter from your own mailbox."
            )
        if not settings.notifications.email_url:
            return (
                "The school has no e-mail route in the settings (notifications.smtp_url or graph_url): send the "
                "letter from your own mailbox."
            )
        return None

    def url(self, mailbox: str, settings: Settings | None = None) -> str:
        """The school's e-mail URL to the LA's mailbox: From the school's sendclock name, Reply-To and (SMTP) Cc the
        SENCO. No auto-reply suppression: this is a letter the SENCO sent, and an answer is wanted. `settings`: the
        school's (unset: the activities' own, a single school's)."""
        settings = settings or self.settings
        base = settings.notifications.email_url
        assert base is not None
        senco = settings.staff.get(settings.reminders.escalate_to)
        reply_to = settings.notifications.reply_to or (senco.email if senco else None)
        url = email_url_for(base, mailbox)
        if kind_of(url) != "email":  # Graph: apprise takes neither a display name nor Cc from the URL
            return url
        from_name = settings.notifications.from_name or f"{settings.school_name} (sendclock)"
        url = with_sender(url, from_name=from_name, reply_to=reply_to, machine=False)
        if senco is not None and senco.email:
            url = with_param(url, "cc", str(senco.email))
        return url

    def all(self) -> list:
        return [self.send_la_chase]
