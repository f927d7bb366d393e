"""Payload keys come from the settings, never the repository; `sendclock key new`; the embedded default key file."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter

from audit.converter import data_converter as audit_converter
from config.settings import Settings
from security.codec import EncryptionCodec
from security.converter import data_converter
from security.keys import configured_keys, ensure_default_key, parse_key
from starter.cli.format import validation
from tests.security.keys import entry

REPO = Path(__file__).resolve().parents[2]


def test_no_key_means_the_plain_pydantic_converter(tmp_path: Path):
    settings = Settings(var_dir=tmp_path)
    assert data_converter(settings) is pydantic_data_converter
    assert audit_converter(settings) is pydantic_data_converter and audit_converter() is pydantic_data_converter


def test_keys_from_settings_and_env_give_the_codec_everywhere(tmp_path: Path, monkeypatch):
    old, new = entry("k1"), entry("k2")
    monkeypatch.setenv("SENDCLOCK_SECURITY__PAYLOAD_KEYS", f'["{old}", "{new}"]')
    settings = Settings(var_dir=tmp_path)
    assert [k for k, _ in configured_keys(settings)] == ["k1", "k2"]
    converter = data_converter(settings)
    assert isinstance(converter.payload_codec, EncryptionCodec) and converter.payload_codec.key_id == "k2"
    assert converter.payload_converter_class is pydantic_data_converter.payload_converter_class
    assert isinstance(audit_converter(settings).payload_codec, EncryptionCodec)


def test_a_bad_key_is_refused_without_echoing_it(tmp_path: Path):
    secret = base64.b64encode(b"x" * 16).decode()
    with pytest.raises(ValidationError) as err:
        Settings(var_dir=tmp_path, security={"payload_keys": [f"k1:{secret}"]})
    said = validation(err.value)  # what the CLI, the worker's start and `sendclock config check` print
    assert said == "security.payload_keys: Value error, payload key 'k1': 16 bytes; AES-256 needs 32"
    good = entry("k1")
    assert good not in repr(Settings(var_dir=tmp_path, security={"payload_keys": [good]}))
    with pytest.raises(ValueError, match="KEYID:BASE64"):
        parse_key("no-colon")
    with pytest.raises(ValueError, match="not base64"):
        parse_key("k1:%%%")


def test_a_key_file_oldest_first_then_the_settings(tmp_path: Path):
    key_file = tmp_path / "keys"
    key_file.write_text(f"# comment\n{entry('a')}\n\n{entry('b')}\n")
    settings = Settings(var_dir=tmp_path, security={"key_file": key_file, "payload_keys": [entry("c")]})
    assert [k for k, _ in configured_keys(settings)] == ["a", "b", "c"]
    with pytest.raises(ValidationError, match=r"security.key_file\n.*cannot read .*missing \(No such file"):
        Settings(var_dir=tmp_path, security={"key_file": tmp_path / "missing"})
    key_file.write_text("a:not-base64\n")
    with pytest.raises(ValidationError, match="payload key 'a': the part after ':' is not base64"):
        Settings(var_dir=tmp_path, security={"key_file": key_file})


def test_the_embedded_default_key_file(tmp_path: Path):
    settings = Settings(var_dir=tmp_path / "var")
    created = ensure_default_key(settings)
    assert created == tmp_path / "var" / "payload-keys"
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    assert "back this file up" in created.read_text().lower()
    assert ensure_default_key(settings) is None  # never replaced
    assert len(configured_keys(settings)) == 1  # found without being configured
    assert isinstance(data_converter(settings).payload_codec, EncryptionCodec)
    # A school that configures its own keys gets no key file.
    own = Settings(var_dir=tmp_path / "own", security={"payload_keys": [entry("k1")]})
    assert ensure_default_key(own) is None and not (tmp_path / "own").exists()


def sendclock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "sendclock"), *args], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_sendclock_key_new_prints_a_fresh_usable_key():
    first, second = sendclock("key", "new", "--id", "k2026"), sendclock("key", "new")
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    key_id, key = parse_key(first.stdout.strip())
    assert key_id == "k2026" and len(key) == 32
    assert second.stdout.strip().startswith("k20") and parse_key(second.stdout)[1] != key
    assert "Add it LAST" in first.stderr and first.stdout.count("\n") == 1
    bad = sendclock("key", "new", "--id", "has space")
    assert bad.returncode == 2 and "--id:" in bad.stderr


def test_sendclock_key_list_names_ids_never_keys(tmp_path: Path):
    old, new = entry("k1"), entry("k2")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(SENDCLOCK_VAR_DIR=str(tmp_path), SENDCLOCK_SECURITY__PAYLOAD_KEYS=json.dumps([old, new]))
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "sendclock"), "key", "list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0 and listed.stdout.splitlines() == ["k1", "k2  (encrypts)"]


def test_the_security_package_imports_nothing_of_the_project():
    from tests.architecture_graph import reachable, top

    assert not {top(m) for m in reachable("security.converter")} & {
        "config",
        "store",
        "starter",
        "dashboard",
        "workflows",
        "activities",
        "audit",
    }
