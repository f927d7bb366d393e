"""The data converter every client, worker and audit command uses: pydantic, plus the encryption codec when
payload keys are configured (security.keys). Without keys it is exactly `pydantic_data_converter`.

With keys, failure messages and stack traces are encrypted too (they travel as an encoded payload): an error that
quotes a free-text field must not leave it readable in the history."""

from __future__ import annotations

import dataclasses
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from security.codec import EncryptionCodec
from security.keys import configured_keys


def payload_codec(settings: Any) -> EncryptionCodec | None:
    keys = configured_keys(settings) if settings is not None else []
    return EncryptionCodec(keys) if keys else None


def data_converter(settings: Any) -> DataConverter:
    codec = payload_codec(settings)
    if codec is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
