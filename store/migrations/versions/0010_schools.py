"""One deployment for a trust of many schools (issue 25): every process, outbox row and account belongs to a school.

`process.school` and `outbox.school`: the school's id (settings `schools.<id>`); every row written before is the one
school of a single-school install, `default` (workflows.models.common.DEFAULT_SCHOOL), so an existing database needs
no manual step and a school that grows into a trust keeps its records by keeping that id. A step and an event belong
to their process's school. `account.school`: the school an account's role is at; NULL for the trust-wide roles
(trust-leadership, trust-auditor); accounts made before are the default school's (filled in here).
`access_token.school`: a calendar feed's school (feeds made before: the default school's); NULL for an API key (its
account's).

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-12 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOT NULL with a server default: a plain ADD COLUMN on SQLite and PostgreSQL; each row so far: the default school.
    for table in ("process", "outbox"):
        op.add_column(table, sa.Column("school", sa.String(length=24), nullable=False, server_default="default"))
    op.create_index("ix_process_school_status", "process", ["school", "status"])
    op.create_index("ix_outbox_school", "outbox", ["school"])
    op.add_column("account", sa.Column("school", sa.String(length=24), nullable=True))
    op.execute("UPDATE account SET school = 'default' WHERE role IN ('senco', 'staff', 'leadership', 'auditor')")
    # A calendar feed is one school's (a staff member's steps there, or all of its open steps); an API key acts as
    # its account, whose school it follows (NULL).
    op.add_column("access_token", sa.Column("school", sa.String(length=24), nullable=True))
    op.execute("UPDATE access_token SET school = 'default' WHERE kind IN ('feed-staff', 'feed-school')")


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL), never a batch rebuild: rebuilding `process` on SQLite
    # would drop the table, and with it (ON DELETE CASCADE) the append-only event rows, which their triggers refuse.
    op.drop_index("ix_outbox_school", table_name="outbox")
    op.drop_index("ix_process_school_status", table_name="process")
    for table in ("access_token", "account", "outbox", "process"):
        op.drop_column(table, "school")
