"""Step instance (a rule's n-th occurrence in a process, e.g. each annual review cycle) and process facts.

Existing rows get instance 1 and empty facts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:09:42.448932
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("instance", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch_op.drop_constraint(batch_op.f("uq_step_process_id"), type_="unique")
        batch_op.create_unique_constraint("uq_step_process_rule_instance", ["process_id", "rule_id", "instance"])


def downgrade() -> None:
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.drop_constraint("uq_step_process_rule_instance", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_step_process_id"), ["process_id", "rule_id"])
        batch_op.drop_column("instance")

    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.drop_column("facts")
