"""With payload keys configured, a fictional pupil's name, date of birth and need, typed into the free-text fields
(an exemption's note, the advice's note), appear nowhere in plain text in what Temporal keeps: the raw history (as
`temporal workflow show --output json` prints it and as the Python client fetches it) and the visibility records
(search attributes, memo, the description), nor sendclock's archive of the closed history. The process still runs
end to end through the codec, on the real dev server, with the worker and the CLI as separate processes, and
`sendclock audit replay` reads the encrypted history with the key (and says plainly that it cannot without it)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import gzip
import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from activities.archive import ArchiveActivities
from audit.converter import data_converter, decode_events
from config.settings import Settings
from starter.binaries import temporal_cli
from starter.client import connect
from statutory.clock import local_date
from tests.devserver.conftest import sendclock
from tests.security.keys import entry
from workflows.models import RunRef

pytestmark = pytest.mark.devserver

NAME = "Amelia Thornbury-Quince"
DOB = "2015-03-14"
NEED = "selective mutism and dyscalculia"
SECRETS = ("Amelia", "Thornbury", "Quince", DOB, "14/03/2015", "mutism", "dyscalculia")
CASE = "EHC-PRIV1"


def leaks(blob: bytes | str) -> list[str]:
    data = blob.encode() if isinstance(blob, str) else blob
    return [s for s in SECRETS if s.lower().encode() in data.lower()]


def leaks_in_json(document: Any) -> list[str]:
    """The secrets found in a JSON document's text or in any of its base64 strings (payload data, decoded)."""
    found = set(leaks(json.dumps(document)))

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) >= 8:
            with contextlib.suppress(binascii.Error, ValueError):
                found.update(leaks(base64.b64decode(value, validate=True)))

    walk(document)
    return sorted(found)


