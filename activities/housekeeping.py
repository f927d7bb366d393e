"""Activities of the scheduled housekeeping workflows (workflows/housekeeping.py): thin adapters on one class that
owns its dependencies, like SendclockActivities. The worker registers the bound methods; tests build their own.

At a trust's deployment (issue 25) the digest goes school by school: each school's leaders get their school's steps,
on the school's digest day by its calendar, in its templates; and the trust's own staff (`trust.staff`) get one
digest of every school, grouped by school, on the trust's digest day. Held notices go out by each row's school's
calendar and working hours (activities/notifier.py, dispatch_held)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.digest import (
    Digest,
    build_digest,
    build_trust_digest,
    digest_day,
    digest_key,
    digest_recipients,
    iso_week,
    trust_digest_key,
    trust_digest_recipients,
)
from activities.digest_render import DigestRenderer
from activities.messages import TEMPLATES
from activities.notifier import Notifier
from activities.schools import SchoolViews
from config.school_calendar import school_calendar
from config.settings import Settings
from statutory.clock import fmt, local_date
from store.outbox import TRUST
from workflows import activity_names
from workflows.models import Delivery, DigestInput, DigestResult, DispatchHeldInput, DispatchHeldResult


@dataclass(frozen=True)
class _Due:
    """Whether a digest goes today: None, or why not."""

    why_not: str | None


class HousekeepingActivities:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        notifier: Notifier | None = None,
        renderer: DigestRenderer | None = None,
    ) -> None:
        """`settings`: the deployment's. `renderer`: given (a test's), every digest renders through it; else each
        school's own templates (settings `templates`), one renderer per folder."""
        self.settings = settings
        self.schools = SchoolViews(settings)
        self.sessions = sessions
        self.notifier = notifier or Notifier(settings, sessions)
        self.renderer = renderer
        self._renderers: dict[Path, DigestRenderer] = {}

    def renderer_for(self, settings: Settings) -> DigestRenderer:
        """The digest renderer of a school's (or the trust's) templates, made once per folder."""
        if self.renderer is not None:
            return self.renderer
        folder = settings.templates or TEMPLATES
        if folder not in self._renderers:
            self._renderers[folder] = DigestRenderer(folder)
        return self._renderers[folder]

    @activity.defn(name=activity_names.SEND_DIGESTS)
    def send_digests(self, request: DigestInput) -> DigestResult:
        """The week's digest to every leader of each school, on or after the school's digest day; at a trust's
        deployment, the trust digest to the trust's own staff too.

        Runs on every weekday from the digest weekday on: the first run on or after a school's digest day delivers,
        later runs in the week find each key delivered (or held for quiet hours) and send nothing again, or deliver
        what an earlier run could not. The key is digest/<recipient>/<ISO week> (the recipient qualified by a school
        other than the default: activities/digest.py digest_key). A channel failure raises once every recipient has
        been tried, so Temporal retries the activity with backoff."""
        today = local_date(request.now, self.settings.timezone)
        week = iso_week(today)
        views = self.schools.all()
        due = {view.school_id: self._due(view, today) for view in views}
        trust = trust_digest_recipients(self.settings)
        trust_due = self._due(self.settings, today) if trust else None
        going = [view for view in views if due[view.school_id].why_not is None]
        if not going and (trust_due is None or trust_due.why_not is not None):
            reasons = [str(due[view.school_id].why_not) for view in views]
            if len(views) > 1:  # each school's reason, named
                reasons = [f"{view.school_id}: {why}" for view, why in zip(views, reasons, strict=True)]
            return DigestResult(on=today, week=week, due=False, reason="; ".join(reasons))
        with self.sessions() as session:
            digests = [build_digest(session, view, today) for view in going]
            whole = build_trust_digest(session, self.settings, today) if trust else None
        deliveries: list[Delivery] = []
        for view, digest in zip(going, digests, strict=True):
            deliveries += self._send_school(view, digest, request)
        if whole is not None and trust_due is not None and trust_due.why_not is None:
            renderer = self.renderer_for(self.settings)
            for recipient in trust:
                message = renderer.render_trust(whole, self.settings.trust.staff[recipient].name)
                deliveries.append(
                    self.notifier.deliver(
                        key=trust_digest_key(recipient, week),
                        recipient=recipient,
                        school=TRUST,
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
            open=sum(d.open_count for d in digests),
            overdue=sum(len(d.overdue) for d in digests),
            due_soon=sum(len(d.due_soon) for d in digests),
            deliveries=deliveries,
        )

    def _due(self, settings: Settings, today: date) -> _Due:
        """Whether the digest of `settings` (a school's, or the trust's) goes today, by its calendar and weekday."""
        day = digest_day(school_calendar(settings), today, settings.notifications.digest.weekday_index)
        if day is None:
            return _Due("no working day this week from the digest day")
        if today < day:
            return _Due(f"this week's digest goes on {fmt(day)}")
        return _Due(None)

    def _send_school(self, view: Settings, digest: Digest, request: DigestInput) -> list[Delivery]:
        """One school's digest to each of its leaders."""
        renderer = self.renderer_for(view)
        deliveries = []
        for recipient in digest_recipients(view):
            message = renderer.render(digest, view.staff[recipient].name)
            deliveries.append(
                self.notifier.deliver(
                    key=digest_key(view.school_id, recipient, digest.week),
                    recipient=recipient,
                    school=view.school_id,
                    kind="digest",
                    subject=message.subject,
                    text=message.text,
                    html=message.html,
                    scheduled_for=request.now,
                    now=request.now,
                )
            )
        return deliveries

    @activity.defn(name=activity_names.DISPATCH_HELD)
    def dispatch_held(self, request: DispatchHeldInput) -> DispatchHeldResult:
        """Send the notifications held for quiet hours whose time has come."""
        return DispatchHeldResult(dispatched=self.notifier.dispatch_held(request.now))

    def all(self) -> list:
        return [self.send_digests, self.dispatch_held]
