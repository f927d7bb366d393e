"""Server-side sign-in sessions and the sign-in log (issue 20, findings 3 and 4).

`web_session`: one row per sign-in, found by the SHA-256 digest of the random session id in the browser's cookie
(the id itself is never stored). Ending the row ends the session at once, whatever copies of the cookie exist.

`sign_in_event`: every failed, throttled and successful sign-in, sign-out, password change and ending of sessions;
append-only like `event` (triggers refuse UPDATE and DELETE on SQLite and PostgreSQL). Its `account_id` has no
foreign key: the log outlives an account.

Existing signed cookies carry no session row, so upgrading signs everyone out once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "sign_in_event rows are append-only: they are the record of sign-in attempts"


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_web_session_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("digest", name=op.f("uq_web_session_digest")),
    )
    op.create_index(op.f("ix_web_session_account_id"), "web_session", ["account_id"], unique=False)
    op.create_table(
        "sign_in_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_event")),
    )
    op.create_index(op.f("ix_sign_in_event_at"), "sign_in_event", ["at"], unique=False)
    op.create_index("ix_sign_in_event_account_id_at", "sign_in_event", ["account_id", "at"], unique=False)
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_index("ix_sign_in_event_account_id_at", table_name="sign_in_event")
    op.drop_index(op.f("ix_sign_in_event_at"), table_name="sign_in_event")
    op.drop_table("sign_in_event")
    op.drop_index(op.f("ix_web_session_account_id"), table_name="web_session")
    op.drop_table("web_session")


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION sign_in_event_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP; END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER sign_in_event_append_only BEFORE UPDATE OR DELETE ON sign_in_event "
            "FOR EACH ROW EXECUTE FUNCTION sign_in_event_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER sign_in_event_no_{action.lower()} BEFORE {action} ON sign_in_event "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL} ({action} refused)'); END"
            )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sign_in_event_append_only ON sign_in_event")
        op.execute("DROP FUNCTION IF EXISTS sign_in_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS sign_in_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS sign_in_event_no_delete")
