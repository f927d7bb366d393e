"""Activities of the scheduled housekeeping workflows (workflows/housekeeping.py): thin adapters on one class that
owns its dependencies, like SendclockActivities. The worker registers the bound methods; tests build their own."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.digest import build_digest, digest_day, digest_recipients, iso_week
from activities.digest_render import DigestRenderer
from activities.notifier import Notifier
from config.school_calendar import school_calendar
from config.settings import Settings
from statutory.clock import fmt, local_date
from workflows import activity_names
from workflows.models import DigestInput, DigestResult, DispatchHeldInput, DispatchHeldResult


class HousekeepingActivities:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        notifier: Notifier | None = None,
        renderer: DigestRenderer | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.notifier = notifier or Notifier(settings, sessions)
        self.renderer = renderer or DigestRenderer()

    @activity.defn(name=activity_names.SEND_DIGESTS)
    def send_digests(self, request: DigestInput) -> DigestResult:
        """The week's digest to every leader, on or after the week's digest day.

        Runs on every weekday from the digest weekday on: the first run on or after the digest day delivers, later
        runs in the week find each key delivered (or held for quiet hours) and send nothing again, or deliver what an
        earlier run could not. The key is digest/<recipient>/<ISO week>. A channel failure raises once every
        recipient has been tried, so Temporal retries the activity with backoff."""
        today = local_date(request.now, self.settings.timezone)
        week = iso_week(today)
        day = digest_day(school_calendar(self.settings), today, self.settings.notifications.digest.weekday_index)
        if day is None:
            return DigestResult(on=today, week=week, due=False, reason="no working day this week from the digest day")
        if today < day:
            return DigestResult(on=today, week=week, due=False, reason=f"this week's digest goes on {fmt(day)}")
        with self.sessions() as session:
            digest = build_digest(session, self.settings, today)
        deliveries = []
        for recipient in digest_recipients(self.settings):
            message = self.renderer.render(digest, self.settings.staff[recipient].name)
            deliveries.append(
                self.notifier.deliver(
                    key=f"digest/{recipient}/{week}",
                    recipient=recipient,
                    kind="digest",
                    subject=message.subject,
                    text=message.text,
                    html=message.html,
                    scheduled_for=request.now,
                    now=request.now,
                )
            )
        failed = [d for d in deliveries if d.status == "failed"]
        if failed:
            # Temporal retries the activity with backoff; delivered keys are skipped, the failed ones tried again,
            # and after notifications.retry_attempts tries the notifier falls back to the SENCO's e-mail.
            raise ApplicationError(
                f"weekly digest {week} not delivered: " + "; ".join(f"{d.recipient}: {d.error}" for d in failed),
                type="DigestNotDelivered",
            )
        return DigestResult(
            on=today,
            week=week,
            due=True,
            open=digest.open_count,
            overdue=len(digest.overdue),
            due_soon=len(digest.due_soon),
            deliveries=deliveries,
        )

    @activity.defn(name=activity_names.DISPATCH_HELD)
    def dispatch_held(self, request: DispatchHeldInput) -> DispatchHeldResult:
        """Send the notifications held for quiet hours whose time has come."""
        return DispatchHeldResult(dispatched=self.notifier.dispatch_held(request.now))

    def all(self) -> list:
        return [self.send_digests, self.dispatch_held]
