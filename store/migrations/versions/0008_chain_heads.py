"""The audit record's fingerprints as sent out (issue 21): `published_head`, one row per day.

Each working day the PublishChainHead job (workflows/chain_head.py) sends the hash of the event table's last row to
the SENCO and auditors, and keeps what it sent here, so `sendclock audit verify` (store.chain_heads.check_published)
and `sendclock audit heads` can compare the record with it later. Append-only like `event`: triggers refuse UPDATE
and DELETE on SQLite and PostgreSQL. `event_id` has no foreign key: a retention purge may remove that event row (its
purge record keeps the link).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-16 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "published_head rows are append-only: they are the fingerprints sent out"


def upgrade() -> None:
    op.create_table(
        "published_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_head")),
        sa.UniqueConstraint("published_on", name=op.f("uq_published_head_published_on")),
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("published_head")


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION published_head_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP; END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER published_head_append_only BEFORE UPDATE OR DELETE ON published_head "
            "FOR EACH ROW EXECUTE FUNCTION published_head_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER published_head_no_{action.lower()} BEFORE {action} ON published_head "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL} ({action} refused)'); END"
            )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS published_head_append_only ON published_head")
        op.execute("DROP FUNCTION IF EXISTS published_head_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS published_head_no_update")
        op.execute("DROP TRIGGER IF EXISTS published_head_no_delete")
