"""AES-256-GCM payload encryption, after temporalio/samples-python `encryption/codec.py`.

Each encrypted payload is `nonce (12 bytes) + ciphertext + tag` of the whole serialised plain payload, with
metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`. The key id is also the GCM associated data,
so a payload relabelled with another key id fails to decrypt. The newest key encrypts; every configured key
decrypts, so a key can be rotated without losing old histories. Payloads that are not encrypted pass through
`decode` unchanged (histories written before encryption was switched on stay readable).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
KEY_BYTES = 32


class UnknownKeyError(ValueError):
    """A payload was encrypted with a key id that is not configured."""


class DecryptionError(ValueError):
    """A payload does not decrypt with its key: tampered with, truncated, or a different key under the same id."""


class EncryptionCodec(PayloadCodec):
    """`keys` is [(key_id, 32-byte key), ...], oldest first: the last one encrypts, all of them decrypt."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        super().__init__()
        if not keys:
            raise ValueError("EncryptionCodec needs at least one key")
        self._ciphers: dict[str, AESGCM] = {}
        for key_id, key in keys:
            if not key_id or len(key) != KEY_BYTES:
                raise ValueError(f"payload key {key_id!r}: need a non-empty id and {KEY_BYTES} bytes (AES-256)")
            if key_id in self._ciphers:
                raise ValueError(f"payload key id {key_id!r} is configured twice")
            self._ciphers[key_id] = AESGCM(key)
        self.key_id = keys[-1][0]

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher, key_id = self._ciphers[self.key_id], self.key_id.encode()
        out = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), key_id)
            out.append(Payload(metadata={"encoding": ENCODING, KEY_ID: key_id}, data=data))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode_one(p) for p in payloads]

    def _decode_one(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyError(
                f"payload encrypted with key id {key_id!r}, which is not configured (configured: "
                f"{', '.join(self._ciphers)}): add that key to security.payload_keys or the key file"
            )
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise DecryptionError(
                f"payload under key id {key_id!r} does not decrypt: it was altered, or the key "
                "configured under that id is not the one that encrypted it"
            ) from None
        return Payload.FromString(plain)
