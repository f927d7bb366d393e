"""The outbox table's reads and writes: every SQL statement the notifier runs on Outbox rows, in one place.

The notifier (activities/notifier.py) decides what to do with a notice (activities/delivery_decision.py, pure) and
sends it (apprise); this module stores what it decided: new rows, claims, outcomes, retry times. What the statuses
mean is said on `OutboxStatus` and on the model (store/models.py, Outbox).

- `ensure(rows)` inserts the rows whose key is new, in one transaction through the writer (store/writer.py: on
  SQLite grouped with the other writes waiting), with statements compiled once (store/prepared.py): it runs for
  every notice. A concurrent insert of the same key wins.
- Every row belongs to a school (`school`: the staff it went to are that school's, so its calendar and working hours
  hold it); a notice to the trust's own staff (`trust.staff`: the trust digest) belongs to TRUST, which no school's
  id can be. `due` and `schools_due` let the dispatcher send each school's held rows in that school's hours.
- A row is claimed (status "sending", one more attempt) by a conditional UPDATE before it is sent, so two senders
  never both send it: `claim_to_send` takes a row still as it was seen (queued, failed and not waiting for the
  dispatcher, or "sending" since before `stale_before`: left by a sender that died), `claim_due` a held or failed
  row whose `not_before` has passed (the dispatcher). Who decides what is stale is the caller's business: it knows
  about Temporal's attempts, this module does not.

Pure store code: no Temporal, no activities, no web (tests/test_architecture.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, CursorResult, Table, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.models import Outbox
from store.outbox_fingerprint import FIELDS, fingerprint
from store.prepared import Prepared
from store.writer import write, write_lock


class OutboxStatus(StrEnum):
    """An outbox row's status, as stored (the database and recorded histories hold these strings: never rename)."""

    QUEUED = "queued"  # about to be sent
    HELD = "held"  # outside working hours: waits for `not_before` (the dispatcher sends it then)
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"
    ACCEPTED = "accepted"  # Teams answered 202: taken, not proven delivered
    KEPT = "kept"  # nobody is sent it (no channel, own action, the parent's window, the digest): the row is the record
    FAILED = "failed"  # with `error`; the dispatcher retries it while `not_before` is set


DELIVERED = frozenset({OutboxStatus.SENT, OutboxStatus.ACCEPTED})
# The `school` of a row to the trust's own staff (settings `trust.staff`): not a school id (those start with a letter
# or digit), so no school's pages or queries ever take it for theirs.
TRUST = "~trust"

OUTBOX = cast(Table, Outbox.__table__)
_BY_KEY = select(OUTBOX.c.id).where(OUTBOX.c.key == bindparam("k"))
# Every notice's write: compiled once, run on the driver's cursor (store/prepared.py).
_KEY, _INSERT = Prepared(_BY_KEY), Prepared(insert(OUTBOX))


_SEEN = (*(getattr(Outbox, name) for name in FIELDS), Outbox.status)


