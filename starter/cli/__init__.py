"""The `sendclock` command line. Other tools depend on these commands and flags: change them compatibly.

Bad input prints one line naming the field and the reason to stderr and exits 2; an unreachable Temporal or
database exits 1. Nothing is started or written when input is bad.

This package builds the root app from one module per command group; what they share (options, failing, parsing,
settings, the database, Temporal) is starter/cli/common.py, the output formats starter/cli/format.py. The command
modules import from those two, never from this package.
"""

from __future__ import annotations

import os
import sys
import time

import typer

from starter.cli import (
    advice,
    audit,
    config,
    keys,
    listing,
    processes,
    register,
    retention,
    review,
    rules,
    stack,
    termly,
    users,
)
from starter.cli.command_log import command_done, command_path, start_log
from starter.cli.common import temporal_used
from starter.cli.starts import add_start_commands
from starter.var_dir import private_umask

app = typer.Typer(
    help="sendclock: statutory SEND deadlines on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# The top-level commands (rules, deadline, list, up) first, then the groups, in the order `--help` lists them.
app.add_typer(rules.commands)
app.add_typer(listing.commands)
app.add_typer(stack.commands)
app.add_typer(advice.advice_app, name="advice")
app.add_typer(stack.db_app, name="db")
app.add_typer(config.config_app, name="config")
app.add_typer(users.user_app, name="user")
app.add_typer(users.feed_app, name="feed")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(retention.retention_app, name="retention")
app.add_typer(keys.key_app, name="key")
app.add_typer(review.review_app, name="review")
app.add_typer(processes.draft_app, name="draft")
app.add_typer(processes.reassessment_app, name="reassessment")
app.add_typer(processes.step_app, name="step")
app.add_typer(processes.process_app, name="process")
app.add_typer(termly.support_app, name="support")
app.add_typer(termly.pep_app, name="pep")
app.add_typer(termly.duty_app, name="duty")
app.add_typer(register.import_app, name="import")
# Each process kind's `start`, first in its group, built from its start command (starter/cli/starts.py).
add_start_commands(
    app,
    {
        "advice": advice.advice_app,
        "review": review.review_app,
        "draft": processes.draft_app,
        "reassessment": processes.reassessment_app,
        "support": termly.support_app,
        "pep": termly.pep_app,
        "duty": termly.duty_app,
    },
)


def main() -> None:
    private_umask()  # what it writes (databases, keys, exports of case data) is private (starter/var_dir.py)
    path = command_path(typer.main.get_command(app), sys.argv[1:])
    logged = bool(path) and start_log()  # var/log/cli.log: one line per command (starter/cli/command_log.py)
    started = time.monotonic()
    try:
        app(prog_name="sendclock")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    if logged:
        command_done(path, code, time.monotonic() - started)
    if temporal_used():
        # The SDK's core runtime threads can crash the interpreter at shutdown (PyGILState_Release,
        # temporalio/sdk-python#300): with the work done and output flushed, leave without finalizing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


__all__ = ["app", "main"]
