"""Delivering a notice to staff: one outbox row per recipient and channel, sent once, in working hours, with a
fallback when a channel keeps failing.

Channels. A staff member's channels come from the staff directory (`StaffMember.notify`, see config/channels.py):
e-mail by SMTP or Microsoft 365 Graph, a Teams Workflows webhook, any apprise URL. With none (the shipped demo) the
outbox row is the delivery: status "kept", shown on the dashboard, never held for quiet hours (nobody is pinged).

Not mailed, still recorded (issue 19). The outbox is the record of every notice, including those nobody is pinged
about: each is a row with status "kept" whose channel says why: "outbox" (the person has no channel), "own-action"
(they made the change the notice announces: `NoticeContext.actor`), "dashboard" (the parent's window: shown on the
dashboard, nothing asked of staff), "digest" (`notifications.digest_only`: "done" confirmations and assignments
whose target is far off; the weekly digest covers them). No new status: the dashboard's Outbox page lists them
as kept. E-mail carries a From display name, a Reply-To (the SENCO) and the auto-reply suppression headers
(config/channels.py `with_sender`); the step's owner reads the owner's copy, anyone else a copy that says whose
step it is (activities/messages.py).

Idempotency. `key` names one notification to one person (the workflow mints it from process, step, kind and
scheduled time, plus the recipient). Each channel has its own row, keyed `<key>/<channel>`. A row that is sent,
accepted, kept or held is never sent again by a retried activity; a row is claimed (status "sending") by a
conditional UPDATE before it is sent, so two senders never both send it. A row left "sending" by a worker that died
mid-send is sent again by the activity's next attempt (Temporal schedules a retry only after the earlier attempt
failed or timed out, so a row claimed before this attempt was scheduled was left by a dead one; a local activity is
scheduled again only when the workflow task that ran it failed), or by anyone once it is stale (SENDING_STALE): for
a statutory reminder a rare duplicate is better than silence.

Quiet hours (activities/quiet_hours.py). A notice asked for outside working hours or on a non-working day gets rows
with status "held" and `not_before` set to the next window; `dispatch_held(now)` sends them when it comes (a
scheduled workflow calls it every few minutes). Quiet hours are judged by the time the notice was asked for
(`now`; the notify activity passes the workflow's time, so the time-skipping test server and replays agree).

Retries and fallback: where they happen.
- In the notify activity (the workflow path), Temporal's RetryPolicy is the backoff: a failed channel makes the
  activity raise, and the next attempt retries only the rows not yet delivered. The activity reads its own
  `activity.info()` (attempt, retry_policy.maximum_attempts): on the final attempt, if none of the person's
  channels delivered, the notice goes to the fallback, the SENCO's e-mail (`reminders.escalate_to`), on a row
  whose `fallback_for` names the failed row, which stays "failed" so the dashboard lists it first. If the fallback
  fails too, the final attempt raises and the workflow records "notification-failed" and goes on: it never blocks.
  Deciding in the activity keeps the workflow untouched (no new input, no patch) and replay-safe.
- `deliver()` called elsewhere (the weekly digest) and `dispatch_held()` keep the count in the outbox instead: a
  row falls back once its `attempts` reach `notifications.retry_attempts`. `dispatch_held()` backs off by setting
  `not_before` (retry_initial_seconds doubling up to retry_max_seconds, then the next working-hours window).

What history keeps (issue 21, finding 4). The notify activity returns a NoticeOutcome: each recipient's delivery
(channel and status), the notice's key, kind and step, and the key, status and fingerprint (store/outbox_fingerprint.py)
of every outbox row that holds the notice at that moment. Run as a local activity, history keeps only its result, so
the result says which notice it is; `audit verify` compares the outbox with it (audit/verify.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities import channels
from activities.messages import Message, MessageRenderer
from activities.planning import school_calendar
from activities.quiet_hours import next_window
from config.channels import is_email, kind_of, scheme_of, with_sender
from config.settings import Settings
from store.models import Outbox
from store.outbox_fingerprint import fingerprint
from store.prepared import Prepared
from store.writer import write, write_lock
from workflows.models import Delivery, Model, NotifyInput, NotifyResult

OUTBOX = Outbox.__table__
_OUTBOX_BY_KEY = select(OUTBOX.c.id).where(OUTBOX.c.key == bindparam("k"))
# Every notice's write: compiled once, run on the driver's cursor (store/prepared.py).
_OUTBOX_KEY, _OUTBOX_INSERT = Prepared(_OUTBOX_BY_KEY), Prepared(insert(OUTBOX))
DELIVERED = ("sent", "accepted")
SENDING_STALE = timedelta(minutes=5)
Sender = Callable[..., channels.Outcome]


class DeliveryError(Exception):
    """At least one recipient's channels failed (the activity is retried; delivered rows are not resent)."""