def temporal(address: str, *args: str) -> Any:
    done = subprocess.run(
        [str(temporal_cli()), *args, "--address", address, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return (
        json.loads(done.stdout)
        if done.stdout.strip().startswith(("{", "["))
        else [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    )


async def test_no_name_dob_or_need_in_plain_text(devserver, stack_env, worker_process, tmp_path):
    key = entry("k1")
    env = stack_env | {"SENDCLOCK_SECURITY__PAYLOAD_KEYS": json.dumps([key])}
    address = env["SENDCLOCK_TEMPORAL__ADDRESS"]
    today = local_date(datetime.now(UTC))
    received = today - timedelta(days=3)
    assert sendclock(env, "db", "upgrade").returncode == 0
    worker_process.env = env
    worker_process.start()

    started = sendclock(
        env,
        "advice",
        "start",
        "--case",
        CASE,
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--owner",
        "senco",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    workflow_id = json.loads(started.stdout)["workflow_id"]
    exempt = sendclock(
        env,
        "advice",
        "exempt",
        "--case",
        CASE,
        "--ground",
        "reg8-2-a",
        "--start",
        received.isoformat(),
        "--note",
        f"Fictional test pupil {NAME}, born {DOB} (14/03/2015), needs: {NEED}",
    )
    assert exempt.returncode == 0, exempt.stderr
    sent = sendclock(
        env,
        "advice",
        "sent",
        "--case",
        CASE,
        "--date",
        today.isoformat(),
        "--by",
        "senco",
        "--note",
        f"Advice about {NAME} ({NEED}) sent",
    )
    assert sent.returncode == 0, sent.stderr
    assert "on time" in sent.stdout  # the update's result came back through the codec

    handle = devserver.client.get_workflow_handle(workflow_id)  # a client with no codec: what Temporal holds
    await asyncio.wait_for(_closed(handle), timeout=60)

    # The raw history, as the Python client fetches it and as the Temporal CLI prints it.
    history = await handle.fetch_history()
    assert leaks(b"".join(event.SerializeToString() for event in history.events)) == []
    shown = temporal(address, "workflow", "show", "--workflow-id", workflow_id)
    assert leaks_in_json(shown) == []
    plain = {
        path
        for path, p in _payloads(history.to_json_dict(), "")
        if base64.b64decode(p["metadata"]["encoding"]) != b"binary/encrypted"
    }
    # By design in plain text: the opaque search attributes, and what the SDK itself writes: a local activity
    # marker's bookkeeping (sequence, attempt, activity type, times) and the patch markers with their search
    # attribute (the patch ids). Every activity result (the records and notices) is encrypted.
    by_design = (
        ".searchAttributes.indexedFields.Sendclock",
        ".markerRecordedEventAttributes.details.data.",
        ".markerRecordedEventAttributes.details.patch-data.",
        ".indexedFields.TemporalChangeVersion",
    )
    assert plain and all(any(part in path for part in by_design) for path in plain), plain
    results = [path for path, _ in _payloads(history.to_json_dict(), "") if ".details.result" in path]
    assert results and not [path for path in plain if ".details.result" in path], plain

    # Visibility: the listing (search attributes, memo) and the description.
    listed = await _listed(devserver.client, workflow_id)
    assert listed.search_attributes.get("SendclockCaseRef") == [CASE]  # opaque references stay searchable
    assert leaks(listed.raw_info.SerializeToString()) == []
    assert leaks((await handle.describe()).raw_description.SerializeToString()) == []
    assert leaks_in_json(temporal(address, "workflow", "list", "--query", f'WorkflowId = "{workflow_id}"')) == []
    assert leaks_in_json(temporal(address, "workflow", "describe", "--workflow-id", workflow_id)) == []
    assert leaks(worker_process.log.read_text()) == []

    # Control: decrypted with the key, the history does hold them (so the checks above looked in the right place).
    settings = Settings(var_dir=tmp_path / "var", temporal={"address": address}, security={"payload_keys": [key]})
    decoded = await decode_events(history.to_json_dict()["events"], data_converter(settings))
    assert set(leaks_in_json(decoded)) == set(SECRETS)

    # The archive keeps the history as Temporal holds it, still encrypted, even through a client with the codec.
    archived = await ArchiveActivities(settings, await connect(settings)).archive_run(
        RunRef(workflow_id=workflow_id, run_id=listed.run_id)
    )
    document = json.loads(gzip.decompress(Path(archived.path).read_bytes()))
    assert leaks_in_json(document) == [] and set(
        leaks_in_json(await decode_events(document["events"], data_converter(settings)))
    ) == set(SECRETS)
    # The audit commands read it with the key, and say plainly that they cannot without it.
    audit_env = env | {"SENDCLOCK_VAR_DIR": str(tmp_path / "var")}
    replayed = sendclock(audit_env, "audit", "replay", workflow_id)
    assert replayed.returncode == 0 and "reproduces every recorded decision" in replayed.stdout, replayed.stderr
    no_key = {k: v for k, v in audit_env.items() if k != "SENDCLOCK_SECURITY__PAYLOAD_KEYS"}
    refused = sendclock(no_key, "audit", "replay", workflow_id)
    assert refused.returncode == 2 and "no key is configured" in refused.stderr


async def _closed(handle) -> None:
    from temporalio.client import WorkflowExecutionStatus

    while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await asyncio.sleep(0.2)


async def _listed(client, workflow_id: str):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # visibility is eventually consistent
        async for found in client.list_workflows(f'WorkflowId = "{workflow_id}" AND ExecutionStatus != "Running"'):
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{workflow_id} not listed as closed within 30 s")


def _payloads(value: Any, path: str) -> list[tuple[str, dict]]:
    """(where, payload) for every payload in a history's JSON, list indexes left out of `where`."""
    if isinstance(value, dict):
        if isinstance(value.get("metadata"), dict) and "encoding" in value["metadata"]:
            return [(path, value)]
        return [p for key, item in value.items() for p in _payloads(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for item in value for p in _payloads(item, path)]
    return []
