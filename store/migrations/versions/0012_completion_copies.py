"""Each step carries its completion record's facts (issue 26): when the completion was written, by whom, and the
meeting it names, copied from the event table by triggers, so that the figures counted over a year's steps (store/
compliance_sql.py) and every list of steps (store/web_queries.py) read the step table alone, instead of looking up
one completion event per step (at 1,000,000 steps: hundreds of thousands of look-ups per page, docs/performance.md).

- `step.recorded_at`, `step.recorded_actor`, `step.recorded_by`, `step.meeting_held_on`: the step's completion event
  (its key: store.web_queries.completion_key) `occurred_at`, `actor`, `data.recorded_by` and `data.meeting_held_on`,
  as written. Set when that event is inserted (events are append-only: migration 0005, so never changed after), and
  when a step is inserted whose completion event is already there; filled in here for every existing row. NULL: no
  completion recorded. A reader uses them only while the step's status is "completed", as it used the event.
- `step.process_held_on`: the process's `facts.held_on` (an annual review's meeting this cycle, as written), copied
  like 0011's copies: when a step is inserted, and on every step of a process when it changes on the process. A
  reader uses it only while the step is open, as it used the process's facts.
- The writers (the recorder, a retention purge, a test's ORM rows) cannot get them wrong: the triggers win over any
  value given.
- Indexes, to match the year's counts: one school's steps by status and due date now cover every column the year's
  outcomes and its backdating candidates read (`ix_step_school_status_due`, widened), and an annual review's
  meeting is in the LA scorecard's rule/due index (`ix_step_rule_due`, widened); the open steps' counts index holds
  the case reference and the id too, so that a sorted page's ids are found in it alone (`ix_step_open_facets`);
  the completions recorded 23 hours or more after the start of their date given (UTC), the only ones that could be
  flagged as backdated in Europe/London, have a partial index of their own (`ix_step_late_recorded`): the figures
  read a year's candidates there, not among every completion.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The partial index's predicate, as written today (a later change is a new migration).
LATE_RECORDED = {
    "sqlite": "status = 'completed' AND recorded_at >= datetime(completed_on, '+23 hours')",
    "postgresql": "status = 'completed' AND recorded_at >= completed_on + interval '23 hours'",
}
LATE_RECORDED_COLUMNS = ("school", "due", "rule_id", "la", "exempt", "on_time", "completed_on", "recorded_at", "id")

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COPIES = ("recorded_actor", "recorded_by", "meeting_held_on", "process_held_on")
# index: (columns before, columns after)
WIDENED = {
    "ix_step_school_status_due": (
        ["school", "status", "due"],
        [
            *("school", "status", "due", "rule_id", "la", "exempt", "on_time", "completed_on"),
            *("recorded_at", "id"),
        ],
    ),
    # The step lists' counts, now also covering the lists' sorts by case reference, LA, owner, rule and process: a page
    # of ids is found in the index alone (store/step_list.py, page).
    "ix_step_open_facets": (
        ["status", "school", "la", "owner", "rule_id", "process_kind", "due", "exempt"],
        ["status", "school", "la", "owner", "rule_id", "process_kind", "due", "exempt", "case_ref", "id"],
    ),
    "ix_step_rule_due": (
        ["rule_id", "due", "status", "la", "school", "exempt", "on_time", "completed_on", "days_late"],
        [
            *("rule_id", "due", "status", "la", "school", "exempt", "on_time", "completed_on", "days_late"),
            *("meeting_held_on", "process_held_on"),
        ],
    ),
}
# The step's completion key (store.web_queries.completion_key) in SQL, of a row `s`.
KEY = (
    "{s}.process_id || '/' || {s}.rule_id || CASE WHEN {s}.instance = 1 THEN '' ELSE '#' || {s}.instance END"
    " || '/completed'"
)


def upgrade() -> None:
    op.add_column("step", sa.Column("recorded_at", sa.DateTime(timezone=False), nullable=True))
    for column in TEXT_COPIES:
        op.add_column("step", sa.Column(column, sa.Text(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    data = _data("e", postgres)
    op.execute(
        "UPDATE step SET recorded_at = e.occurred_at, recorded_actor = e.actor, "
        f"recorded_by = {data('recorded_by')}, meeting_held_on = {data('meeting_held_on')} "
        f"FROM event e WHERE e.key = {KEY.format(s='step')}"
    )
    held_on = _held_on("p", postgres)
    op.execute(f"UPDATE step SET process_held_on = {held_on} FROM process p WHERE p.workflow_id = step.process_id")
    for name, (_, columns) in WIDENED.items():
        op.drop_index(name, table_name="step")
        op.create_index(name, "step", columns)
    op.create_index(
        "ix_step_late_recorded",
        "step",
        list(LATE_RECORDED_COLUMNS),
        sqlite_where=sa.text(LATE_RECORDED["sqlite"]),
        postgresql_where=sa.text(LATE_RECORDED["postgresql"]),
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_index("ix_step_late_recorded", table_name="step")
    for name, (columns, _) in WIDENED.items():
        op.drop_index(name, table_name="step")
        op.create_index(name, "step", columns)
    for column in reversed(("recorded_at", *TEXT_COPIES)):
        op.drop_column("step", column)


def _data(row: str, postgres: bool):
    """A text field of the JSON `data` of event row `row`, as SQLAlchemy's JSON `as_string()` reads it."""
    if postgres:
        return lambda field: f"{row}.data ->> '{field}'"
    return lambda field: f"json_extract({row}.data, '$.\"{field}\"')"


