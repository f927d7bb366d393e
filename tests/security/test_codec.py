"""The AES-256-GCM payload codec: round trip, rotation, an unknown key id, tampering."""

from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from security.codec import ENCODING, KEY_ID, DecryptionError, EncryptionCodec, UnknownKeyError
from tests.security.keys import pair

SECRET = "Fictional Pupil, born 2015-03-14, autism spectrum condition"


def plain(text: str = SECRET) -> Payload:
    return pydantic_data_converter.payload_converter.to_payload(text)


async def test_round_trip_hides_the_payload_and_brings_it_back():
    codec = EncryptionCodec([pair("k1")])
    original = plain()
    [encrypted] = await codec.encode([original])
    assert encrypted.metadata["encoding"] == ENCODING and encrypted.metadata[KEY_ID] == b"k1"
    assert b"Fictional" not in encrypted.SerializeToString() and b"json/plain" not in encrypted.SerializeToString()
    assert (await codec.decode([encrypted])) == [original]
    [again] = await codec.encode([original])
    assert again.data != encrypted.data  # a fresh nonce every time


async def test_plain_payloads_pass_through_decode():
    codec = EncryptionCodec([pair("k1")])
    assert await codec.decode([plain()]) == [plain()]


async def test_rotation_newest_encrypts_and_every_key_decrypts():
    old, new = pair("k2025"), pair("k2026")
    [from_old] = await EncryptionCodec([old]).encode([plain("old")])
    rotated = EncryptionCodec([old, new])
    [from_new] = await rotated.encode([plain("new")])
    assert from_new.metadata[KEY_ID] == b"k2026" and rotated.key_id == "k2026"
    assert await rotated.decode([from_old, from_new]) == [plain("old"), plain("new")]
    with pytest.raises(UnknownKeyError, match="'k2026'.*not configured"):
        await EncryptionCodec([old]).decode([from_new])


async def test_an_unknown_key_id_is_a_clear_error():
    [encrypted] = await EncryptionCodec([pair("gone")]).encode([plain()])
    with pytest.raises(UnknownKeyError, match="key id 'gone', which is not configured \\(configured: k1\\)"):
        await EncryptionCodec([pair("k1")]).decode([encrypted])


async def test_tampered_ciphertext_or_key_id_does_not_decrypt():
    key = pair("k1")
    codec = EncryptionCodec([key])
    [encrypted] = await codec.encode([plain()])
    flipped = bytearray(encrypted.data)
    flipped[20] ^= 1
    with pytest.raises(DecryptionError, match="altered"):
        await codec.decode([Payload(metadata=encrypted.metadata, data=bytes(flipped))])
    with pytest.raises(DecryptionError):
        await codec.decode([Payload(metadata=encrypted.metadata, data=encrypted.data[:-1])])
    # The key id is authenticated: the same key under another id does not open it.
    relabelled = EncryptionCodec([("k2", key[1])])
    moved = Payload(metadata={"encoding": ENCODING, KEY_ID: b"k2"}, data=encrypted.data)
    with pytest.raises(DecryptionError):
        await relabelled.decode([moved])
    # Another key under the same id.
    with pytest.raises(DecryptionError, match="not the one that encrypted it"):
        await EncryptionCodec([pair("k1")]).decode([encrypted])


def test_bad_key_configurations_are_refused():
    with pytest.raises(ValueError, match="at least one key"):
        EncryptionCodec([])
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionCodec([("k1", b"short")])
    with pytest.raises(ValueError, match="twice"):
        EncryptionCodec([pair("k1"), pair("k1")])