class OutboxRepository:
    """The outbox rows of one database (its sessionmaker's engine)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.engine = sessions.kw["bind"]

    # --- new rows ---------------------------------------------------------------------------------------------

    def ensure(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        """Insert the rows (outbox columns) whose key does not exist yet; the keys inserted (empty: none was new). A
        concurrent insert of the same key wins. Plain SQL in one transaction: this runs for every notice (the ORM's
        unit of work doubled it)."""
        rows = [_stored(row) for row in rows]
        try:
            return write(self.engine, lambda connection: _insert_missing(connection, rows))
        except IntegrityError:
            with self.engine.connect() as connection:  # lost a race for some key: were they all inserted by others?
                if any(connection.execute(_BY_KEY, {"k": row["key"]}).first() is None for row in rows):
                    raise  # not a concurrent insert of the same key: a real error (e.g. an unknown process)
            return []

    # --- reads ------------------------------------------------------------------------------------------------

    def notice_rows(self, notice_key: str) -> list[Outbox]:
        """The rows of one notice to one person (every channel, and the fallback), oldest first."""
        with self.sessions() as session:
            return list(session.scalars(select(Outbox).where(Outbox.notice_key == notice_key).order_by(Outbox.id)))

    def seen_of_notices(self, notice_keys: list[str]) -> list[tuple[str, str, str]]:
        """The key, status and fingerprint (store/outbox_fingerprint.py) of each row of these notices as it stands
        now, oldest first: one read of the columns the fingerprint covers (no ORM objects: the notify activity asks
        this for every notice, issue 26)."""
        with self.sessions() as session:
            rows = session.execute(
                select(*_SEEN).where(Outbox.notice_key.in_(notice_keys)).order_by(Outbox.id)
            ).mappings()
            return [(row["key"], row["status"], fingerprint(row)) for row in rows]

    def by_key(self, key: str) -> Outbox | None:
        with self.sessions() as session:
            return session.scalar(select(Outbox).where(Outbox.key == key))

    def due(self, now: datetime, *, school: str | None = None) -> list[int]:
        """The ids of the held rows, and failed rows due a retry, whose `not_before` has passed, in that order (of
        one `school`, when given)."""
        query = select(Outbox.id).where(*_due(now)).order_by(Outbox.not_before, Outbox.id)
        if school is not None:
            query = query.where(Outbox.school == school)
        with self.sessions() as session:
            return list(session.scalars(query))

    def schools_due(self, now: datetime) -> list[str]:
        """The schools (Outbox.school) with rows `due` now, in id order."""
        with self.sessions() as session:
            return list(session.scalars(select(Outbox.school).where(*_due(now)).distinct().order_by(Outbox.school)))

    # --- claims -----------------------------------------------------------------------------------------------

    def claim_to_send(self, row: Outbox, stale_before: datetime) -> Outbox | None:
        """Take `row` for sending if it is still as it was read: "sending" since before `stale_before` (its sender
        died), or in its status with no `not_before`. None: someone else has it."""
        if row.status == OutboxStatus.SENDING:
            stale = or_(Outbox.attempted_at.is_(None), Outbox.attempted_at < stale_before)
            return self._claim(row.id, Outbox.status == OutboxStatus.SENDING.value, stale)
        return self._claim(row.id, Outbox.status == row.status, Outbox.not_before.is_(None))

    def claim_due(self, row_id: int, now: datetime) -> Outbox | None:
        """Take a held or failed row whose `not_before` has passed (the dispatcher). None: another dispatcher has it."""
        return self._claim(
            row_id, Outbox.status.in_(_WAITING), Outbox.not_before.is_not(None), Outbox.not_before <= now
        )

    def _claim(self, row_id: int, *conditions: ColumnElement[bool]) -> Outbox | None:
        """Take a row for sending (status "sending", one more attempt) if it still meets `conditions`."""
        with write_lock(self.engine), self.sessions.begin() as session:
            taken = cast(
                CursorResult[Any],
                session.execute(
                    update(Outbox)
                    .where(Outbox.id == row_id, *conditions)
                    .values(
                        status=OutboxStatus.SENDING.value,
                        attempts=Outbox.attempts + 1,
                        attempted_at=_now(),
                        not_before=None,
                    )
                ),
            ).rowcount
            return session.get(Outbox, row_id) if taken == 1 else None

    # --- outcomes ---------------------------------------------------------------------------------------------

    def record_outcome(self, row_id: int, status: str, error: str | None) -> None:
        """What sending a claimed row did: its status (sent, accepted or failed) and error; `sent_at` if delivered."""
        status = OutboxStatus(status)
        with write_lock(self.engine), self.sessions.begin() as session:
            session.execute(
                update(Outbox)
                .where(Outbox.id == row_id)
                .values(status=status.value, error=error, sent_at=_now() if status in DELIVERED else None)
            )

    def retry_at(self, row_id: int, not_before: datetime) -> None:
        """A failed row is tried again by the dispatcher at `not_before` (if it is still failed)."""
        with write_lock(self.engine), self.sessions.begin() as session:
            session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.status == OutboxStatus.FAILED.value)
                .values(not_before=not_before)
            )


_WAITING = (OutboxStatus.HELD.value, OutboxStatus.FAILED.value)  # what the dispatcher sends once `not_before` passes


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Held and failed rows whose `not_before` has passed."""
    return Outbox.status.in_(_WAITING), Outbox.not_before.is_not(None), Outbox.not_before <= now


def _insert_missing(connection: Connection, rows: list[dict[str, Any]]) -> list[str]:
    created = []
    for row in rows:
        if _KEY.first(connection, {"k": row["key"]}) is None:
            _INSERT.execute(connection, row)
            created.append(row["key"])
    return created


def _stored(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its status as the plain string stored (an unknown status is refused here, not written)."""
    return {**row, "status": OutboxStatus(row["status"]).value} if "status" in row else row


def _now() -> datetime:
    return datetime.now(UTC)
