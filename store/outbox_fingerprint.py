"""The fingerprint of an outbox row: what `audit verify` compares the outbox with.

The notify activity returns into its workflow's history, with each recipient's delivery, the key, status and
fingerprint of every outbox row that holds the notice at that moment (activities/notifier.py, NoticeOutcome). The
history is the record; the outbox is a table anyone with the database can edit. A row deleted, or whose recipient,
channel, subject or text was changed afterwards, no longer matches what history says was written (audit/verify.py).

The fingerprint covers what a row says and to whom, never how delivery went: the status, attempts, errors and times
change after the activity (a held row is sent when working hours open, a failed row is retried or falls back), and
`audit verify` judges those changes by their own rule. SHA-256 of canonical JSON, so any language can recompute it.

Pure store code: no engine, no Temporal, no web (tests/test_architecture.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

FIELDS = (
    "key",
    "notice_key",
    "process_id",
    "rule_id",
    "kind",
    "recipient",
    "channel",
    "subject",
    "body",
    "fallback_for",
)


def fingerprint(row: Mapping[str, Any] | Any) -> str:
    """SHA-256 (hex) of the row's FIELDS as canonical JSON (sorted keys, no spaces, UTF-8). `row` is an Outbox row or
    a mapping of its columns."""
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name, None)
    values = {name: get(name) for name in FIELDS}
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
