"""An index for the dashboard's overdue and due-soon queries: open steps by due date.

`store.queries.open_steps` filters `status = 'open'` and a range of `due` (`due < today` for overdue, `today <= due
<= today + N` for due soon). `ix_step_status_target` finds the open steps but then reads every one of them to test its
due date; `ix_step_status_due` goes straight to the range. Measured by bench/dashboard_queries.py (see
docs/performance.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain CREATE INDEX: no batch (table rebuild) is needed on SQLite, so the step table keeps everything it has.
    op.create_index("ix_step_status_due", "step", ["status", "due"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_step_status_due", table_name="step")
