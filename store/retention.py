"""Retention: the rows of processes closed longer ago than the school's period, found and removed.

Knows neither Temporal nor the web (starter/cli/retention.py deletes the Temporal histories and the archived files).

The event table is the audit record: append-only (triggers refuse UPDATE and DELETE, migration 0005) and
hash-chained (store.recorder). A purge removes events honestly, through this one explicit path:

1. In one transaction, a `purge` event is appended to the chain first. It lists the purged processes (workflow ID,
   case reference, kind, close time), the chain head it was appended to (`head`), and for every event row removed
   its id, workflow ID, `prev_hash` and `hash` (the links, no content). A record of what was destroyed, as records
   management expects; the purge record itself is chained, so it cannot be edited unnoticed.
2. The append-only triggers are lifted *inside that transaction* (SQLite: dropped and re-created from their own
   stored SQL; PostgreSQL: disabled and re-enabled), the purged processes' events, outbox rows, steps and process
   rows are deleted, and the triggers are back before the commit: no other connection ever sees them missing, and
   a failure rolls everything back, triggers included. (The database user must own the event table, as the one
   that ran the migrations does.)

`sendclock audit verify` (audit.verify.check_chain) walks the chain with the purge records' links standing in for
the removed rows: a gap is accepted only where a purge record lists exactly the removed rows, linking the row
before the gap to the row after it. Any other missing row still breaks the chain.

Purge records hang off a register row in `process` (workflow_id REGISTER_ID, kind "retention", status
"register"): the event table needs a process row, and this one has no workflow, no steps, and is never purged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from store.models import Event, Outbox, Process, Step
from store.recorder import chain_head, record_event

REGISTER_ID = "sendclock-retention"
REGISTER_CASE_REF = "(retention)"  # not a case reference (those start with a letter or digit): never a real case
PURGE_KIND = "purge"


def closed_before(as_of: date, keep_years: int) -> datetime:
    """The instant before which a close is past the period: `as_of` less `keep_years` (29 Feb -> 28 Feb), at
    midnight UTC."""
    if keep_years < 1:
        raise ValueError("keep_closed_years: at least 1 year")
    try:
        day = as_of.replace(year=as_of.year - keep_years)
    except ValueError:  # 29 February in a year that has none
        day = as_of.replace(year=as_of.year - keep_years, day=28)
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    workflow_id: str
    case_ref: str
    kind: str
    status: str
    closed_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "case_ref": self.case_ref,
            "kind": self.kind,
            "closed_at": _utc(self.closed_at).isoformat(),
        }


@dataclass
class Plan:
    """What a purge as of `as_of` removes (a dry run prints it; an apply removes exactly it)."""

    as_of: date
    keep_years: int
    cutoff: datetime
    candidates: list[Candidate] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def workflow_ids(self) -> list[str]:
        return [c.workflow_id for c in self.candidates]


@dataclass(frozen=True)
class Purged:
    plan: Plan
    event_id: int  # the purge record's row
    head: str  # the chain head the purge record was appended to


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def plan_purge(session: Session, as_of: date, keep_years: int) -> Plan:
    """Every closed process whose close is before the cutoff, oldest close first, with the rows that go with it."""
    cutoff = closed_before(as_of, keep_years)
    rows = session.scalars(
        select(Process)
        .where(Process.closed_at.is_not(None), Process.closed_at < cutoff, Process.workflow_id != REGISTER_ID)
        .order_by(Process.closed_at, Process.workflow_id)
    )
    candidates = [
        Candidate(p.workflow_id, p.case_ref, p.kind, p.status, _utc(cast(datetime, p.closed_at)))  # not None
        for p in rows
    ]
    ids = [c.workflow_id for c in candidates]
    counts = {"processes": len(ids), "steps": 0, "events": 0, "outbox": 0}
    if ids:
        for name, model in (("steps", Step), ("events", Event), ("outbox", Outbox)):
            counts[name] = session.scalar(select(func.count()).select_from(model).where(model.process_id.in_(ids))) or 0
    return Plan(as_of=as_of, keep_years=keep_years, cutoff=cutoff, candidates=candidates, counts=counts)


def apply_purge(
    session: Session, as_of: date, keep_years: int, *, actor: str = "retention", now: datetime | None = None
) -> Purged | None:
    """Remove what plan_purge finds (planned again inside this transaction), recording the purge first. None when
    there is nothing to purge (a second apply changes nothing). Call inside one transaction (`sessions.begin()`):
    on any error the caller's rollback restores every row and the append-only triggers."""
    plan = plan_purge(session, as_of, keep_years)
    if not plan.candidates:
        return None
    now = now or datetime.now(UTC)
    ids = plan.workflow_ids
    _ensure_register(session, now, as_of)
    head = chain_head(session)  # takes the chain's write lock first
    removed = session.execute(
        select(Event.id, Event.process_id, Event.prev_hash, Event.hash)
        .where(Event.process_id.in_(ids))
        .order_by(Event.id)
    ).all()
    data = {
        "as_of": as_of.isoformat(),
        "keep_closed_years": keep_years,
        "closed_before": plan.cutoff.isoformat(),
        "head": head,
        "counts": plan.counts,
        "processes": [c.as_json() for c in plan.candidates],
        "events": [[r.id, r.process_id, r.prev_hash, r.hash] for r in removed],
    }
    key = f"{REGISTER_ID}/purge/{now.strftime('%Y%m%dT%H%M%S%fZ')}/{uuid.uuid4().hex[:8]}"
    record_event(
        session, key=key, process_id=REGISTER_ID, kind=PURGE_KIND, occurred_at=now, actor=actor[:32], data=data
    )
    event_id = session.scalars(select(Event.id).where(Event.key == key)).one()  # recorded just above
    session.execute(delete(Outbox).where(Outbox.process_id.in_(ids)))
    session.execute(delete(Step).where(Step.process_id.in_(ids)))
    with append_only_lifted(session):
        session.execute(delete(Event).where(Event.process_id.in_(ids)))
    session.execute(delete(Process).where(Process.workflow_id.in_(ids)))
    session.flush()
    return Purged(plan=plan, event_id=event_id, head=head)