class OutboxRowSeen(Model):
    """One outbox row of a notice as the notify activity left it: its key, its status then, and its fingerprint."""

    key: str
    status: str
    fingerprint: str


class NoticeOutcome(NotifyResult):
    """The notify activity's result, as history keeps it: NotifyResult (each recipient's delivery), plus which notice
    it is and the outbox rows that hold it (see the module docstring). Fields with defaults: a reader of older results
    finds them empty."""

    key: str | None = None
    kind: str | None = None
    rule_id: str | None = None
    scheduled_for: datetime | None = None
    rows: list[OutboxRowSeen] = []


class Notifier:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], renderer: MessageRenderer | None = None,
                 sender: Sender = channels.send):
        self.settings = settings
        self.sessions = sessions
        self.renderer = renderer or MessageRenderer(
            settings.dashboard_url, include_initials=settings.notifications.include_initials,
            staff_names={staff_id: member.name for staff_id, member in settings.staff.items()},
            subject_prefix=settings.notifications.subject_prefix)
        self.sender = sender
        self.calendar = school_calendar(settings)
        self.engine = sessions.kw["bind"]

    # --- the notify activity ------------------------------------------------------------------------------------

    def notify(self, notice: NotifyInput) -> NotifyResult:
        """One notice to each recipient. The step's owner reads the owner's copy, anyone else (the SENCO) a copy
        saying whose step it is. Not mailed, but kept in the outbox as the record (status "kept", the channel says
        why): a notice to the person who made the change it announces ("own-action"), the parent's window
        ("dashboard": shown there), and what `notifications.digest_only` leaves to the weekly digest ("digest")."""
        context = notice.context
        recipients = list(dict.fromkeys(notice.recipients))
        held_back = self._not_mailed(notice)
        final = _final_attempt(self.settings.notifications.retry_attempts)
        messages: dict[tuple[str, bool], Message] = {}
        deliveries = []
        for recipient in recipients:
            audience = "owner" if context.owner is None or recipient == context.owner else "copy"
            reason = "own-action" if context.actor and recipient == context.actor else held_back
            rich = reason is None and bool(self._channels(recipient))
            if (audience, rich) not in messages:
                messages[audience, rich] = self.renderer.message(notice, rich=rich, audience=audience)
            message = messages[audience, rich]
            key = f"{notice.key}/{recipient}"
            if reason is not None:
                deliveries.append(self._keep(key=key, recipient=recipient, reason=reason, kind=notice.kind,
                                             message=message, process_id=context.workflow_id,
                                             rule_id=context.rule_id, scheduled_for=notice.scheduled_for))
                continue
            deliveries.append(self._deliver(
                key=key, recipient=recipient, kind=notice.kind, subject=message.subject, text=message.text,
                html=message.html, card=message.card, process_id=context.workflow_id, rule_id=context.rule_id,
                scheduled_for=notice.scheduled_for, now=notice.scheduled_for, final=final))
        failed = [d for d in deliveries if d.status == "failed"]
        if failed:
            raise DeliveryError("; ".join(f"{d.recipient} via {d.channel}: {d.error}" for d in failed))
        return NoticeOutcome(deliveries=deliveries, key=notice.key, kind=notice.kind, rule_id=context.rule_id,
                             scheduled_for=notice.scheduled_for,
                             rows=self._seen([f"{notice.key}/{recipient}" for recipient in recipients]))

    def _seen(self, notice_keys: list[str]) -> list[OutboxRowSeen]:
        """The outbox rows of these notices, as they stand now (one read per notice)."""
        with self.sessions() as session:
            rows = session.scalars(select(Outbox).where(Outbox.notice_key.in_(notice_keys)).order_by(Outbox.id))
            return [OutboxRowSeen(key=r.key, status=r.status, fingerprint=fingerprint(r)) for r in rows]

    def _not_mailed(self, notice: NotifyInput) -> str | None:
        """Why this notice is kept rather than sent to anyone (None: it is sent)."""
        context, rules = notice.context, self.settings.notifications.digest_only
        if context.style == "window":
            return "dashboard"  # a period given to the parent: shown on the dashboard, nothing asked of staff
        if notice.kind == "completed" and rules.completed:
            return "digest"
        if (notice.kind == "assigned" and rules.assigned_after_days is not None
                and (context.target - context.on).days > rules.assigned_after_days):
            return "digest"
        return None

    def _keep(self, *, key: str, recipient: str, reason: str, kind: str, message: Message, process_id: str | None,
              rule_id: str | None, scheduled_for: datetime) -> Delivery:
        """The outbox row is the record of a notice nobody is sent (status "kept", channel `reason`)."""
        created = self._ensure([dict(
            key=f"{key}/{reason}", notice_key=key, process_id=process_id, rule_id=rule_id, kind=kind,
            recipient=recipient, channel=reason, subject=message.subject[:300], body=message.text, html=None,
            card=None, status="kept", attempts=0, scheduled_for=scheduled_for, created_at=_now(), sent_at=_now())])
        return Delivery(recipient=recipient, channel=reason, status="kept" if created else "skipped")

    # --- public API (the weekly digest and the held-notice dispatcher use these) --------------------------------

    def deliver(self, *, key: str, recipient: str, kind: str, subject: str, text: str, html: str | None = None,
                card: dict | None = None, process_id: str | None = None, rule_id: str | None = None,
                scheduled_for: datetime | None = None, now: datetime | None = None) -> Delivery:
        """Deliver one notification to one staff member on each of their channels; idempotent by `key`.

        Returns the outcome over their channels: sent / accepted (Teams) / kept (no channel: outbox only) / held
        (quiet hours: `dispatch_held` sends it later) / failed (call again with the same key to retry what did not
        go; it falls back after `notifications.retry_attempts` tries) / fallback (it went to the SENCO's e-mail)
        / skipped (delivered before). Channel failures are returned, never raised. `now` (default: the wall clock)
        is when the notice is asked for, for quiet hours; `scheduled_for` defaults to it."""
        return self._deliver(key=key, recipient=recipient, kind=kind, subject=subject, text=text, html=html, card=card,
                             process_id=process_id, rule_id=rule_id, scheduled_for=scheduled_for, now=now, final=None)

    def dispatch_held(self, now: datetime) -> int:
        """Send the held rows whose `not_before` has passed (and failed rows due a retry); return how many were
        delivered. Nothing is sent while `now` is outside working hours. Safe to run twice or concurrently: each row
        is claimed by a conditional UPDATE before it is sent."""
        if self._window(now) != now:
            return 0
        with self.sessions() as session:
            due = list(session.scalars(
                select(Outbox.id).where(Outbox.status.in_(("held", "failed")), Outbox.not_before.is_not(None),
                                        Outbox.not_before <= now).order_by(Outbox.not_before, Outbox.id)))
        delivered = 0
        for row_id in due:
            row = self._claim(row_id, Outbox.status.in_(("held", "failed")), Outbox.not_before.is_not(None),
                              Outbox.not_before <= now)
            if row is None:
                continue  # another dispatcher has it
            url = self._channels(row.recipient).get(row.channel)
            outcome = self._send(row, url)
            if outcome.status in DELIVERED:
                delivered += 1
            elif row.attempts < self.settings.notifications.retry_attempts:
                self._retry_later(row, now)
            elif row.notice_key and row.fallback_for is None and not self._any_delivered_or_pending(row.notice_key):
                self._fall_back(row.notice_key, row.recipient, [row], row.process_id)
        return delivered

    # --- one notification to one person -------------------------------------------------------------------------

    def _deliver(self, *, key: str, recipient: str, kind: str, subject: str, text: str, html: str | None,
                 card: dict | None, process_id: str | None, rule_id: str | None, scheduled_for: datetime | None,
                 now: datetime | None, final: bool | None) -> Delivery:
        now = now or _now()
        targets = self._channels(recipient)
        fields = dict(notice_key=key, process_id=process_id, rule_id=rule_id, kind=kind, recipient=recipient,
                      subject=subject[:300], body=text, html=html, card=card, scheduled_for=scheduled_for or now)
        if not targets:
            created = self._ensure([dict(fields, key=f"{key}/outbox", channel="outbox", status="kept", attempts=0,
                                         created_at=_now(), sent_at=_now(), html=None, card=None)])  # never sent
            return Delivery(recipient=recipient, channel="outbox", status="kept" if created else "skipped")

        opens = self._window(now)
        held = opens != now
        fresh = self._ensure([dict(key=f"{key}/{label}", channel=label, status="held" if held else "queued",
                                   not_before=opens if held else None, attempts=0, created_at=_now(), **fields)
                              for label in targets])
        rows = self._rows(key)
        fallback = next((r for r in rows if r.fallback_for is not None), None)
        if fallback is not None:  # it went to the fallback: only a failed fallback is tried again
            if fallback.status == "failed":
                return self._fall_back(key, recipient, [r for r in rows if r.fallback_for is None], process_id)
            return Delivery(recipient=recipient, channel=f"fallback:{fallback.channel}",
                            status="fallback" if fallback.status in DELIVERED else "held", error=fallback.error)
        if not fresh and all(r.status in DELIVERED for r in rows):
            return Delivery(recipient=recipient, channel=_labels(rows), status="skipped")

        for row in rows:
            if _claimable(row):
                claimed = self._claim(row.id, *_claim_conditions(row))
                if claimed is not None:
                    self._send(claimed, targets.get(claimed.channel))
        rows = self._rows(key)
        mine = [r for r in rows if r.fallback_for is None]
        delivered = [r for r in mine if r.status in DELIVERED]
        failed = [r for r in mine if r.status == "failed" and r.not_before is None]
        pending = [r for r in mine if r.status in ("held", "queued", "sending")
                   or (r.status == "failed" and r.not_before is not None)]
        errors = "; ".join(f"{r.channel}: {r.error}" for r in failed) or None
        if failed:
            if final is None:
                final = max(r.attempts for r in failed) >= self.settings.notifications.retry_attempts
            if not final:
                return Delivery(recipient=recipient, channel=_labels(failed), status="failed", error=errors)
        if delivered:
            status = "sent" if any(r.status == "sent" for r in delivered) else "accepted"
            return Delivery(recipient=recipient, channel=_labels(delivered), status=status, error=errors)
        if pending:  # held for quiet hours (or being sent by another worker): dispatch_held sends it
            return Delivery(recipient=recipient, channel=_labels(pending), status="held", error=errors)
        return self._fall_back(key, recipient, failed, process_id)

    def _fall_back(self, key: str, recipient: str, failed: list[Outbox], process_id: str | None) -> Delivery:
        """Every channel of `recipient` failed for good: send the notice to the SENCO's e-mail instead, once."""
        failed = [r for r in self._rows(key) if r.key in {f.key for f in failed}] or failed  # their final errors
        errors = "; ".join(f"{r.channel}: {r.error}" for r in failed)
        senco = self.settings.reminders.escalate_to
        tried = {r.channel for r in failed} if recipient == senco else set()
        route = next(((label, url) for label, url in self._channels(senco).items()
                      if is_email(url) and label not in tried), None)
        if route is None:
            return Delivery(recipient=recipient, channel=_labels(failed), status="failed",
                            error=f"{errors}; no fallback e-mail for {senco}")
        label, url = route
        source = failed[0]
        member = self.settings.staff.get(recipient)
        note = self.renderer.fallback_note(recipient_name=member.name if member else recipient,
                                           channels=_labels(failed), error=source.error or "failed")
        self._ensure([dict(
            key=f"{key}/fallback", notice_key=key, process_id=process_id, rule_id=source.rule_id, kind=source.kind,
            recipient=senco, channel=label, subject=f"Not delivered to {recipient}: {source.subject}"[:300],
            body=note + source.body, html=None, card=None, status="queued", attempts=0,
            scheduled_for=source.scheduled_for, created_at=_now(), fallback_for=source.key)])
        with self.sessions() as session:
            row = session.scalar(select(Outbox).where(Outbox.key == f"{key}/fallback"))
        claimed = self._claim(row.id, *_claim_conditions(row)) if _claimable(row) else None
        if claimed is not None:
            self._send(claimed, url)
        with self.sessions() as session:
            row = session.scalar(select(Outbox).where(Outbox.key == f"{key}/fallback"))
        if row.status in DELIVERED:
            return Delivery(recipient=recipient, channel=f"fallback:{label}", status="fallback", error=errors)
        return Delivery(recipient=recipient, channel=f"fallback:{label}", status="failed",
                        error=f"{errors}; fallback to {senco}: {row.error}")

    # --- rows -----------------------------------------------------------------------------------------------------

    def _ensure(self, rows: list[dict]) -> bool:
        """Insert the rows (outbox columns) that do not exist yet; True if any was new. A concurrent insert of the
        same key wins. Plain SQL in one transaction: this runs for every notice (the ORM's unit of work doubled it)."""
        try:
            return write(self.engine, lambda connection: self._insert_missing(connection, rows))
        except IntegrityError:
            with self.engine.connect() as connection:  # lost a race for some key: were they all inserted by others?
                if any(connection.execute(_OUTBOX_BY_KEY, {"k": row["key"]}).first() is None for row in rows):
                    raise  # not a concurrent insert of the same key: a real error (e.g. an unknown process)
            return False

    @staticmethod
    def _insert_missing(connection, rows: list[dict]) -> bool:
        created = False
        for row in rows:
            if _OUTBOX_KEY.first(connection, {"k": row["key"]}) is None:
                _OUTBOX_INSERT.execute(connection, row)
                created = True
        return created

    def _rows(self, key: str) -> list[Outbox]:
        with self.sessions() as session:
            return list(session.scalars(select(Outbox).where(Outbox.notice_key == key).order_by(Outbox.id)))

    def _any_delivered_or_pending(self, key: str) -> bool:
        return any(r.status in (*DELIVERED, "held", "queued", "sending")
                   or (r.status == "failed" and r.not_before is not None) for r in self._rows(key))

    def _claim(self, row_id: int, *conditions) -> Outbox | None:
        """Take a row for sending (status "sending", one more attempt) if it still meets `conditions`."""
        with write_lock(self.engine), self.sessions.begin() as session:
            taken = session.execute(
                update(Outbox).where(Outbox.id == row_id, *conditions)
                .values(status="sending", attempts=Outbox.attempts + 1, attempted_at=_now(), not_before=None)
            ).rowcount
            return session.get(Outbox, row_id) if taken == 1 else None

    def _send(self, row: Outbox, url: str | None) -> channels.Outcome:
        if url is None:
            outcome = channels.Outcome("failed", f"{row.recipient} has no channel {row.channel!r} any more")
        else:
            try:
                outcome = self.sender(url, subject=row.subject, text=row.body, html=row.html, card=row.card)
            except Exception as err:  # a plugin bug must not leave the row "sending"
                outcome = channels.Outcome("failed", f"{type(err).__name__}: {err}")
        with write_lock(self.engine), self.sessions.begin() as session:
            session.execute(update(Outbox).where(Outbox.id == row.id).values(
                status=outcome.status, error=outcome.error,
                sent_at=_now() if outcome.status in DELIVERED else None))
        return outcome

    def _retry_later(self, row: Outbox, now: datetime) -> None:
        note = self.settings.notifications
        delay = min(note.retry_initial_seconds * 2 ** max(0, row.attempts - 1), note.retry_max_seconds)
        with write_lock(self.engine), self.sessions.begin() as session:
            session.execute(update(Outbox).where(Outbox.id == row.id, Outbox.status == "failed")
                            .values(not_before=self._window(now + timedelta(seconds=delay))))

    # --- settings ------------------------------------------------------------------------------------------------

    def _channels(self, staff_id: str) -> dict[str, str]:
        """label -> apprise URL for one staff member (empty: outbox only)."""
        member = self.settings.staff.get(staff_id)
        if member is None:
            return {}
        return _label(with_sender(url, from_name=self._from_name(), reply_to=self._reply_to())
                      for url in member.channel_urls(self.settings.notifications.email_url))

    def _from_name(self) -> str:
        return self.settings.notifications.from_name or f"{self.settings.school_name} (sendclock)"

    def _reply_to(self) -> str | None:
        """Where replies go: notifications.reply_to, else the SENCO's (reminders.escalate_to) address."""
        if self.settings.notifications.reply_to:
            return self.settings.notifications.reply_to
        senco = self.settings.staff.get(self.settings.reminders.escalate_to)
        return senco.email if senco else None

    def _window(self, instant: datetime) -> datetime:
        note = self.settings.notifications
        if not note.quiet_hours:
            return instant
        return next_window(instant, self.calendar, note.working_hours.start, note.working_hours.end,
                           self.settings.timezone)


