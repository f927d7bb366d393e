"""Delivering a notice to staff: one outbox row per recipient and channel, sent once, in working hours, with a
fallback when a channel keeps failing.

How it is built (issue 22). Three parts: the outbox rows are read and written by store/outbox.py
(`OutboxRepository`: inserts, claims, outcomes, retry times; the statuses are `OutboxStatus`); what to do with a
notice, given its rows, is decided by the pure functions of activities/delivery_decision.py (which channel, send
now or hold, retry, fall back, give up); `Notifier` here wires them to the staff directory, the messages, the
school calendar and apprise (activities/channels.py), and to the notify activity's own attempt (activity.info()).

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

Schools (issue 25). A deployment may serve a trust's schools: each notice goes to the staff of its process's school
(the school in the workflow id: workflows/registry.py school_of), by that school's channels, e-mail route, From name,
Reply-To, templates, calendar and working hours, and its outbox rows carry the school (`Outbox.school`). The notifier
the worker makes holds the deployment's settings and keeps one notifier per school (`for_school`, made on first use);
`notify`, `deliver` and `dispatch_held` hand each notice or held row to its school's. A single-school install is its
own school's notifier. The trust's own staff (`trust.staff`: the trust digest) have a notifier too, whose rows belong
to store.outbox.TRUST.

What the log says (issue 22). One INFO line (logger "activities.notifier") per outbox row sent, held or failed:
the workflow id (the opaque case reference and a date, never a name: workflows/registry.py), the notice's kind, the
rule, the channel's kind (email, o365, teams, other), the outcome, the attempt, whether it was a fallback, and the
outbox row's id. Never an address, a URL, a name, a subject or text: logs travel further than the database. The
channel's error text (apprise's words, which can name an address or host) stays in the outbox row.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities import channels
from activities.delivery_decision import (  # noqa: F401
    SENDING_STALE,
    Action,
    Decision,
    after_dispatch,
    after_fallback,
    after_sending,
    before_sending,
    claimable,
    fallback_channel,
    final_attempt,
    kept_reason,
    labels,
    opening,
    stale_cutoff,
)
from activities.messages import TEMPLATES, Message, MessageRenderer
from activities.quiet_hours import next_window
from config.channels import is_email, kind_of, scheme_of, with_sender
from config.school_calendar import school_calendar
from config.settings import Settings, UnknownSchool
from store.models import Outbox
from store.outbox import DELIVERED, TRUST, OutboxRepository, OutboxStatus
from workflows.models import Delivery, Model, NotifyInput, NotifyResult
from workflows.registry import school_of

log = logging.getLogger(__name__)
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
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        renderer: MessageRenderer | None = None,
        sender: Sender = channels.send,
    ):
        """`settings`: the deployment's (each school's notices go through `for_school`) or one school's view.
        `renderer`: given (a test's), every school's notices render through it; else each school's own."""
        self.settings = settings
        self.school = settings.school_id  # whose rows this notifier writes (a trust's own: TRUST)
        self.sessions = sessions
        self._given_renderer = renderer
        self.renderer = renderer or MessageRenderer(
            settings.dashboard_url,
            settings.templates or TEMPLATES,
            include_initials=settings.notifications.include_initials,
            staff_names={staff_id: member.name for staff_id, member in settings.staff.items()},
            subject_prefix=settings.notifications.subject_prefix,
        )
        self.sender = sender
        self.calendar = school_calendar(settings)
        self.outbox = OutboxRepository(sessions)
        self.engine = self.outbox.engine
        # Each school's notifier, made once (a single school's settings: this one is its school's).
        self._schools: dict[str, Notifier] = {} if settings.schools else {self.school: self}
        self._lock = threading.Lock()

    # --- the schools of the deployment ----------------------------------------------------------------------------

    def for_school(self, school: str) -> Notifier:
        """The notifier of one school (its staff, channels, templates, calendar and hours; its rows carry its id),
        made on first use and kept; TRUST: the trust's own staff's (`trust.staff`). UnknownSchool for a school the
        settings do not have."""
        found = self._schools.get(school)
        if found is None:
            view = self._trust_view() if school == TRUST else self.settings.for_school(school)
            made = Notifier(view, self.sessions, self._given_renderer, self.sender)
            with self._lock:
                found = self._schools.setdefault(school, made)
        return found

    def _trust_view(self) -> Settings:
        """The settings the trust's own staff are told by: the trust's (top-level) notification settings, templates
        and calendar, its name, and `trust.staff` as the directory."""
        if not self.settings.schools:
            raise UnknownSchool(TRUST, self.settings.school_ids)
        trust = self.settings.trust
        return self.settings.model_copy(
            update={
                "staff": dict(trust.staff),
                "school_name": trust.name or self.settings.school_name,
                "schools": {},
                "school_id": TRUST,
            }
        )

    # --- the notify activity ------------------------------------------------------------------------------------

    def notify(self, notice: NotifyInput) -> NotifyResult:
        """One notice to each recipient, staff of the school of the notice's process. The step's owner reads the
        owner's copy, anyone else (the SENCO) a copy saying whose step it is. Not mailed, but kept in the outbox as
        the record (status "kept", the channel says why): a notice to the person who made the change it announces
        ("own-action"), the parent's window ("dashboard": shown there), and what `notifications.digest_only` leaves
        to the weekly digest ("digest")."""
        school = school_of(notice.context.workflow_id)
        if school != self.school or self.settings.schools:
            return self.for_school(school).notify(notice)
        context = notice.context
        recipients = list(dict.fromkeys(notice.recipients))
        rules = self.settings.notifications.digest_only
        final = _final_attempt(self.settings.notifications.retry_attempts)
        messages: dict[tuple[str, bool], Message] = {}
        deliveries = []
        for recipient in recipients:
            audience: Literal["owner", "copy"] = (
                "owner" if context.owner is None or recipient == context.owner else "copy"
            )
            reason = kept_reason(
                recipient=recipient,
                actor=context.actor,
                style=context.style,
                kind=notice.kind,
                on=context.on,
                target=context.target,
                digest_completed=rules.completed,
                assigned_after_days=rules.assigned_after_days,
            )
            rich = reason is None and bool(self._channels(recipient))
            if (audience, rich) not in messages:
                messages[audience, rich] = self.renderer.message(notice, rich=rich, audience=audience)
            message = messages[audience, rich]
            key = f"{notice.key}/{recipient}"
            if reason is not None:
                deliveries.append(
                    self._keep(
                        key=key,
                        recipient=recipient,
                        reason=reason,
                        kind=notice.kind,
                        message=message,
                        process_id=context.workflow_id,
                        rule_id=context.rule_id,
                        scheduled_for=notice.scheduled_for,
                    )
                )
                continue
            deliveries.append(
                self._deliver(
                    key=key,
                    recipient=recipient,
                    kind=notice.kind,
                    subject=message.subject,
                    text=message.text,
                    html=message.html,
                    card=message.card,
                    process_id=context.workflow_id,
                    rule_id=context.rule_id,
                    scheduled_for=notice.scheduled_for,
                    now=notice.scheduled_for,
                    final=final,
                )
            )
        failed = [d for d in deliveries if d.status == "failed"]
        if failed:
            raise DeliveryError("; ".join(f"{d.recipient} via {d.channel}: {d.error}" for d in failed))
        return NoticeOutcome(
            deliveries=deliveries,
            key=notice.key,
            kind=notice.kind,
            rule_id=context.rule_id,
            scheduled_for=notice.scheduled_for,
            rows=self._seen([f"{notice.key}/{recipient}" for recipient in recipients]),
        )

    def _seen(self, notice_keys: list[str]) -> list[OutboxRowSeen]:
        """The outbox rows of these notices, as they stand now (one read per notice)."""
        return [
            OutboxRowSeen(key=key, status=status, fingerprint=print_)
            for key, status, print_ in self.outbox.seen_of_notices(notice_keys)
        ]

    def _keep(
        self,
        *,
        key: str,
        recipient: str,
        reason: str,
        kind: str,
        message: Message,
        process_id: str | None,
        rule_id: str | None,
        scheduled_for: datetime,
    ) -> Delivery:
        """The outbox row is the record of a notice nobody is sent (status "kept", channel `reason`)."""
        created = self.outbox.ensure(
            [
                dict(
                    key=f"{key}/{reason}",
                    school=self.school,
                    notice_key=key,
                    process_id=process_id,
                    rule_id=rule_id,
                    kind=kind,
                    recipient=recipient,
                    channel=reason,
                    subject=message.subject[:300],
                    body=message.text,
                    html=None,
                    card=None,
                    status=OutboxStatus.KEPT,
                    attempts=0,
                    scheduled_for=scheduled_for,
                    created_at=_now(),
                    sent_at=_now(),
                )
            ]
        )
        return Delivery(recipient=recipient, channel=reason, status="kept" if created else "skipped")

    # --- public API (the weekly digest and the held-notice dispatcher use these) --------------------------------

    def deliver(
        self,
        *,
        key: str,
        recipient: str,
        kind: str,
        subject: str,
        text: str,
        html: str | None = None,
        card: dict[str, Any] | None = None,
        process_id: str | None = None,
        rule_id: str | None = None,
        scheduled_for: datetime | None = None,
        now: datetime | None = None,
        school: str | None = None,
    ) -> Delivery:
        """Deliver one notification to one staff member on each of their channels; idempotent by `key`.

        Returns the outcome over their channels: sent / accepted (Teams) / kept (no channel: outbox only) / held
        (quiet hours: `dispatch_held` sends it later) / failed (call again with the same key to retry what did not
        go; it falls back after `notifications.retry_attempts` tries) / fallback (it went to the SENCO's e-mail)
        / skipped (delivered before). Channel failures are returned, never raised. `now` (default: the wall clock)
        is when the notice is asked for, for quiet hours; `scheduled_for` defaults to it. `school`: whose staff
        member `recipient` is (TRUST: the trust's own); unset, the school of `process_id`, or this notifier's."""
        if school is None:
            school = school_of(process_id) if process_id else self.school
        if school != self.school or self.settings.schools:
            return self.for_school(school).deliver(
                key=key,
                recipient=recipient,
                kind=kind,
                subject=subject,
                text=text,
                html=html,
                card=card,
                process_id=process_id,
                rule_id=rule_id,
                scheduled_for=scheduled_for,
                now=now,
                school=school,
            )
        return self._deliver(
            key=key,
            recipient=recipient,
            kind=kind,
            subject=subject,
            text=text,
            html=html,
            card=card,
            process_id=process_id,
            rule_id=rule_id,
            scheduled_for=scheduled_for,
            now=now,
            final=None,
        )

    def dispatch_held(self, now: datetime) -> int:
        """Send the held rows whose `not_before` has passed (and failed rows due a retry); return how many were
        delivered. Each row by its school's notifier: nothing of a school is sent while `now` is outside that
        school's working hours (its calendar: a closure at one school holds its rows only). Safe to run twice or
        concurrently: each row is claimed by a conditional UPDATE before it is sent."""
        delivered = 0
        for school in self.outbox.schools_due(now):
            try:
                notifier = self.for_school(school)
            except UnknownSchool:
                log.warning("held notices of school %s are not sent: the settings have no such school", school)
                continue
            delivered += notifier._dispatch_held(now)
        return delivered

    def _dispatch_held(self, now: datetime) -> int:
        """dispatch_held for this notifier's school."""
        if self._window(now) != now:
            return 0
        note = self.settings.notifications
        delivered = 0
        for row_id in self.outbox.due(now, school=self.school):
            row = self.outbox.claim_due(row_id, now)
            if row is None:
                continue  # another dispatcher has it
            outcome = self._send(row, self._channels(row.recipient).get(row.channel))
            notice_rows: list[Outbox] = []  # read only when it may fall back: is the notice still going another way?
            if outcome.status not in DELIVERED and row.notice_key and row.attempts >= note.retry_attempts:
                notice_rows = self.outbox.notice_rows(row.notice_key)
            decision = after_dispatch(
                row,
                outcome.status,
                notice_rows=notice_rows,
                retry_attempts=note.retry_attempts,
                retry_initial_seconds=note.retry_initial_seconds,
                retry_max_seconds=note.retry_max_seconds,
            )
            if decision.action is Action.REPORT:
                delivered += 1
            elif decision.action is Action.RETRY_LATER:
                self.outbox.retry_at(row.id, self._window(now + timedelta(seconds=decision.delay or 0)))
            elif decision.action is Action.FALL_BACK and row.notice_key:
                self._fall_back(row.notice_key, row.recipient, list(decision.rows), row.process_id)
        return delivered

    # --- one notification to one person -------------------------------------------------------------------------

    def _deliver(
        self,
        *,
        key: str,
        recipient: str,
        kind: str,
        subject: str,
        text: str,
        html: str | None,
        card: dict[str, Any] | None,
        process_id: str | None,
        rule_id: str | None,
        scheduled_for: datetime | None,
        now: datetime | None,
        final: bool | None,
    ) -> Delivery:
        now = now or _now()
        targets = self._channels(recipient)
        fields = dict(
            school=self.school,
            notice_key=key,
            process_id=process_id,
            rule_id=rule_id,
            kind=kind,
            recipient=recipient,
            subject=subject[:300],
            body=text,
            html=html,
            card=card,
            scheduled_for=scheduled_for or now,
        )
        if not targets:
            created = self.outbox.ensure(
                [
                    dict(
                        fields,
                        key=f"{key}/outbox",
                        channel="outbox",
                        status=OutboxStatus.KEPT,
                        attempts=0,
                        created_at=_now(),
                        sent_at=_now(),
                        html=None,
                        card=None,
                    )
                ]
            )  # never sent
            return Delivery(recipient=recipient, channel="outbox", status="kept" if created else "skipped")

        status, not_before = opening(now, self._window(now))
        created = self.outbox.ensure(
            [
                dict(
                    key=f"{key}/{label}",
                    channel=label,
                    status=status,
                    not_before=not_before,
                    attempts=0,
                    created_at=_now(),
                    **fields,
                )
                for label in targets
            ]
        )
        rows = self.outbox.notice_rows(key)
        if status is OutboxStatus.HELD:
            for row in rows:
                if row.key in created:
                    self._log(row, targets.get(row.channel), OutboxStatus.HELD)
        decision = before_sending(rows, fresh=bool(created))
        if decision is None:
            for row in rows:
                self._send_if_free(row, targets.get(row.channel))
            decision = after_sending(
                self.outbox.notice_rows(key), final=final, retry_attempts=self.settings.notifications.retry_attempts
            )
        if decision.action is Action.FALL_BACK:
            return self._fall_back(key, recipient, list(decision.rows), process_id)
        return _delivery(recipient, decision)

    def _fall_back(self, key: str, recipient: str, failed: list[Outbox], process_id: str | None) -> Delivery:
        """Every channel of `recipient` failed for good: send the notice to the SENCO's e-mail instead, once."""
        failed = [r for r in self.outbox.notice_rows(key) if r.key in {f.key for f in failed}] or failed  # final errors
        senco = self.settings.reminders.escalate_to
        routes = self._channels(senco)
        label = fallback_channel(
            {name: is_email(url) for name, url in routes.items()}, failed=failed, recipient_is_senco=recipient == senco
        )
        if label is None:
            return _delivery(recipient, after_fallback(failed, senco=senco, channel=None))
        source = failed[0]
        member = self.settings.staff.get(recipient)
        note = self.renderer.fallback_note(
            recipient_name=member.name if member else recipient, channels=labels(failed), error=source.error or "failed"
        )
        self.outbox.ensure(
            [
                dict(
                    key=f"{key}/fallback",
                    school=self.school,
                    notice_key=key,
                    process_id=process_id,
                    rule_id=source.rule_id,
                    kind=source.kind,
                    recipient=senco,
                    channel=label,
                    subject=f"Not delivered to {recipient}: {source.subject}"[:300],
                    body=note + source.body,
                    html=None,
                    card=None,
                    status=OutboxStatus.QUEUED,
                    attempts=0,
                    scheduled_for=source.scheduled_for,
                    created_at=_now(),
                    fallback_for=source.key,
                )
            ]
        )
        row = self.outbox.by_key(f"{key}/fallback")  # this one, or one a concurrent attempt inserted
        if row is not None:
            self._send_if_free(row, routes[label])
        return _delivery(
            recipient, after_fallback(failed, senco=senco, channel=label, row=self.outbox.by_key(f"{key}/fallback"))
        )

    # --- sending one row ------------------------------------------------------------------------------------------

    def _send_if_free(self, row: Outbox, url: str | None) -> None:
        """Claim `row` and send it, if it is sendable now and nobody else has claimed it."""
        stale_before = _stale_before()
        if claimable(row, stale_before):
            claimed = self.outbox.claim_to_send(row, stale_before)
            if claimed is not None:
                self._send(claimed, url)

    def _send(self, row: Outbox, url: str | None) -> channels.Outcome:
        """Send a claimed row on `url` (its channel) and store what happened."""
        if url is None:
            outcome = channels.Outcome("failed", f"{row.recipient} has no channel {row.channel!r} any more")
        else:
            try:
                outcome = self.sender(url, subject=row.subject, text=row.body, html=row.html, card=row.card)
            except Exception as err:  # a plugin bug must not leave the row "sending"
                outcome = channels.Outcome("failed", f"{type(err).__name__}: {err}")
        self.outbox.record_outcome(row.id, outcome.status, outcome.error)
        self._log(row, url, outcome.status)
        return outcome

    @staticmethod
    def _log(row: Outbox, url: str | None, outcome: str) -> None:
        """The log line of one row sent, held or failed (see the module docstring: what it never says)."""
        channel = kind_of(url) if url else "none"
        log.info(
            "%s notice %s via %s",
            row.kind,
            outcome,
            channel,
            extra={
                "workflow_id": row.process_id,
                "school": row.school,
                "outbox_id": row.id,
                "rule_id": row.rule_id,
                "kind": row.kind,
                "channel": channel,
                "outcome": str(outcome),
                "attempt": row.attempts,
                "fallback": row.fallback_for is not None,
            },
        )

    # --- settings ------------------------------------------------------------------------------------------------

    def _channels(self, staff_id: str) -> dict[str, str]:
        """label -> apprise URL for one staff member (empty: outbox only)."""
        member = self.settings.staff.get(staff_id)
        if member is None:
            return {}
        return _label(
            with_sender(url, from_name=self._from_name(), reply_to=self._reply_to())
            for url in member.channel_urls(self.settings.notifications.email_url)
        )

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
        return next_window(
            instant, self.calendar, note.working_hours.start, note.working_hours.end, self.settings.timezone
        )


def _delivery(recipient: str, decision: Decision) -> Delivery:
    if decision.status is None:
        raise ValueError(f"{decision.action} is not a delivery")
    return Delivery(recipient=recipient, channel=decision.channel, status=decision.status, error=decision.error)


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


def _stale_before() -> datetime:
    """A row claimed ("sending") before this instant was left by a sender that died: SENDING_STALE ago, or, in a
    retried notify activity, when this attempt was scheduled (the attempt before it is over). A local activity is
    run again from its first attempt when the workflow task that ran it failed (the worker died): any execution
    scheduled before this one is over too."""
    scheduled = None
    if activity.in_activity():
        info = activity.info()
        if info.attempt > 1 or info.is_local:
            scheduled = info.current_attempt_scheduled_time
    return stale_cutoff(_now(), scheduled)


def _final_attempt(default_attempts: int) -> bool:
    """Whether this is the notify activity's last attempt (outside an activity: yes, there is no retry)."""
    if not activity.in_activity():
        return True
    info = activity.info()
    policy = info.retry_policy
    return final_attempt(info.attempt, policy.maximum_attempts if policy else None, default_attempts)


def _now() -> datetime:
    return datetime.now(UTC)