def _held_on(row: str, postgres: bool) -> str:
    """`facts.held_on` of process row `row`, as text."""
    return f"{row}.facts ->> 'held_on'" if postgres else f"json_extract({row}.facts, '$.\"held_on\"')"


def create_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    new = _data("NEW", postgres)
    e = _data("e", postgres)
    held_on = _held_on("p", postgres)
    if postgres:
        op.execute(f"""
            CREATE OR REPLACE FUNCTION completion_copies_to_step() RETURNS trigger AS $$
            BEGIN
                UPDATE step SET recorded_at = NEW.occurred_at, recorded_actor = NEW.actor,
                    recorded_by = {new("recorded_by")}, meeting_held_on = {new("meeting_held_on")}
                WHERE process_id = NEW.process_id AND {KEY.format(s="step")} = NEW.key;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER completion_copies_to_step AFTER INSERT ON event FOR EACH ROW "
            "WHEN (right(NEW.key, 10) = '/completed') EXECUTE FUNCTION completion_copies_to_step()"
        )
        op.execute(f"""
            CREATE OR REPLACE FUNCTION step_copies_its_completion() RETURNS trigger AS $$
            DECLARE e event%ROWTYPE;
            BEGIN
                SELECT * INTO e FROM event WHERE key = {KEY.format(s="NEW")};
                IF FOUND THEN
                    NEW.recorded_at := e.occurred_at; NEW.recorded_actor := e.actor;
                    NEW.recorded_by := {e("recorded_by")}; NEW.meeting_held_on := {e("meeting_held_on")};
                ELSE
                    NEW.recorded_at := NULL; NEW.recorded_actor := NULL;
                    NEW.recorded_by := NULL; NEW.meeting_held_on := NULL;
                END IF;
                NEW.process_held_on := (SELECT {held_on} FROM process p WHERE p.workflow_id = NEW.process_id);
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER step_copies_its_completion BEFORE INSERT ON step "
            "FOR EACH ROW EXECUTE FUNCTION step_copies_its_completion()"
        )
        op.execute(f"""
            CREATE OR REPLACE FUNCTION process_held_on_to_steps() RETURNS trigger AS $$
            BEGIN
                IF {_held_on("NEW", True)} IS DISTINCT FROM {_held_on("OLD", True)} THEN
                    UPDATE step SET process_held_on = {_held_on("NEW", True)} WHERE process_id = NEW.workflow_id;
                END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute(
            "CREATE TRIGGER process_held_on_to_steps AFTER UPDATE ON process "
            "FOR EACH ROW EXECUTE FUNCTION process_held_on_to_steps()"
        )
    else:
        op.execute(
            "CREATE TRIGGER completion_copies_to_step AFTER INSERT ON event "
            "WHEN substr(NEW.key, -10) = '/completed' BEGIN "
            "UPDATE step SET recorded_at = NEW.occurred_at, recorded_actor = NEW.actor, "
            f"recorded_by = {new('recorded_by')}, meeting_held_on = {new('meeting_held_on')} "
            f"WHERE process_id = NEW.process_id AND {KEY.format(s='step')} = NEW.key; END"
        )
        op.execute(
            "CREATE TRIGGER step_copies_its_completion AFTER INSERT ON step BEGIN "
            "UPDATE step SET (recorded_at, recorded_actor, recorded_by, meeting_held_on) = "
            f"(SELECT e.occurred_at, e.actor, {e('recorded_by')}, {e('meeting_held_on')} "
            f"FROM event e WHERE e.key = {KEY.format(s='NEW')}), "
            f"process_held_on = (SELECT {held_on} FROM process p WHERE p.workflow_id = NEW.process_id) "
            "WHERE id = NEW.id; END"
        )
        op.execute(
            "CREATE TRIGGER process_held_on_to_steps AFTER UPDATE OF facts ON process "
            f"WHEN {_held_on('NEW', False)} IS NOT {_held_on('OLD', False)} BEGIN "
            f"UPDATE step SET process_held_on = {_held_on('NEW', False)} WHERE process_id = NEW.workflow_id; END"
        )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS process_held_on_to_steps ON process")
        op.execute("DROP FUNCTION IF EXISTS process_held_on_to_steps()")
        op.execute("DROP TRIGGER IF EXISTS step_copies_its_completion ON step")
        op.execute("DROP FUNCTION IF EXISTS step_copies_its_completion()")
        op.execute("DROP TRIGGER IF EXISTS completion_copies_to_step ON event")
        op.execute("DROP FUNCTION IF EXISTS completion_copies_to_step()")
    else:
        for name in ("process_held_on_to_steps", "step_copies_its_completion", "completion_copies_to_step"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
