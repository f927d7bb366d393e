"""The web side's settings are the `[web]` section of config.settings (env SENDCLOCK_WEB__*): among them how long a
session lasts (session_hours, absolute) and how long it may stay idle (session_idle_minutes, default 30), and the
sign-in throttle (sign_in_*; SECURITY.md, "Sign-in and sessions"). This module keeps the session secret: the
configured one, or a random one kept under var/."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from config.settings import WebSettings

__all__ = ["WebSettings", "session_secret"]


def session_secret(web: WebSettings, var_dir: Path) -> str:
    """The configured secret, or one kept in var_dir/web-secret (so sign-ins survive a restart)."""
    if web.session_secret:
        return web.session_secret
    path = Path(var_dir) / "web-secret"
    if path.is_file():
        value = path.read_text().strip()
        if len(value) >= 32:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value)
    return value
