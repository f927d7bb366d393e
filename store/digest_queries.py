"""The read side of the weekly digest: what was finished lately, beside the open steps of `store.queries.open_steps`;
of one school (each school's leaders get their school's digest), or of every school.

Nothing here writes, and nothing carries personal data: counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from store.models import Process, Step

COMPLETED = "completed"


@dataclass(frozen=True)
class CompletedCount:
    """Steps recorded as done in a period, and how many of those after their statutory date."""

    done: int
    late: int


def completed_between(session: Session, start: date, end: date, *, school: str | None = None) -> CompletedCount:
    """Steps completed on a day from `start` to `end` inclusive (by their `completed_on` date); of one `school`'s
    processes (Process.school), when given, else of every school of the deployment."""
    late = func.coalesce(func.sum(case((Step.on_time.is_(False), 1), else_=0)), 0)
    query = select(func.count(Step.id), late).where(
        Step.status == COMPLETED, Step.completed_on >= start, Step.completed_on <= end
    )
    if school is not None:
        query = query.join(Process, Step.process_id == Process.workflow_id).where(Process.school == school)
    done, late_count = session.execute(query).one()
    return CompletedCount(done=done, late=int(late_count))
