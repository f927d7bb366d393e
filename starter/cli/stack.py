"""`sendclock up` (the embedded stack: Temporal dev server, worker, dashboard) and `sendclock db upgrade`."""

from __future__ import annotations

import typer

from starter.cli.common import load_settings

# `up` is a top-level command: starter/cli/__init__.py merges it into the root app, and adds `db` as a group.
commands = typer.Typer()
db_app = typer.Typer(help="The sendclock database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (the embedded stack does this on start)."""
    from store.migrate import upgrade

    settings = load_settings()
    upgrade(settings.resolved_database_url)
    typer.echo(f"Database at {settings.resolved_database_url} is up to date.")


@commands.command("up")
def up_command() -> None:
    """Run the embedded stack: Temporal dev server (SQLite under var/), worker and dashboard. Ctrl-C stops it."""
    from starter.stack import run_stack

    raise typer.Exit(run_stack(load_settings()))
