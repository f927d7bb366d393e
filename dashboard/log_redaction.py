"""Secrets never reach the dashboard's logs.

uvicorn's access log writes every request line, query string included: a calendar polling its feed wrote the feed's
secret token (`GET /feeds/<token>.ics`) to var/log/dashboard.log on every poll. `install()` (called by create_app,
so it holds however the dashboard is run) puts RedactSecrets on uvicorn's loggers: a feed path becomes
`/feeds/<redacted>.ics` (also percent-encoded, e.g. in `?next=`), and the value of any query parameter whose name
says it is secret (token, key, secret, password, session, code, ...) becomes `<redacted>`. API keys, passwords and
session ids travel in headers and bodies, which uvicorn does not log.
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")
_FEED = re.compile(r"(/|%2F)feeds(/|%2F)([^?#&\s\"']*)", re.I)
_SECRET_PARAM = re.compile(
    r"((?:^|[?&;])[^=&;\s\"']*(?:token|key|secret|password|passwd|pwd|session|sid|code|auth|signature|sig|csrf)"
    r"[^=&;\s\"']*=)[^&;#\s\"']*",
    re.I,
)


def _feed(match: re.Match[str]) -> str:
    rest = match.group(3)
    suffix = ".ics" if rest.lower().endswith(".ics") else ""
    return f"{match.group(1)}feeds{match.group(2)}{REDACTED}{suffix}"


def redact(text: str) -> str:
    """`text` with feed tokens and secret query values replaced by <redacted>."""
    text = _FEED.sub(_feed, text)
    query = text.find("?")
    if query < 0:
        return text
    return text[:query] + _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text[query:])


class RedactSecrets(logging.Filter):
    """Redacts the string arguments and the message of every record (uvicorn's access formatter reads the
    arguments one by one, so they keep their places)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Put RedactSecrets on uvicorn's loggers (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
