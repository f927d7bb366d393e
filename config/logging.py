"""What sendclock's processes log, and how (issue 22): one call at start-up, the standard library only.

`setup_logging(level, json)` gives the root logger one handler of sendclock's own, on stderr (`sendclock up` sends
each child's stderr to var/log/<name>.log; systemd and containers collect it): a text line a record ("time LEVEL
logger: message key=value ...", the record's `extra` fields at the end), or with `json` one JSON object a line
(`time` in ISO 8601 UTC, `level`, `logger`, `message`, then the `extra` fields; `exception` with a traceback) for a
log shipper. Called again, it replaces its own handler and leaves any other alone (pytest's, uvicorn's).
The settings: `logging.level`, `logging.json` (config/settings.py; SENDCLOCK_LOGGING__LEVEL, SENDCLOCK_LOGGING__JSON).

Callers: the worker (worker.py main), the dashboard (dashboard/app.py create_app, which also gives uvicorn's own
handlers the JSON formatter when `json` is on: `format_as_json`), and the CLI (`sendclock`, starter/cli).

What must never be in a log line is each caller's duty (activities/notifier.py, dashboard/request_log.py): no
address, URL, name, case reference or pupil detail. Libraries that would write them are held back here, whatever
the level (`QUIET`: their loggers stay at WARNING): httpx logs every request's URL at INFO (the dashboard's Temporal
UI proxy: workflow ids, so case references), httpcore and urllib3 log hosts and URLs (a Teams webhook's signature)
at DEBUG, and apprise logs the recipient of each message it sends ("Sent Email to <address>") and names addresses
and hosts in its warnings. apprise's records never reach the log at all (`KEPT_OUT`); they are still made from
WARNING up, as apprise keeps them for each call and the outbox row stores them as the channel's error
(activities/channels.py), which is where they belong.
"""

from __future__ import annotations

import json as jsonlib
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
KEPT_OUT = ("apprise",)  # loggers (and their children) whose records never reach sendclock's log
QUIET = ("apprise", "httpx", "httpcore", "urllib3")  # kept at WARNING: they write URLs, hosts, addresses
# A LogRecord's own attributes: anything else on a record came from `extra`. uvicorn adds "color_message" (the
# message again, with terminal colours); Python 3.12 adds "taskName".
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record was given with `extra=`."""
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD and not key.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object a record, on one line: time (ISO 8601 UTC, milliseconds), level, logger, message, then the
    record's `extra` fields (one named like the four is dropped), and `exception` / `stack` when there are. ASCII
    only: a message's line or paragraph separators are escaped, so a line is always one record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return jsonlib.dumps(entry, ensure_ascii=True, default=str)


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, the record's `extra` fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = extra_fields(record)
        return line + "".join(f" {key}={value}" for key, value in fields.items()) if fields else line


class KeepOut(logging.Filter):
    """Drops the records of the named loggers and their children."""

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__()
        self.names = tuple(names)

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == name or record.name.startswith(name + ".") for name in self.names)


class StderrHandler(logging.StreamHandler[TextIO]):
    """sendclock's handler: writes to sys.stderr as it is when each record is written (a test may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:  # StreamHandler sets it; the property always reads sys.stderr
        pass


class FileLogHandler(logging.FileHandler):
    """sendclock's handler when a process logs to a file of its own (the CLI: its terminal is for the user)."""


def setup_logging(level: str = "INFO", json: bool = False, to: Path | None = None) -> None:
    """Log records of `level` and above (DEBUG, INFO, WARNING, ERROR, CRITICAL; any case) to stderr, or appended to
    the file `to`, as text lines or, with `json`, one JSON object a line. Safe to call again (its own handler is
    replaced)."""
    name = str(level).upper()
    if name not in LEVELS:
        raise ValueError(f"logging level {level!r}: use one of {', '.join(LEVELS)}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, (StderrHandler, FileLogHandler))]:
        root.removeHandler(old)
        old.close()
    handler: logging.Handler
    if to is None:
        handler = StderrHandler()
    else:
        to.parent.mkdir(parents=True, exist_ok=True)
        handler = FileLogHandler(to, encoding="utf-8")
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    handler.addFilter(KeepOut(KEPT_OUT))
    root.addHandler(handler)
    root.setLevel(name)
    for quiet in QUIET:  # see the module docstring
        logging.getLogger(quiet).setLevel(logging.WARNING)


def format_as_json(*loggers: str) -> None:
    """Give the handlers of these loggers the JSON formatter: for loggers that write through handlers of their own
    rather than the root's (uvicorn's), so that a JSON log is JSON throughout."""
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(JsonFormatter())
