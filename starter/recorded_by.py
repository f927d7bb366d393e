"""Which account records a change made on the command line (the scheme: workflows/models/common.py, RecordedBy).

`--by` says who did the thing (a staff id from the staff directory); the record also keeps who told sendclock:

    cli:as:NAME   the command was given `--as NAME`, the user name of a dashboard account (it must exist and be
                  enabled: `sendclock user list`)
    cli:os:USER   no `--as`: the operating-system user who ran the command (getpass.getuser())

Both are what the person at the keyboard says (the command line has no sign-in); the dashboard and the API record
the account that signed in (web:NAME, api:NAME).
"""

from __future__ import annotations

import getpass
import os
import re

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")  # a sign-in name (starter/cli/users.py)


def os_account() -> str:
    """cli:os:USER, the operating-system user running this process. Characters a sign-in name cannot have become
    '_' (a Windows DOMAIN\\user); a user the system cannot name is its numeric id."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name and no passwd entry (a container's bare uid)
        user = ""
    user = re.sub(r"[^A-Za-z0-9._@-]", "_", user)
    if not user:
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    elif not user[0].isalnum():
        user = f"u{user}"
    return f"cli:os:{user[:64]}"


def as_account(name: str) -> str:
    """cli:as:NAME for `--as NAME`; ValueError if NAME is not a sign-in name."""
    if not NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a user name (letters, digits, '.', '_', '@', '-'; up to 64)")
    return f"cli:as:{name}"
