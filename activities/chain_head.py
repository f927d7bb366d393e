"""The daily chain-head activity (workflows/chain_head.py): record today's head of the audit record's hash chain and
send it to the SENCO and the auditors. A thin adapter on a class that owns its dependencies, like the others.

One chain for the deployment (issue 25): at a trust's, the audit record holds every school's processes, and its
fingerprint goes to each school's SENCO and auditors, by that school's settings, on the days that school is open. The
recipients the day's head records are staff ids qualified by a school other than the default ("oak~senco": two
schools' staff ids may be the same), so a single-school install records them as it always did.

Idempotent: the day's head is recorded once (store/chain_heads.publish returns the recorded one to a retry or a
second run), and each notice is keyed chain-head/<recipient>/<date>, so a recipient gets one a day however often the
job runs. On a day that is not a working day (weekend, bank holiday, closure) nothing is recorded or sent: a notice
would be held for quiet hours and arrive beside the next working day's own, which covers the record up to then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.messages import SUBJECT_MAX
from activities.notifier import Notifier
from activities.schools import SchoolViews, UnknownSchool
from config.school_calendar import school_calendar
from config.settings import Settings
from statutory.clock import fmt, local_date
from store.chain_heads import Head, fingerprint, head_of, publish
from store.recorder import GENESIS
from store.writer import write
from workflows import activity_names
from workflows.models import ChainHeadInput, ChainHeadResult
from workflows.registry import SCHOOL_SEPARATOR, for_school, school_of


class ChainHeadActivities:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], notifier: Notifier | None = None) -> None:
        self.settings = settings  # the deployment's: each school's recipients by that school's view
        self.schools = SchoolViews(settings)
        self.sessions = sessions
        self.notifier = notifier or Notifier(settings, sessions)
        self.engine = sessions.kw["bind"]

    @activity.defn(name=activity_names.PUBLISH_CHAIN_HEAD)
    def publish_chain_head(self, request: ChainHeadInput) -> ChainHeadResult:
        """Record the day's head (or find it recorded) and send it to each recipient, once a day each. A channel
        failure raises once every recipient has been tried, so Temporal retries with backoff; delivered keys are
        skipped then, and after notifications.retry_attempts tries the notifier falls back to the SENCO's e-mail."""
        today = local_date(request.now, self.settings.timezone)
        open_today = [view for view in self.schools.all() if school_calendar(view).is_working_day(today)]
        if not open_today:
            return ChainHeadResult(
                on=today,
                published=False,
                reason=f"{fmt(today)} is not a working day: the next working day's fingerprint "
                "covers the record up to then",
            )
        recipients = [
            for_school(view.school_id, staff_id) for view in open_today for staff_id in chain_head_recipients(view)
        ]
        published, new = write(
            self.engine, lambda connection: publish(connection, on=today, at=request.now, recipients=recipients)
        )
        head = head_of(published)
        deliveries = []
        for qualified in published.recipients:
            school, staff_id = school_of(qualified), qualified.rpartition(SCHOOL_SEPARATOR)[2]
            try:
                view = self.schools(school)
            except UnknownSchool:
                continue  # a school no longer in the settings since the day's head was recorded
            if staff_id not in view.staff:
                continue  # left the staff directory since the day's head was recorded
            message = chain_head_message(view, head, today, view.staff[staff_id].name, record_of=self.record_of())
            deliveries.append(
                self.notifier.deliver(
                    key=f"chain-head/{qualified}/{today.isoformat()}",
                    recipient=staff_id,
                    school=school,
                    kind="chain-head",
                    subject=message.subject,
                    text=message.text,
                    scheduled_for=request.now,
                    now=request.now,
                )
            )
        failed = [d for d in deliveries if d.status == "failed"]
        if failed:
            raise ApplicationError(
                f"audit record fingerprint for {today} not delivered: "
                + "; ".join(f"{d.recipient}: {d.error}" for d in failed),
                type="ChainHeadNotDelivered",
            )
        return ChainHeadResult(
            on=today,
            published=True,
            new=new,
            event_id=head.event_id,
            rows=head.rows,
            hash=head.hash,
            deliveries=deliveries,
        )

    def record_of(self) -> str | None:
        """Whose audit record it is, in the message: the trust's at a trust's deployment (it holds every school's),
        else None (the school's own)."""
        return (self.settings.trust.name or "the trust") if self.settings.schools else None

    def all(self) -> list:
        return [self.publish_chain_head]


def chain_head_recipients(settings: Settings) -> list[str]:
    """Staff ids whose role receives the fingerprint (notifications.chain_head.roles: the SENCO and auditors by
    default), in id order; with none, whoever escalations go to (reminders.escalate_to), if in the directory: of the
    school `settings` are the view of."""
    roles = set(settings.notifications.chain_head.roles)
    found = sorted(staff_id for staff_id, member in settings.staff.items() if member.role in roles)
    if not found and settings.reminders.escalate_to in settings.staff:
        found = [settings.reminders.escalate_to]
    return found


@dataclass(frozen=True)
class ChainHeadMessage:
    subject: str
    text: str


def chain_head_message(
    settings: Settings, head: Head, on: date, name: str, *, record_of: str | None = None
) -> ChainHeadMessage:
    """The notice in plain English: what the fingerprint is, the fingerprint, the count, and what to do with it.
    `record_of`: whose audit record it is (a trust's, which holds all its schools'); unset, the school's."""
    subject = f"Audit record fingerprint for {fmt(on)}"
    prefix = (settings.notifications.subject_prefix or "").strip()
    if prefix:
        subject = f"{prefix} {subject}"
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1].rstrip() + "…"
    if head.event_id is None or head.hash == GENESIS:
        covers = "The record has no entries yet; this is its starting fingerprint."
    else:
        covers = (
            f"It covers the record's {head.rows:,} entr{'y' if head.rows == 1 else 'ies'}, up to and including "
            f"entry no. {head.event_id:,}."
        )
    whose = record_of or settings.school_name
    about = (
        f"the statutory SEND processes of {record_of}'s schools"
        if record_of
        else "the school's statutory SEND processes"
    )
    text = "\n".join(
        [
            f"Dear {name},",
            "",
            f"This is the fingerprint of {whose}'s audit record in sendclock on {fmt(on)}.",
            "",
            f"The audit record is the list of everything sendclock has recorded about {about}. It is tamper-evident: "
            "each entry is sealed together with the entry before it, so the seal of "
            "the last entry is a fingerprint of the whole record up to that point. Changing, removing or adding any "
            "earlier entry changes it, even if whoever did so had every later seal worked out again.",
            "",
            f"Fingerprint: {fingerprint(head.hash)}",
            f"In full: {head.hash}",
            covers,
            "",
            "What to do with it: keep this e-mail; nothing else is needed. If an auditor ever finds that the school's "
            "record gives a different fingerprint for this date, the record was changed after this e-mail was sent. "
            "(`sendclock audit verify` compares the record with every fingerprint sent; `sendclock audit heads` lists "
            "them.)",
            "",
            f"{settings.dashboard_url.rstrip('/')}/audit",
        ]
    )
    return ChainHeadMessage(subject=subject, text=text)
