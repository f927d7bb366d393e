"""An LA's practice date beside the statutory date (issue 25, LA profiles): `step.la_practice_due` and
`step.la_practice_note`.

An LA profile (settings `las.<name>`) may ask for a step before a review meeting earlier than the law does (the advice
six weeks before the meeting, where reg 20(4) says two), or set its own date for transfer-year review meetings. The
step keeps its statutory `due`; the LA's date and the sentence that says whose it is go beside it. Both columns are
nullable: every step planned before, and every step of an LA with no profile, has none.

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-11 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns with no default: a plain ADD COLUMN on SQLite and PostgreSQL, no table rebuild.
    op.add_column("step", sa.Column("la_practice_due", sa.Date(), nullable=True))
    op.add_column("step", sa.Column("la_practice_note", sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("step") as batch:
        batch.drop_column("la_practice_note")
        batch.drop_column("la_practice_due")
