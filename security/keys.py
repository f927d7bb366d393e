"""Payload keys: parsed from the settings (security.payload_keys, security.key_file, or <var_dir>/payload-keys),
never from the repository. A key is written "KEYID:base64", KEYID letters, digits, '.', '_' or '-'."""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

KEY_BYTES = 32
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
DEFAULT_KEY_FILE = "payload-keys"


class BadKey(ValueError):
    """A key entry that cannot be used (the message never contains the key itself)."""


def parse_key(entry: str) -> tuple[str, bytes]:
    key_id, sep, encoded = entry.strip().partition(":")
    if not sep or not KEY_ID.fullmatch(key_id):
        raise BadKey(
            "payload key: write it as KEYID:BASE64 (KEYID of letters, digits, '.', '_', '-'); "
            "`sendclock key new` prints one"
        )
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadKey(f"payload key {key_id!r}: the part after ':' is not base64") from None
    if len(key) != KEY_BYTES:
        raise BadKey(f"payload key {key_id!r}: {len(key)} bytes; AES-256 needs {KEY_BYTES}")
    return key_id, key


def read_key_file(path: Path) -> list[tuple[str, bytes]]:
    """One key a line, oldest first; blank lines and '#' comments ignored."""
    found = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            found.append(parse_key(line))
    return found


def default_key_file(settings: Any) -> Path:
    return Path(settings.var_dir) / DEFAULT_KEY_FILE


def configured_keys(settings: Any) -> list[tuple[str, bytes]]:
    """Every configured key, oldest first: the key file's, then security.payload_keys (the last one encrypts)."""
    security = getattr(settings, "security", None)
    if security is None:
        return []
    key_file = security.key_file
    if key_file is None and default_key_file(settings).is_file():
        key_file = default_key_file(settings)
    keys = read_key_file(key_file) if key_file is not None else []
    keys += [parse_key(entry.get_secret_value()) for entry in security.payload_keys]
    return keys


def new_key(key_id: str | None = None) -> str:
    """A fresh key entry, "KEYID:base64" (the id defaults to k<UTC date and time>, so newer ids sort later)."""
    key_id = key_id or datetime.now(UTC).strftime("k%Y%m%dT%H%M%S")
    if not KEY_ID.fullmatch(key_id):
        raise BadKey(f"key id {key_id!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def ensure_key_file(path: Path) -> bool:
    """Create `path` (mode 0600) holding one new key, unless it exists. True if it was created."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# sendclock payload keys (security/keys.py), oldest first: the last one encrypts, all decrypt.\n"
        "# Back this file up apart from the databases: without it, encrypted histories cannot be read.\n"
        f"{new_key()}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return True


def ensure_default_key(settings: Any) -> Path | None:
    """For the embedded stack: with no key configured, create <var_dir>/payload-keys. The path if it was created."""
    security = getattr(settings, "security", None)
    if security is None or security.payload_keys or security.key_file is not None:
        return None
    path = default_key_file(settings)
    return path if ensure_key_file(path) else None
