"""The weekly digest: which day of the week it goes, and what it says.

Leaders asked for "one message listing everything open and overdue, not one message per step" (issue 4). The
content comes from the store's projection of the workflows and says only what the dashboard says: case reference,
LA, rule, owner (a member of staff), dates. Never a pupil's name, date of birth or needs; the store holds none, and
nothing here reads a process's free-form facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from config.settings import Settings
from statutory import SchoolCalendar, UnknownRuleError, get_rule
from store.digest_queries import CompletedCount, completed_between
from store.queries import OpenStep, open_steps

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
    """Staff ids whose role receives the digest (notifications.digest.roles), in id order."""
    roles = set(settings.notifications.digest.roles)
    return sorted(staff_id for staff_id, member in settings.staff.items() if member.role in roles)


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

    @property
    def later(self) -> int:
        """Open steps neither overdue nor due soon."""
        return self.open_count - len(self.overdue) - len(self.due_soon)


def build_digest(session: Session, settings: Settings, today: date) -> Digest:
    """Everything open on `today`, overdue first (most overdue first), then due within the window (by target)."""
    window = settings.notifications.digest.due_within_days
    steps = open_steps(session, today)  # already ordered: overdue by due date, then the rest by target date

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
        completed=completed_between(session, today - timedelta(days=RECENT_DAYS), today - timedelta(days=1)),
        dashboard_url=settings.dashboard_url,
    )


def _title(rule_id: str) -> str:
    try:
        return get_rule(rule_id).title
    except UnknownRuleError:  # a step of a rule since removed from the rule book: its id still says what it is
        return rule_id
