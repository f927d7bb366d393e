"""The audit record's fingerprint, and the fingerprints sent out (issue 21: the chain anchored outside the database).

The event table is hash-chained (store/recorder.py): the hash of its last row is a fingerprint of every row up to it.
Someone able to rewrite the database can still edit a row and recompute every hash after it with the project's own
`event_hash`, and the chain then checks out. So each working day the PublishChainHead job sends the current head (the
last chained row's id and hash, and how many rows there are up to it) to the SENCO and the auditors, who keep the
e-mail, and records what it sent in `published_head`. A recomputed chain no longer gives the row that was published
the hash that was published: `check_published` says so, and anyone holding the e-mail can check it by hand.

Pure store code: no engine, no Temporal, no web (tests/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.orm import Session

from statutory.clock import fmt
from store.models import Event, PublishedHead
from store.recorder import GENESIS
from store.retention import purge_records

EVENT, PUBLISHED = cast(Table, Event.__table__), cast(Table, PublishedHead.__table__)  # declarative: Tables


@dataclass(frozen=True)
class Head:
    """The end of the chain: the last chained event row's id and hash, and how many rows there are up to it
    (event_id None and the GENESIS hash when the record has no entries yet)."""

    event_id: int | None
    hash: str
    rows: int

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.hash)


def fingerprint(digest: str) -> str:
    """The first 16 hex digits of a hash, in groups of four, for people to compare ("3f2a 9c1b 77de 0a41"), as the
    signing key's fingerprint is shown (security/signing.py)."""
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def current_head(session: Session | Connection) -> Head:
    """The chain's head now. Reads only: appends are serialised by the recorder's lock, so the rows up to the head's
    id are all committed once the head is."""
    last = session.execute(
        select(EVENT.c.id, EVENT.c.hash).where(EVENT.c.hash.is_not(None)).order_by(EVENT.c.id.desc()).limit(1)
    ).first()
    if last is None:
        return Head(event_id=None, hash=GENESIS, rows=0)
    rows = session.execute(select(func.count()).select_from(EVENT).where(EVENT.c.id <= last.id)).scalar_one()
    return Head(event_id=last.id, hash=last.hash, rows=rows)


def head_of(published: PublishedHead) -> Head:
    return Head(event_id=published.event_id, hash=published.hash, rows=published.rows)


def publish(connection: Connection, *, on: date, at: datetime, recipients: list[str]) -> tuple[PublishedHead, bool]:
    """Today's published head: the one already recorded for `on` (a retried or repeated run: False), else the
    current head, recorded now (True). Whatever is sent for `on` is what this returns, so a retried activity sends
    the head it recorded, not a later one."""
    existing = _published_on(connection, on)
    if existing is not None:
        return existing, False
    head = current_head(connection)
    connection.execute(
        insert(PUBLISHED).values(
            published_on=on,
            published_at=at,
            event_id=head.event_id,
            hash=head.hash,
            rows=head.rows,
            recipients=list(recipients),
        )
    )
    recorded = _published_on(connection, on)
    assert recorded is not None  # inserted just above, in this transaction
    return recorded, True


def _published_on(connection: Connection, on: date) -> PublishedHead | None:
    row = connection.execute(select(PUBLISHED).where(PUBLISHED.c.published_on == on)).mappings().first()
    return PublishedHead(**row) if row is not None else None


def published_heads(session: Session, limit: int | None = None) -> list[PublishedHead]:
    """The fingerprints sent out, newest first."""
    query = select(PublishedHead).order_by(PublishedHead.published_on.desc())
    return list(session.scalars(query.limit(limit) if limit else query))


def last_published(session: Session) -> PublishedHead | None:
    found = published_heads(session, limit=1)
    return found[0] if found else None


def check_published(session: Session) -> list[str]:
    """Every published fingerprint against the record now, oldest first; one sentence per one that no longer holds.

    The event row a fingerprint named must still have the hash that was sent, and the record must still hold as many
    rows up to it. A row removed by a retention purge counts through its purge record, which lists its id and hash
    (store/retention.py). An edited, deleted or inserted row before a published row changes that row's hash, even
    when every hash after the change was recomputed: so a recomputed chain is named here by the first fingerprint
    sent after the change."""
    purged = _purged_links(session)
    found = (_problem(session, published, purged) for published in reversed(published_heads(session)))
    return [problem for problem in found if problem is not None]


def published_problem(session: Session, published: PublishedHead) -> str | None:
    """Why one published fingerprint no longer matches the record (None: it still does)."""
    return _problem(session, published, _purged_links(session))


def _purged_links(session: Session) -> dict[int, str | None]:
    """The hash of every event row a retention purge removed, by id."""
    return {link[0]: link[3] for record in purge_records(session) for link in record.links}


def _problem(session: Session, published: PublishedHead, purged: dict[int, str | None]) -> str | None:
    if published.event_id is None:
        return None  # sent when the record had no entries: nothing to compare
    when = (
        f"The fingerprint sent on {fmt(published.published_on)} ({fingerprint(published.hash)}, event row "
        f"{published.event_id})"
    )
    now = session.execute(select(EVENT.c.hash).where(EVENT.c.id == published.event_id)).first()
    if now is None and published.event_id in purged:
        if purged[published.event_id] != published.hash:
            return (
                f"{when} does not match the hash the retention purge recorded for that row "
                f"({fingerprint(purged[published.event_id] or '-' * 16)}): the record was changed after it was "
                "sent"
            )
    elif now is None:
        return (
            f"{when}: that row is no longer in the record, and no retention purge removed it: the record was "
            "changed after the fingerprint was sent"
        )
    elif now.hash != published.hash:
        return (
            f"{when} no longer matches: that row now hashes to {fingerprint(now.hash or '-' * 16)}, so the "
            "record up to it was changed after the fingerprint was sent (the chain was recomputed)"
        )
    rows = session.execute(select(func.count()).select_from(EVENT).where(EVENT.c.id <= published.event_id)).scalar_one()
    rows += sum(1 for event_id in purged if event_id <= published.event_id)
    if rows != published.rows:
        return (
            f"{when} covered {published.rows} row(s); the record now holds {rows} up to that row: rows were "
            "removed or added before it after the fingerprint was sent"
        )
    return None
