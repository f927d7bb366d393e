"""The event table as the audit record: hash-chained and append-only.

Adds `prev_hash` and `hash` (sha256, see store.recorder.event_hash), chains the rows already there in id order, and
installs triggers refusing UPDATE and DELETE on event (SQLite and PostgreSQL). Note for later migrations: a SQLite
batch migration that rebuilds the event table drops its triggers: re-create them (create_triggers below).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.recorder import GENESIS, event_hash

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "event rows are append-only: they are the audit record"


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    chain_existing_rows()
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")


def chain_existing_rows() -> None:
    bind = op.get_bind()
    event = sa.table(
        "event",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("process_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("occurred_at", sa.DateTime),
        sa.column("rule_id", sa.String),
        sa.column("actor", sa.String),
        sa.column("data", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    prev = GENESIS
    rows = bind.execute(sa.select(event).order_by(event.c.id)).mappings().all()
    for row in rows:
        digest = event_hash(
            prev,
            key=row["key"],
            process_id=row["process_id"],
            kind=row["kind"],
            occurred_at=row["occurred_at"],
            rule_id=row["rule_id"],
            actor=row["actor"],
            data=row["data"],
        )
        bind.execute(event.update().where(event.c.id == row["id"]).values(prev_hash=prev, hash=digest))
        prev = digest


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION event_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP; END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
            "FOR EACH ROW EXECUTE FUNCTION event_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL} ({action} refused)'); END"
            )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_append_only ON event")
        op.execute("DROP FUNCTION IF EXISTS event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_no_update")
        op.execute("DROP TRIGGER IF EXISTS event_no_delete")
