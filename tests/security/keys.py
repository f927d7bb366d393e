"""Fresh payload keys for the security tests (never a key from the repository)."""

from __future__ import annotations

from security.keys import new_key, parse_key


def entry(key_id: str) -> str:
    """A new key as configured: "KEYID:BASE64"."""
    return new_key(key_id)


def pair(key_id: str) -> tuple[str, bytes]:
    """A new key as the codec takes it: (key id, 32 bytes)."""
    return parse_key(new_key(key_id))
