"""The write side: apply one event and the projection it changes, exactly once per idempotency key.

The event table is the audit record: append-only (a trigger refuses UPDATE and DELETE, see migration 0005) and
hash-chained: each row carries `prev_hash`, the hash of the row before it, and `hash`, sha256 over that and a
canonical JSON of the row's content (`event_hash`). Rows are chained in id order; writers never fork the chain:
the transaction takes the database's write lock (SQLite) or an advisory lock (PostgreSQL) before it reads the head.
`sendclock audit verify` recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from store.models import Event, Process, Step
from store.prepared import Prepared

# Declarative models map Tables (typed as any FromClause).
EVENT, PROCESS, STEP = cast(Table, Event.__table__), cast(Table, Process.__table__), cast(Table, Step.__table__)


def record_event(
    session: Session | Connection,
    *,
    key: str,
    process_id: str,
    kind: str,
    occurred_at: datetime,
    rule_id: str | None = None,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
    process: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
    school: str | None = None,
) -> bool:
    """Insert the event and upsert the process/step rows it carries. Returns False if the key was already applied
    (a retried activity), in which case nothing changes. Call inside one transaction. `school`: the school the
    process belongs to (`process.school`; the record activity reads it from the workflow id: the store knows no
    workflow ids' shape); None leaves it as it is, and a new process row the default school's.

    Plain SQL statements (SQLAlchemy Core, compiled once and run on the driver's cursor: store/prepared.py) rather
    than the ORM's unit of work: this runs for every change of every process, inside the workflow task that asked for
    it (workflows/calls.py), and the ORM cost three times as much; the record activity passes a Connection."""
    connection = _connection(session)
    if _EVENT_BY_KEY.first(connection, {"k": key}) is not None:
        return False
    prev_hash = chain_head(connection)
    if process is not None:
        _upsert_process(connection, process_id, occurred_at, dict(process) | ({"school": school} if school else {}))
    if step is not None:
        _upsert_step(connection, process_id, dict(step))
    content = dict(
        key=key,
        process_id=process_id,
        kind=kind,
        occurred_at=occurred_at,
        rule_id=rule_id,
        actor=actor,
        data=data or {},
    )
    _INSERT_EVENT.execute(connection, {**content, "prev_hash": prev_hash, "hash": event_hash(prev_hash, **content)})
    return True


def hash_of(session: Session | Connection, key: str) -> str | None:
    """The chain hash of the event row with this key (None: no such row)."""
    found = _HASH_BY_KEY.first(_connection(session), {"k": key})
    return found[0] if found else None


GENESIS = "0" * 64  # the prev_hash of the first row
CHAIN_LOCK = 0x5E4DC10C  # the PostgreSQL advisory lock that serialises appends to the chain


def _instant(value: datetime) -> str:
    if value.tzinfo is None:  # read back raw from a naive-UTC column
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_event(
    *,
    key: str,
    process_id: str,
    kind: str,
    occurred_at: datetime,
    rule_id: str | None,
    actor: str | None,
    data: dict[str, Any] | None,
) -> str:
    """The row's content as canonical JSON (sorted keys, no spaces, UTC instant with microseconds)."""
    return json.dumps(
        {
            "key": key,
            "process_id": process_id,
            "kind": kind,
            "occurred_at": _instant(occurred_at),
            "rule_id": rule_id,
            "actor": actor,
            "data": data or {},
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def event_hash(prev_hash: str, **content: Any) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical_event(**content)}".encode()).hexdigest()


def chain_head(session: Session | Connection) -> str:
    """The hash the next row links to (the last chained row's, or GENESIS). On PostgreSQL, first takes the
    transaction-scoped lock that keeps concurrent writers from linking to the same head."""
    connection = _connection(session)
    dialect = connection.dialect.name
    if dialect == "postgresql":
        _PG_CHAIN_LOCK.execute(connection, {"lock": CHAIN_LOCK})
    elif dialect == "sqlite":
        # pysqlite runs a SELECT outside any transaction: take the write lock first (a no-op write), so no other
        # writer can append between reading the head and inserting after it.
        _SQLITE_WRITE_LOCK.execute(connection, {})
    last = _CHAIN_HEAD.first(connection, {})
    return last[0] if last and last[0] else GENESIS


def _connection(session: Session | Connection) -> Connection:
    """The Connection of a Session's transaction (the retention purge records through its Session)."""
    return session if isinstance(session, Connection) else session.connection()


def _upsert_process(connection: Connection, process_id: str, occurred_at: datetime, fields: dict[str, Any]) -> None:
    closed = fields.pop("closed", False)
    fields["closed_at"] = occurred_at if closed else None
    if not _UPDATE_PROCESS.execute(connection, {**fields, "w": process_id}):
        _INSERT_PROCESS.execute(connection, {**fields, "workflow_id": process_id, "opened_at": occurred_at})


def _upsert_step(connection: Connection, process_id: str, fields: dict[str, Any]) -> None:
    fields.setdefault("instance", 1)
    if fields.get("explanation") is None:  # the plan is unchanged: the row keeps its explanation
        fields.pop("explanation", None)
    if not _UPDATE_STEP.execute(
        connection, {**fields, "p": process_id, "r": fields["rule_id"], "i": fields["instance"]}
    ):
        # A step's first record carries its explanation; without one (its rows lost), the row says so, rather than
        # the record failing for ever.
        _INSERT_STEP.execute(
            connection,
            {
                "explanation": ["(the explanation was recorded with an earlier entry)"],
                **fields,
                "process_id": process_id,
            },
        )


# Compiled once per dialect and set of parameter names, run on the driver's cursor (store/prepared.py); the values
# come as parameters (the SET clause of an UPDATE is the parameters that name columns).
_PG_CHAIN_LOCK = Prepared(text("SELECT pg_advisory_xact_lock(:lock)"))
_SQLITE_WRITE_LOCK = Prepared(text("UPDATE event SET id = id WHERE 0"))
_CHAIN_HEAD = Prepared(select(EVENT.c.hash).where(EVENT.c.hash.is_not(None)).order_by(EVENT.c.id.desc()).limit(1))
_EVENT_BY_KEY = Prepared(select(EVENT.c.id).where(EVENT.c.key == bindparam("k")))
_HASH_BY_KEY = Prepared(select(EVENT.c.hash).where(EVENT.c.key == bindparam("k")))
_INSERT_EVENT = Prepared(insert(EVENT))
_UPDATE_PROCESS = Prepared(update(PROCESS).where(PROCESS.c.workflow_id == bindparam("w")))
_INSERT_PROCESS = Prepared(insert(PROCESS))
_UPDATE_STEP = Prepared(
    update(STEP).where(
        STEP.c.process_id == bindparam("p"), STEP.c.rule_id == bindparam("r"), STEP.c.instance == bindparam("i")
    )
)
_INSERT_STEP = Prepared(insert(STEP))
