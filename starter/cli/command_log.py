"""The CLI's own log (issue 22): one line per command, appended to var/log/cli.log beside the worker's and the
dashboard's logs (the terminal is the user's). The command's name only ("review meeting"): never its arguments,
which carry case references, dates and sign-in names. Written only where sendclock runs (var/log/ exists: `sendclock
up` makes it for the worker's and the dashboard's logs), so `sendclock rules` in any directory, or an auditor's
`sendclock audit check-bundle`, leaves nothing behind; the records of what a command runs (alembic, the
notifier) go to the same file, at the level of the settings (config/logging.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

log = logging.getLogger("starter.cli")


def command_path(root: Any, argv: Sequence[str]) -> str:
    """The names of the command and its groups in `argv` ("review meeting"), without options or arguments. `root`
    is the app's command (typer.main.get_command): a group has `commands`, by name."""
    names: list[str] = []
    current = root
    for token in argv:
        commands = getattr(current, "commands", None)
        if not isinstance(commands, dict) or token.startswith("-"):
            break
        found = commands.get(token)
        if found is None:
            break
        names.append(token)
        current = found
    return " ".join(names)


def start_log() -> bool:
    """Send this process's log to var/log/cli.log, if the settings load and var/log/ exists; False otherwise."""
    try:
        from config.settings import get_settings

        settings = get_settings()
    except Exception:  # the command itself says what is wrong with the configuration
        return False
    logs = settings.var_dir / "log"
    if not logs.is_dir():
        return False
    from config.logging import setup_logging

    setup_logging(settings.logging.level, settings.logging.json_lines, to=logs / "cli.log")
    return True


def command_done(path: str, exit_code: int, seconds: float) -> None:
    log.info(
        "command %s exited %d",
        path or "sendclock",
        exit_code,
        extra={"command": path, "exit_code": exit_code, "duration_ms": round(seconds * 1000)},
    )
