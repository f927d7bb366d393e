"""The audit commands read encrypted histories with the configured key, and refuse them in plain words without it
(or with the wrong one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit import history, replay, timeline
from audit.converter import EncryptedHistoryError, data_converter, decode_events
from config.settings import Settings
from security.codec import EncryptionCodec
from security.keys import parse_key
from tests.audit.conftest import history_path
from tests.audit.test_codec_hook import encode_events
from tests.security.keys import entry

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_ID = "ehc-advice-request-EHC-H001-20261122"


@pytest.fixture(scope="module")
def key() -> str:
    return entry("k1")


@pytest.fixture(scope="module")
async def encrypted(key: str) -> list[dict]:
    plain = json.loads(history_path("ehc_advice_late").read_text())["events"]
    return await encode_events(plain, EncryptionCodec([parse_key(key)]))


def settings(tmp_path: Path, *keys: str) -> Settings:
    return Settings(var_dir=tmp_path, security={"payload_keys": list(keys)})


async def test_with_the_key_the_timeline_and_replay_come_back(encrypted, key, tmp_path: Path):
    assert "EHC-H001" not in json.dumps([e for e in encrypted if "activityTaskScheduledEventAttributes" in e])
    converter = data_converter(settings(tmp_path, entry("k0"), key))  # a rotated set still reads it
    runs = [history.make_run(WORKFLOW_ID, await decode_events(encrypted, converter))]
    t = timeline.build(runs, converter)
    assert t.case_ref == "EHC-H001" and t.steps[0].days_late == 9
    assert (await replay.verdict(runs, converter)).reproduced


async def test_without_a_key_or_with_another_one_it_says_so(encrypted, tmp_path: Path):
    with pytest.raises(
        EncryptedHistoryError, match="encrypted \\(encoding binary/encrypted\\) and no key is configured"
    ):
        await decode_events(encrypted, data_converter(settings(tmp_path)))
    with pytest.raises(
        EncryptedHistoryError, match="cannot decrypt this history: .*key id 'k1', which is not configured"
    ):
        await decode_events(encrypted, data_converter(settings(tmp_path, entry("k2"))))


def test_the_cli_replays_an_encrypted_file_only_with_its_key(encrypted, key, tmp_path: Path):
    document = json.loads(history_path("ehc_advice_late").read_text()) | {"events": encrypted}
    path = tmp_path / "encrypted.json"
    path.write_text(json.dumps(document))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(SENDCLOCK_VAR_DIR=str(tmp_path / "var"), SENDCLOCK_TEMPORAL__ADDRESS="127.0.0.1:1")
    cli = [str(Path(sys.executable).parent / "sendclock"), "audit", "replay", str(path)]
    refused = subprocess.run(cli, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "no key is configured" in refused.stderr and "Traceback" not in refused.stderr
    env["SENDCLOCK_SECURITY__PAYLOAD_KEYS"] = json.dumps([key])
    done = subprocess.run(cli, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "reproduces every recorded decision" in done.stdout and "late by 9 days" in done.stdout
