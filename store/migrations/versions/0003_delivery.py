"""Delivery: per-channel outbox rows, quiet hours and fallback.

Each outbox row is now one notification to one staff member on one channel. New columns:
- ``notice_key``: the idempotency key of the notification to that staff member, shared by its channel rows;
- ``html``: the HTML alternative of an e-mail; ``card``: the Teams Adaptive Card (JSON), so that a row held for
  quiet hours can be sent later exactly as it was rendered;
- ``not_before``: a held row (status ``held``) is not sent before this instant (the next working-hours window);
- ``attempted_at``: the last time a sender claimed the row (a row left ``sending`` by a crashed worker is visible);
- ``fallback_for``: on a fallback row (the SENCO's e-mail), the key of the row whose channel kept failing.

Existing rows keep their values; the new columns are empty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_key", sa.String(length=240), nullable=True))
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("card", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("not_before", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("fallback_for", sa.String(length=240), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_notice_key"), ["notice_key"], unique=False)
        batch_op.create_index("ix_outbox_status_not_before", ["status", "not_before"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_not_before")
        batch_op.drop_index(batch_op.f("ix_outbox_notice_key"))
        batch_op.drop_column("fallback_for")
        batch_op.drop_column("attempted_at")
        batch_op.drop_column("not_before")
        batch_op.drop_column("card")
        batch_op.drop_column("html")
        batch_op.drop_column("notice_key")
