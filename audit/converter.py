"""The data converter the audit commands decode and replay with: the same one the clients and the worker use.

`data_converter(settings)` is the pydantic converter with the payload encryption codec when keys are configured
(security/converter.py), so every audit command (timeline, replay, verify, report) decodes encrypted histories
through it. A history whose payloads are encrypted while no key is configured is refused with a plain message
(EncryptedHistoryError), never an obscure failure; a payload under a key id that is not configured, or one that
does not decrypt, is refused the same way.
"""

from __future__ import annotations

import base64
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

# Encodings the plain converter reads; anything else (e.g. "binary/encrypted") needs the codec.
PLAIN_ENCODINGS = {"json/plain", "binary/null", "binary/plain", "json/protobuf", "binary/protobuf"}


class EncryptedHistoryError(Exception):
    """The history's payloads are encrypted and no key is configured to decode them."""


def data_converter(settings: Any = None) -> DataConverter:
    """The converter (and codec, when keys are configured in `settings`) for decoding and replaying histories."""
    if settings is None:
        return pydantic_data_converter
    from security.converter import data_converter as configured

    return configured(settings)


def payload_encodings(events: list[dict[str, Any]]) -> set[str]:
    """Every payload encoding used anywhere in these history events."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            metadata = value.get("metadata")
            encoding = metadata.get("encoding") if isinstance(metadata, dict) else None
            if isinstance(encoding, str):
                try:
                    found.add(base64.b64decode(encoding).decode())
                except (ValueError, UnicodeDecodeError):
                    found.add("?")
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(events)
    return found


async def decode_events(events: list[dict[str, Any]], converter: DataConverter) -> list[dict[str, Any]]:
    """The events with every payload passed through the converter's codec (a copy; unchanged without a codec).
    Raises EncryptedHistoryError when a payload needs a codec that is not configured."""
    unknown = payload_encodings(events) - PLAIN_ENCODINGS
    codec = converter.payload_codec
    if codec is None:
        if unknown:
            raise EncryptedHistoryError(
                f"this history's payloads are encrypted (encoding {', '.join(sorted(unknown))}) and no key is "
                "configured to decode them: configure the payload key (see docs/auditing.md) and run again"
            )
        return events
    from google.protobuf import json_format

    async def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if isinstance(value.get("metadata"), dict) and "encoding" in value["metadata"]:
                payload = json_format.ParseDict(value, Payload())
                try:
                    decoded = (await codec.decode([payload]))[0]
                except ValueError as err:  # security.codec: UnknownKeyError, DecryptionError
                    raise EncryptedHistoryError(f"cannot decrypt this history: {err}") from None
                return json_format.MessageToDict(decoded)
            return {k: await walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [await walk(v) for v in value]
        return value

    return await walk(events)


def decode_payload(payload: dict[str, Any], type_hint: type | None, converter: DataConverter) -> Any:
    """One (already codec-decoded) payload from history JSON, as `type_hint`."""
    from google.protobuf import json_format

    message = json_format.ParseDict(payload, Payload())
    if type_hint is None:  # from_payload's overloads take a type, or none: not `type | None`
        return converter.payload_converter.from_payload(message)
    return converter.payload_converter.from_payload(message, type_hint)