def delete_old_digests(session: Session, cutoff: datetime) -> int:
    """Outbox rows of no process (weekly digests, which list open steps by case reference) created before the
    cutoff. Counted separately; they are copies of notices, not the record."""
    result = cast(
        CursorResult[Any],
        session.execute(delete(Outbox).where(Outbox.process_id.is_(None), Outbox.created_at < cutoff)),
    )
    return result.rowcount or 0


def _ensure_register(session: Session, now: datetime, as_of: date) -> None:
    if session.get(Process, REGISTER_ID) is None:
        session.add(
            Process(
                workflow_id=REGISTER_ID,
                kind="retention",
                case_ref=REGISTER_CASE_REF,
                la="-",
                owner="-",
                status="register",
                received_on=as_of,
                channel="-",
                opened_at=now,
                closed_at=None,
                outcome=None,
                facts={"about": "the record of retention purges (no workflow)"},
            )
        )
        session.flush()


@contextmanager
def append_only_lifted(session: Session) -> Iterator[None]:
    """The event table's append-only triggers out of the way for the statements in the block, inside the caller's
    transaction (DDL is transactional on SQLite and PostgreSQL). Only apply_purge uses this."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        triggers = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'"
        ).all()
        for name, _ in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _, sql in triggers:
            connection.exec_driver_sql(sql)
    elif dialect == "postgresql":
        names = (
            connection.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'event'::regclass AND NOT tgisinternal"
            )
            .scalars()
            .all()
        )
        for name in names:
            connection.exec_driver_sql(f'ALTER TABLE event DISABLE TRIGGER "{name}"')
        yield
        for name in names:
            connection.exec_driver_sql(f'ALTER TABLE event ENABLE TRIGGER "{name}"')
    else:  # pragma: no cover - sendclock supports SQLite and PostgreSQL
        raise RuntimeError(f"retention purge: no append-only trigger handling for {dialect}")


# --- what verify needs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeRecord:
    event_id: int
    occurred_at: datetime
    workflow_ids: frozenset[str]
    links: tuple[tuple[int, str, str | None, str | None], ...]  # (id, workflow_id, prev_hash, hash), by id
    counts: dict[str, int]


def purge_records(session: Session) -> list[PurgeRecord]:
    """Every purge record in the chain, oldest first."""
    found = []
    for row in session.scalars(
        select(Event).where(Event.process_id == REGISTER_ID, Event.kind == PURGE_KIND).order_by(Event.id)
    ):
        data = row.data or {}
        found.append(
            PurgeRecord(
                event_id=row.id,
                occurred_at=_utc(row.occurred_at),
                workflow_ids=frozenset(p.get("workflow_id") for p in data.get("processes", [])),
                links=tuple(sorted((int(e[0]), str(e[1]), e[2], e[3]) for e in data.get("events", []))),
                counts=dict(data.get("counts", {})),
            )
        )
    return found


def purged_workflow_ids(session: Session) -> set[str]:
    return {wid for record in purge_records(session) for wid in record.workflow_ids}
