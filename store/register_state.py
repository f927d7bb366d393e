"""What the SEN register import compares a file with: the processes each case has open, of the kinds it starts and
ends (commands/register.py; docs/register.md, "What the import does").

A process stopped outside sendclock (store/reconcile.py) counts as open here: it is waiting to be resumed, and an
import must neither start a second one beside it nor pretend the case has none. Reads only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Process

__all__ = ["OPEN_STATUSES", "CaseProcesses", "open_by_case"]

OPEN_STATUSES = ("open", "stopped")


@dataclass(frozen=True)
class CaseProcesses:
    """The open processes of one case: by kind, their workflow ids (oldest first)."""

    by_kind: Mapping[str, tuple[str, ...]]

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.by_kind)


def open_by_case(session: Session, kinds: Collection[str]) -> dict[str, CaseProcesses]:
    """Every case with an open process of one of `kinds` (registry kinds, e.g. sen-support), by case reference."""
    rows = session.execute(
        select(Process.case_ref, Process.kind, Process.workflow_id)
        .where(Process.kind.in_(list(kinds)), Process.status.in_(OPEN_STATUSES))
        .order_by(Process.case_ref, Process.opened_at, Process.workflow_id)
    )
    found: dict[str, dict[str, list[str]]] = {}
    for case_ref, kind, workflow_id in rows:
        found.setdefault(case_ref, {}).setdefault(kind, []).append(workflow_id)
    return {
        case_ref: CaseProcesses({kind: tuple(ids) for kind, ids in by_kind.items()})
        for case_ref, by_kind in found.items()
    }
