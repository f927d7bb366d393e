"""The weekly digest: which day of the week it goes, and what it says.

Leaders asked for "one message listing everything open and overdue, not one message per step" (issue 4). The
content comes from the store's projection of the workflows and says only what the dashboard says: case reference,
LA, rule, owner (a member of staff), dates. Never a pupil's name, date of birth or needs; the store holds none, and
nothing here reads a process's free-form facts.

A trust's deployment (issue 25): each school's leaders get their school's digest, of its steps only, on its digest
day by its calendar; the trust's own staff (`trust.staff`) one digest of every school, each school's steps under its
name (`TrustDigest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from config.settings import Settings
from statutory import SchoolCalendar, UnknownRuleError, get_rule
from store.digest_queries import CompletedCount, completed_between
from store.queries import OpenStep, open_steps
from workflows.models.common import DEFAULT_SCHOOL
from workflows.registry import for_school

RECENT_DAYS = 7  # "done in the last week"


def iso_week(day: date) -> str:
    """'2027-W02': the week a digest belongs to (its idempotency key has it, so a week gets one digest each)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_day(calendar: SchoolCalendar, day: date, weekday: int) -> date | None:
    """The day of `day`'s week (Monday to Sunday) on which the digest goes: the first working day on or after
    `weekday` (0 = Monday). A bank holiday or closure moves it to the next working day of the same week; a week
    with no working day from then on (a holiday week) has no digest: None."""
    monday = day - timedelta(days=day.weekday())
    candidate, sunday = monday + timedelta(days=weekday), monday + timedelta(days=6)
    while candidate <= sunday:
        if calendar.is_working_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    return None


def digest_recipients(settings: Settings) -> list[str]:
    """Staff ids whose role receives the digest (notifications.digest.roles), in id order: of the school `settings`
    are the view of."""
    roles = set(settings.notifications.digest.roles)
    return sorted(staff_id for staff_id, member in settings.staff.items() if member.role in roles)


def trust_digest_recipients(settings: Settings) -> list[str]:
    """The trust's own staff (`trust.staff`: its SEND lead), who get the trust digest, in id order; none for a
    single-school install."""
    return sorted(settings.trust.staff) if settings.schools else []


def digest_key(school: str, recipient: str, week: str) -> str:
    """The digest's idempotency key: digest/<recipient>/<ISO week>, the recipient qualified by a school other than
    the default (`oak~senco`: two schools' staff ids may be the same), so a single-school install's keys are as they
    always were."""
    return f"digest/{for_school(school, recipient)}/{week}"


def trust_digest_key(recipient: str, week: str) -> str:
    """The trust digest's key: digest/trust/<recipient>/<ISO week> (one more part than any school's)."""
    return f"digest/trust/{recipient}/{week}"


@dataclass(frozen=True)
class DigestItem:
    """One open step as the digest lists it."""

    case_ref: str
    la: str
    rule_id: str
    rule_title: str
    owner: str  # the owner's name from the staff directory (its id if unknown)
    due: date
    target: date
    days: int  # days late when overdue, else days left until the due date
    exempt: bool


@dataclass(frozen=True)
class Digest:
    school_name: str
    today: date
    week: str
    due_within_days: int
    open_count: int
    overdue: list[DigestItem]  # most overdue first
    due_soon: list[DigestItem]  # due within `due_within_days`, by target date
    completed: CompletedCount  # done in the RECENT_DAYS days before today
    dashboard_url: str
    school: str = DEFAULT_SCHOOL  # the school's id (settings `schools.<id>`)

    @property
    def later(self) -> int:
        """Open steps neither overdue nor due soon."""
        return self.open_count - len(self.overdue) - len(self.due_soon)


@dataclass(frozen=True)
class TrustDigest:
    """The trust digest: every school's digest, in the settings' order, each under its school's name."""

    trust_name: str
    today: date
    week: str
    schools: list[Digest]
    dashboard_url: str

    @property
    def open_count(self) -> int:
        return sum(d.open_count for d in self.schools)

    @property
    def overdue_count(self) -> int:
        return sum(len(d.overdue) for d in self.schools)

    @property
    def due_soon_count(self) -> int:
        return sum(len(d.due_soon) for d in self.schools)


def build_digest(session: Session, settings: Settings, today: date) -> Digest:
    """Everything open on `today` at the school `settings` are the view of (Settings.for_school; a single-school
    install's own), overdue first (most overdue first), then due within the window (by target)."""
    window = settings.notifications.digest.due_within_days
    school = settings.school_id
    # already ordered: overdue by due date, then the rest by target date
    steps = open_steps(session, today, school=school)

    def item(step: OpenStep) -> DigestItem:
        member = settings.staff.get(step.owner)
        return DigestItem(
            case_ref=step.case_ref,
            la=step.la,
            rule_id=step.rule_id,
            rule_title=_title(step.rule_id),
            owner=member.name if member else step.owner,
            due=step.due,
            target=step.target,
            days=-step.days_left if step.overdue else step.days_left,
            exempt=step.exempt,
        )

    return Digest(
        school_name=settings.school_name,
        today=today,
        week=iso_week(today),
        due_within_days=window,
        open_count=len(steps),
        overdue=[item(s) for s in steps if s.overdue],
        due_soon=[item(s) for s in steps if not s.overdue and s.days_left <= window],
        completed=completed_between(
            session, today - timedelta(days=RECENT_DAYS), today - timedelta(days=1), school=school
        ),
        dashboard_url=settings.dashboard_url,
        school=school,
    )


def build_trust_digest(session: Session, settings: Settings, today: date) -> TrustDigest:
    """The trust digest on `today`: each school's digest (by its own settings: its window, its staff's names)."""
    return TrustDigest(
        trust_name=settings.trust.name or "the trust",
        today=today,
        week=iso_week(today),
        schools=[build_digest(session, view, today) for view in settings.school_views()],
        dashboard_url=settings.dashboard_url,
    )


def _title(rule_id: str) -> str:
    try:
        return get_rule(rule_id).title
    except UnknownRuleError:  # a step of a rule since removed from the rule book: its id still says what it is
        return rule_id
