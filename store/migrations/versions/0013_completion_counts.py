"""The completed steps counted as they are written (issue 26): `completion_count` holds how many completed steps there
are of each school, academic year, rule, LA, exemption and outcome, kept by triggers on every insert, change and
delete of a step, so that a year's compliance figures (store/compliance_sql.py) add up a few hundred rows instead of
counting a year's completed steps one by one (at 1,000,000 steps: 200,000 for a trust's year, docs/performance.md).

- A step counts while its status is "completed": in the academic year its due date falls in (1 September to 31
  August; by the year it starts), on time when its own on_time says so, or, with none, when completed by its due date
  (store.compliance.outcome; a completion with neither is late). Any change of those columns (or of the school and LA
  the step copies from its process, migration 0011) moves it from one count to another; a delete takes it away.
- Open steps are not counted here: whether one is late depends on today (the figures count the open steps past
  their due date as they are read, few).
- Filled in here from the rows there are. Each change adds to or takes from its count with an upsert (a count taken
  from before it was added starts at -1), so the order in which a database fires the triggers of one statement (this
  one, and 0011's copy of the process's school and LA just after a step is inserted) never matters.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("school", "year", "rule_id", "la", "exempt", "on_time")
WATCHED = ("status", "due", "school", "rule_id", "la", "exempt", "on_time", "completed_on")


def _year(row: str, postgres: bool) -> str:
    """The academic year (by the year it starts) of the due date of step row `row`."""
    if postgres:
        return (
            f"(EXTRACT(YEAR FROM {row}.due)::integer - CASE WHEN EXTRACT(MONTH FROM {row}.due) < 9 THEN 1 ELSE 0 END)"
        )
    return (
        f"(CAST(strftime('%Y', {row}.due) AS INTEGER) - "
        f"CASE WHEN CAST(strftime('%m', {row}.due) AS INTEGER) < 9 THEN 1 ELSE 0 END)"
    )


def _on_time(row: str, postgres: bool) -> str:
    """store.compliance.outcome of completed step row `row`: on time, else late (never NULL)."""
    if postgres:
        return f"COALESCE({row}.on_time OR ({row}.on_time IS NULL AND {row}.completed_on <= {row}.due), false)"
    return f"COALESCE({row}.on_time = 1 OR ({row}.on_time IS NULL AND {row}.completed_on <= {row}.due), 0)"


def _values(row: str, postgres: bool) -> str:
    return f"{row}.school, {_year(row, postgres)}, {row}.rule_id, {row}.la, {row}.exempt, {_on_time(row, postgres)}"


def upgrade() -> None:
    op.create_table(
        "completion_count",
        sa.Column("school", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("la", sa.String(length=80), nullable=False),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name="pk_completion_count"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(
        f"INSERT INTO completion_count ({', '.join(KEY)}, n) SELECT {_values('step', postgres)}, count(*) FROM step "
        "WHERE status = 'completed' GROUP BY 1, 2, 3, 4, 5, 6"
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("completion_count")


def create_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    key = ", ".join(KEY)
    if postgres:
        op.execute(f"""
            CREATE OR REPLACE FUNCTION step_counts_completions() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    IF OLD.status = 'completed' THEN
                        INSERT INTO completion_count ({key}, n) VALUES ({_values("OLD", True)}, -1)
                        ON CONFLICT ({key}) DO UPDATE SET n = completion_count.n - 1;
                    END IF;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    IF NEW.status = 'completed' THEN
                        INSERT INTO completion_count ({key}, n) VALUES ({_values("NEW", True)}, 1)
                        ON CONFLICT ({key}) DO UPDATE SET n = completion_count.n + 1;
                    END IF;
                END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute(
            f"CREATE TRIGGER step_counts_completions AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)} "
            "ON step FOR EACH ROW EXECUTE FUNCTION step_counts_completions()"
        )
        return
    add = (
        f"INSERT INTO completion_count ({key}, n) SELECT {_values('NEW', False)}, 1 WHERE NEW.status = 'completed' "
        f"ON CONFLICT ({key}) DO UPDATE SET n = n + 1"
    )
    take = (
        f"INSERT INTO completion_count ({key}, n) SELECT {_values('OLD', False)}, -1 WHERE OLD.status = 'completed' "
        f"ON CONFLICT ({key}) DO UPDATE SET n = n - 1"
    )
    op.execute(f"CREATE TRIGGER step_counts_insert AFTER INSERT ON step BEGIN {add}; END")
    op.execute(f"CREATE TRIGGER step_counts_delete AFTER DELETE ON step BEGIN {take}; END")
    op.execute(
        f"CREATE TRIGGER step_counts_update AFTER UPDATE OF {', '.join(WATCHED)} ON step "
        f"WHEN OLD.status = 'completed' OR NEW.status = 'completed' BEGIN {take}; {add}; END"
    )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS step_counts_completions ON step")
        op.execute("DROP FUNCTION IF EXISTS step_counts_completions()")
    else:
        for name in ("step_counts_update", "step_counts_delete", "step_counts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
