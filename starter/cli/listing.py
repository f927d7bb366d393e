"""`sendclock list`: one line per open statutory step, overdue first (processes stopped outside sendclock first), of
one school (--school, when the deployment has several: never every school's at once)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

import starter.cli.format as out
from starter.cli.common import SchoolOption, clock, db_session, fail, load_settings, school_settings

# A top-level command: starter/cli/__init__.py merges it into the root app.
commands = typer.Typer()


@commands.command("list")
def list_command(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only steps past their statutory date.")] = False,
    due_within: Annotated[
        int | None, typer.Option("--due-within", min=0, max=3650, help="Only steps due in the next N days.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    school: SchoolOption = None,
) -> None:
    """One line per open statutory step of the school, overdue first."""
    from store.queries import open_steps
    from store.reconcile import stopped_processes

    if overdue and due_within is not None:
        fail("--due-within: cannot be used with --overdue (overdue steps are past their due date already)")
    deployment = load_settings()
    settings = school_settings(deployment, school)
    today = clock(settings).today()
    with db_session(settings) as session:
        steps = open_steps(session, today, overdue_only=overdue, due_within=due_within, school=settings.school_id)
        stopped = [s for s in stopped_processes(session) if s.process.school == settings.school_id]
    if as_json:
        typer.echo(json.dumps([out.step_json(s) for s in steps], indent=2))
        return
    for line in out.stopped_lines(stopped, settings.school_id if deployment.several_schools else None):
        typer.echo(line)
    if not steps:
        typer.echo("No open statutory steps" + (" overdue." if overdue else "."))
    else:
        for step in steps:
            typer.echo(out.step_line(step, settings))
