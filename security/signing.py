"""The school's signing key (Ed25519): it signs evidence bundles (audit/bundle.py) so that anyone can check, without
sendclock's database, Temporal or any secret, that a bundle is unchanged since the school made it.

The private key lives in a PEM file, mode 0600: `<var_dir>/signing-key` unless the environment variable
the setting `security.signing_key_file` (env SENDCLOCK_SECURITY__SIGNING_KEY_FILE)
names another file, e.g. one a secret store mounts. `sendclock key new --signing` makes it. Its first lines are
comments naming its id; the rest is a PKCS#8 PEM block, which any tool reads.

The public key is shared as base64 of its raw 32 bytes, and compared by people as a fingerprint: the first 16 hex
digits of the SHA-256 of those bytes, in groups of four ("1a2b 3c4d 5e6f 7a8b"). A signature proves only that the
signed bytes are unchanged since whoever holds the private key signed them: which key is the school's is settled by
comparing the fingerprint with the one the school publishes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DEFAULT_FILE = "signing-key"
FILE_ENV = "SENDCLOCK_SECURITY__SIGNING_KEY_FILE"
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
PUBLIC_BYTES = 32
SIGNATURE_BYTES = 64
_ID_LINE = re.compile(r"^# key id: (\S+)\s*$", re.MULTILINE)


class SigningKeyError(ValueError):
    """A signing key (or public key) that cannot be used; the message never contains the private key."""


def fingerprint(public_raw: bytes) -> str:
    """The first 16 hex digits of SHA-256 of the raw public key, in groups of four, for people to compare."""
    digest = hashlib.sha256(public_raw).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def pem(self) -> str:
        """The key as written to its file: comment lines (id, fingerprint), then the PKCS#8 PEM block."""
        block = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return (
            f"# sendclock signing key (Ed25519): it signs evidence bundles. Keep it secret; back it up.\n"
            f"# key id: {self.key_id}\n# public key fingerprint: {self.fingerprint}\n{block}"
        )


def new_signing_key(key_id: str | None = None) -> SigningKey:
    """A fresh key; the id defaults to s<UTC date and time>."""
    key_id = key_id or datetime.now(UTC).strftime("s%Y%m%dT%H%M%S")
    if not KEY_ID.fullmatch(key_id):
        raise SigningKeyError(f"key id {key_id!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return SigningKey(key_id, Ed25519PrivateKey.generate())


def parse_pem(text: str, where: str = "the signing key") -> SigningKey:
    try:
        private = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(f"{where} is not an unencrypted PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(f"{where} is not an Ed25519 key")
    found = _ID_LINE.search(text)
    return SigningKey(found.group(1) if found else "signing-key", private)


def key_path(settings: Any) -> Path:
    """Where the signing key is: the configured file, else <var_dir>/signing-key."""
    configured = getattr(getattr(settings, "security", None), "signing_key_file", None)
    return Path(configured) if configured else Path(settings.var_dir) / DEFAULT_FILE


def load_file(path: Path) -> SigningKey:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SigningKeyError(f"{path} is not a PEM file") from None
    return parse_pem(text, str(path))


def load(settings: Any) -> SigningKey | None:
    """The school's signing key, or None when there is none. Raises SigningKeyError (or OSError) if it is there
    but cannot be read."""
    path = key_path(settings)
    if not path.exists():
        return None
    return load_file(path)


def write_new(path: Path, key: SigningKey) -> None:
    """Write `key` to `path` (mode 0600, its directory made 0700 if missing); never over an existing file
    (FileExistsError)."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key.pem())


def parse_public_key(text: str, where: str = "the public key") -> bytes:
    """Raw 32 bytes from base64 text (surrounding blank space ignored)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyError(f"{where} is not base64") from None
    if len(raw) != PUBLIC_BYTES:
        raise SigningKeyError(f"{where} is {len(raw)} bytes; an Ed25519 public key is {PUBLIC_BYTES}")
    return raw


def verify(public_raw: bytes, data: bytes, signature: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of exactly `data` by the key `public_raw`."""
    if len(signature) != SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
