"""The codec hook: a history whose payloads went through a codec (as encrypted ones will) is decoded for the
timeline and the replay when the converter carries that codec (audit.converter.data_converter is where it goes)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec

from audit import history, replay, timeline
from audit.converter import decode_events
from tests.audit.conftest import history_path


class ReversingCodec(PayloadCodec):
    """A stand-in for encryption: the payload, serialised and reversed, under encoding binary/encrypted."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [Payload(metadata={"encoding": b"binary/encrypted"}, data=p.SerializeToString()[::-1]) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") == b"binary/encrypted":
                plain = Payload()
                plain.ParseFromString(p.data[::-1])
                out.append(plain)
            else:
                out.append(p)
        return out


async def encode_events(value, codec: PayloadCodec):
    if isinstance(value, dict):
        if isinstance(value.get("metadata"), dict) and "encoding" in value["metadata"]:
            encoded = (await codec.encode([json_format.ParseDict(value, Payload())]))[0]
            return json_format.MessageToDict(encoded)
        return {k: await encode_events(v, codec) for k, v in value.items()}
    if isinstance(value, list):
        return [await encode_events(v, codec) for v in value]
    return value


async def test_an_encoded_history_is_decoded_for_timeline_and_replay():
    codec = ReversingCodec()
    plain = json.loads(history_path("ehc_advice_late").read_text())["events"]
    encrypted = await encode_events(plain, codec)
    assert "binary/encrypted" in json.dumps(encrypted) or "YmluYXJ5L2VuY3J5cHRlZA==" in json.dumps(encrypted)
    converter = dataclasses.replace(pydantic_data_converter, payload_codec=codec)
    decoded = await decode_events(encrypted, converter)
    runs = [history.make_run("ehc-advice-request-EHC-H001-20261122", decoded)]
    t = timeline.build(runs, converter)
    assert t.case_ref == "EHC-H001" and t.steps[0].days_late == 9
    assert (await replay.verdict(runs, converter)).reproduced
