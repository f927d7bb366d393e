"""The step lists read in SQL at trust and LA size (issue 26): each step carries its process's school, LA, kind and
case reference, kept equal to the process's by triggers, so that counting, filtering, sorting and paging open steps
reads the step table alone, along its indexes, instead of looking up the process of each of tens of thousands of open
steps (bench/dashboard_queries.py, docs/performance.md).

- `step.school`, `step.la`, `step.process_kind`, `step.case_ref`: copies of `process.school|la|kind|case_ref`, filled
  here for every existing row; then set from the process when a step is inserted, and updated on every step of a
  process when one of those changes on the process (an LA's name corrected, a retention purge's "-"). Whoever writes
  (the recorder, a retention purge, a test's ORM rows) cannot get them wrong: the triggers win over any value given.
- Indexes: the open steps' counts and filter choices (`ix_step_open_facets`, in the GROUP BY's order, covering every
  column the counts read); one school's open steps by due and by target date (the default order's two runs); the
  LA scorecard's steps of a rule by due date; the LAs the processes name, read one index seek per LA; the
  processes stopped outside sendclock, which the lists keep apart (`ix_process_stopped`, a partial index of those
  rows alone: few or none, where an index of every status would tell the planner "a third of the table").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# step column: process column
COPIED = {"school": "school", "la": "la", "process_kind": "kind", "case_ref": "case_ref"}
INDEXES = {
    "ix_step_open_facets": ["status", "school", "la", "owner", "rule_id", "process_kind", "due", "exempt"],
    "ix_step_school_status_due": ["school", "status", "due"],
    "ix_step_school_status_target": ["school", "status", "target"],
    "ix_step_status_case": ["status", "case_ref", "due"],  # the lists sorted by case reference
    "ix_step_due_case": ["due", "case_ref", "id"],  # the steps export (CSV), a batch at a time in its order
    # The LA scorecard: a rule's steps by due date (a school year's), covering what its counts group and filter by.
    "ix_step_rule_due": ["rule_id", "due", "status", "la", "school", "exempt", "on_time", "completed_on", "days_late"],
}
PROCESS_INDEXES = {"ix_process_la_school": ["la", "school"], "ix_process_school_la": ["school", "la"]}


def upgrade() -> None:
    # NOT NULL with a server default: a plain ADD COLUMN on both databases (no table rebuild on SQLite).
    op.add_column("step", sa.Column("school", sa.String(length=24), nullable=False, server_default="default"))
    op.add_column("step", sa.Column("la", sa.String(length=80), nullable=False, server_default=""))
    op.add_column("step", sa.Column("process_kind", sa.String(length=40), nullable=False, server_default=""))
    op.add_column("step", sa.Column("case_ref", sa.String(length=40), nullable=False, server_default=""))
    assignments = ", ".join(
        f"{column} = (SELECT p.{source} FROM process p WHERE p.workflow_id = step.process_id)"
        for column, source in COPIED.items()
    )
    op.execute(f"UPDATE step SET {assignments}")
    for name, columns in INDEXES.items():
        op.create_index(name, "step", columns)
    for name, columns in PROCESS_INDEXES.items():  # the LAs the processes name, one index seek each
        op.create_index(name, "process", columns)
    stopped = sa.text("status = 'stopped'")
    op.create_index("ix_process_stopped", "process", ["status"], sqlite_where=stopped, postgresql_where=stopped)
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_index("ix_process_stopped", table_name="process")
    for name in PROCESS_INDEXES:
        op.drop_index(name, table_name="process")
    for name in INDEXES:
        op.drop_index(name, table_name="step")
    # A plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL), never a batch rebuild (see 0010).
    for column in reversed(COPIED):
        op.drop_column("step", column)


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        sets = "; ".join(f"NEW.{column} := p.{source}" for column, source in COPIED.items())
        op.execute(f"""
            CREATE OR REPLACE FUNCTION step_copies_its_process() RETURNS trigger AS $$
            DECLARE p process%ROWTYPE;
            BEGIN
                SELECT * INTO p FROM process WHERE workflow_id = NEW.process_id;
                IF FOUND THEN {sets}; END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER step_copies_its_process BEFORE INSERT OR UPDATE OF process_id ON step "
            "FOR EACH ROW EXECUTE FUNCTION step_copies_its_process()"
        )
        changed = " OR ".join(f"NEW.{s} IS DISTINCT FROM OLD.{s}" for s in COPIED.values())
        copies = ", ".join(f"{column} = NEW.{source}" for column, source in COPIED.items())
        op.execute(f"""
            CREATE OR REPLACE FUNCTION process_copies_to_steps() RETURNS trigger AS $$
            BEGIN
                IF {changed} THEN UPDATE step SET {copies} WHERE process_id = NEW.workflow_id; END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER process_copies_to_steps AFTER UPDATE ON process "
            "FOR EACH ROW EXECUTE FUNCTION process_copies_to_steps()"
        )
    else:
        from_process = ", ".join(
            f"{column} = (SELECT p.{source} FROM process p WHERE p.workflow_id = NEW.process_id)"
            for column, source in COPIED.items()
        )
        op.execute(
            "CREATE TRIGGER step_copies_its_process AFTER INSERT ON step "
            f"BEGIN UPDATE step SET {from_process} WHERE id = NEW.id; END"
        )
        op.execute(
            "CREATE TRIGGER step_copies_its_process_again AFTER UPDATE OF process_id ON step "
            f"BEGIN UPDATE step SET {from_process} WHERE id = NEW.id; END"
        )
        changed = " OR ".join(f"NEW.{s} IS NOT OLD.{s}" for s in COPIED.values())
        copies = ", ".join(f"{column} = NEW.{source}" for column, source in COPIED.items())
        op.execute(
            f"CREATE TRIGGER process_copies_to_steps AFTER UPDATE OF {', '.join(COPIED.values())} ON process "
            f"WHEN {changed} BEGIN UPDATE step SET {copies} WHERE process_id = NEW.workflow_id; END"
        )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS process_copies_to_steps ON process")
        op.execute("DROP FUNCTION IF EXISTS process_copies_to_steps()")
        op.execute("DROP TRIGGER IF EXISTS step_copies_its_process ON step")
        op.execute("DROP FUNCTION IF EXISTS step_copies_its_process()")
    else:
        for name in ("process_copies_to_steps", "step_copies_its_process_again", "step_copies_its_process"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
