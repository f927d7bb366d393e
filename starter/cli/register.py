"""`sendclock import register FILE.csv`: the SEN register, exported from the MIS, read into sendclock at once
(commands/register.py; docs/register.md).

It prints what it read, then each action and what became of it, then what was done; `--dry-run` prints what it would
do and changes nothing. Exit codes: 0 done (or nothing to do); 1 rows with problems (each printed as "Line 4,
plan_date: ...", nothing imported), an action that failed, or Temporal or the database unreachable; 2 the file
refused as a whole (a column of personal data, a missing column, not CSV text) or a bad flag: one line, "sendclock:
FILE: " and the reason. Of a row, only its case reference is printed, and what the plan's sentences say.

With several schools (`schools.<id>`), --school says whose register it is: the import runs with that school's settings
(its staff, calendar, designated teacher) and compares the file with that school's open processes only, so it never
ends another school's.

`register` and `commands.register` are imported inside the command: every other command runs without them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from starter.cli.common import (
    AsOption,
    SchoolOption,
    checked,
    context,
    db_session,
    fail,
    load_school_settings,
    recording_account,
    run_async,
)

import_app = typer.Typer(
    help="Import what the school already holds: the SEN register from the MIS.", no_args_is_help=True
)

EXIT_PROBLEMS = 1  # rows with problems, or an action that failed (the file itself was fine)
FLAGS = {"by": "--by", "recorded_by": "--as"}


def _data(file: str) -> bytes:
    from commands.register import MAX_BYTES

    try:
        if file == "-":
            return sys.stdin.buffer.read(MAX_BYTES + 1)
        with Path(file).open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        fail(f"FILE: no such file: {file}")
    except OSError as err:
        fail(f"FILE: cannot read {file}: {err.strerror or err}")


def _problem_json(problem: Any) -> dict[str, Any]:
    return {"line": problem.line, "field": problem.field, "column": problem.column, "reason": problem.reason}


def _plan_json(planned: Any) -> dict[str, Any]:
    rows = planned.register.rows
    return {
        "read": {
            "pupils": len(rows),
            "K": sum(1 for r in rows if r.sen_code == "K"),
            "E": sum(1 for r in rows if r.sen_code == "E"),
            "N": sum(1 for r in rows if r.sen_code == "N"),
            "looked_after": sum(1 for r in rows if r.looked_after is True),
        },
        "summary": planned.summary(),
        "problems": [_problem_json(p) for p in planned.problems],
        "skipped_lines": list(planned.bad_lines) if planned.skip_bad else [],
        "ignored_columns": list(planned.register.ignored_columns),
        "absent": len(planned.absent),
    }


def _action_json(step: Any, outcome: Any = None) -> dict[str, Any]:
    found = {"line": step.action.line, "case": step.action.case_ref, "do": step.action.do}
    found |= {"reason": step.action.reason, "sentence": step.sentence}
    if outcome is not None:
        found |= {"result": outcome.result, "why": outcome.reason or None, "workflow_ids": list(outcome.workflow_ids)}
    return found


@import_app.command("register")
def import_register(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="The SEN register as a CSV file (docs/register-template.csv); - reads stdin."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what the import would do, and change nothing.")
    ] = False,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Import the good rows, and list the rows with problems skipped.")
    ] = False,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Staff id of who ends a process the register says is over (default: the SENCO)."),
    ] = None,
    as_: AsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    school: SchoolOption = None,
) -> None:
    """Import the SEN register: start the SEN support reviews (K), the annual reviews of EHC plans (E) and the PEP
    reviews (looked after) that are not running yet, and end those the register says are over. Every row is checked
    first: nothing is imported while one has a problem (unless --skip-bad). Safe to repeat."""
    from commands import register as importing
    from commands.base import Actor
    from register import RegisterRefused

    settings = load_school_settings(school)
    ctx = context(settings)
    data = _data(file)
    try:
        register = importing.read(ctx, data)
    except RegisterRefused as err:  # bad input: one line naming the argument, exit 2 (starter/cli/__init__.py)
        fail(f"FILE: {err.reason}")
    with db_session(settings) as session:
        cases = importing.open_cases(session, settings.school_id)  # this school's open processes only
    actor = Actor(by or settings.reminders.escalate_to, None if dry_run else recording_account(settings, as_))
    planned = checked(FLAGS, lambda: importing.plan(ctx, register, cases, actor, skip_bad=skip_bad))

    if planned.blocked:
        if as_json:
            typer.echo(json.dumps(_plan_json(planned) | {"imported": False}, indent=2))
        else:
            for line in planned.summary():
                typer.echo(line)
            for problem in planned.problems:
                typer.echo(str(problem), err=True)
            rows = "row" if len(planned.bad_lines) == 1 else "rows"
            typer.echo(
                f"Nothing was imported: correct the {rows} above and import the file again (or --skip-bad to import "
                "the good rows only).",
                err=True,
            )
        raise typer.Exit(EXIT_PROBLEMS)

    if not as_json:
        for line in planned.summary():
            typer.echo(line)
        if planned.skip_bad and planned.problems:
            typer.echo("Skipped:")
            for problem in planned.problems:
                typer.echo(f"  {problem}")
    if dry_run:
        if as_json:
            found = _plan_json(planned) | {"dry_run": True, "actions": [_action_json(s) for s in planned.steps]}
            typer.echo(json.dumps(found | {"would": planned.would()}, indent=2))
            return
        if planned.steps:
            typer.echo("What the import would do:")
        for step in planned.steps:
            typer.echo(f"  {step.sentence}")
        typer.echo(f"{planned.would()} Nothing has been started or ended (a dry run).")
        return

    if not planned.steps:
        if as_json:
            typer.echo(json.dumps(_plan_json(planned) | {"dry_run": False, "actions": [], "done": planned.would()}))
        else:
            typer.echo(planned.would())
        return
    result = run_async(lambda: importing.apply(ctx, planned), FLAGS)
    if as_json:
        found = _plan_json(planned) | {
            "dry_run": False,
            "actions": [_action_json(s, o) for s, o in zip(planned.steps, result.outcomes, strict=True)],
            "done": result.summary(),
        }
        typer.echo(json.dumps(found, indent=2))
    else:
        for outcome in result.outcomes:
            typer.echo(f"  {outcome.sentence()}")
        typer.echo(result.summary())
    if result.failed:
        raise typer.Exit(EXIT_PROBLEMS)