def _label(urls: Iterable[str]) -> dict[str, str]:
    """Short, stable channel names for the outbox: email, o365, teams (then email-2, ...), else the scheme."""
    labels: dict[str, str] = {}
    for url in urls:
        kind = kind_of(url)
        base = (kind if kind != "other" else scheme_of(url))[:16] or "apprise"
        label, n = base, 1
        while label in labels:
            n += 1
            label = f"{base}-{n}"
        labels[label] = url
    return labels


def _claimable(row: Outbox) -> bool:
    """Sendable now by deliver(): new, failed (and not waiting for the dispatcher), or left sending by a dead worker."""
    if row.status == "queued" or (row.status == "failed" and row.not_before is None):
        return True
    return row.status == "sending" and (row.attempted_at is None or row.attempted_at < _stale_before())


def _stale_before() -> datetime:
    """A row claimed ("sending") before this instant was left by a sender that died: SENDING_STALE ago, or, in a
    retried notify activity, when this attempt was scheduled (the attempt before it is over). A local activity is
    run again from its first attempt when the workflow task that ran it failed (the worker died): any execution
    scheduled before this one is over too."""
    cutoff = _now() - SENDING_STALE
    if activity.in_activity() and (activity.info().attempt > 1 or activity.info().is_local):
        cutoff = max(cutoff, activity.info().current_attempt_scheduled_time)
    return cutoff


def _claim_conditions(row: Outbox) -> tuple:
    if row.status == "sending":
        stale = or_(Outbox.attempted_at.is_(None), Outbox.attempted_at < _stale_before())
        return (Outbox.status == "sending", stale)
    return (Outbox.status == row.status, Outbox.not_before.is_(None))


def _labels(rows: Iterable[Outbox]) -> str:
    return "+".join(dict.fromkeys(r.channel for r in rows))[:40]


def _final_attempt(default_attempts: int) -> bool:
    """Whether this is the notify activity's last attempt (outside an activity: yes, there is no retry)."""
    if not activity.in_activity():
        return True
    info = activity.info()
    policy = info.retry_policy
    limit = policy.maximum_attempts if policy and policy.maximum_attempts else default_attempts
    return info.attempt >= limit


def _now() -> datetime:
    return datetime.now(timezone.utc)
