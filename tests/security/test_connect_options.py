"""What starter.client.connect hands to Client.connect, built without connecting: the converter (with the codec
when keys are configured), TLS, mTLS and a Temporal Cloud API key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.client import TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter

from config.settings import Settings
from security.codec import EncryptionCodec
from starter.client import TemporalConfigError, connect_options
from tests.security.keys import entry


def test_the_dev_server_default_is_unchanged(tmp_path: Path):
    options = connect_options(Settings(var_dir=tmp_path))
    assert options == {"namespace": "default", "data_converter": pydantic_data_converter}


def test_payload_keys_add_the_codec(tmp_path: Path):
    options = connect_options(Settings(var_dir=tmp_path, security={"payload_keys": [entry("k1")]}))
    assert isinstance(options["data_converter"].payload_codec, EncryptionCodec)
    assert "tls" not in options


def test_tls_with_the_system_roots_and_an_api_key(tmp_path: Path):
    assert connect_options(Settings(var_dir=tmp_path, temporal={"tls": True}))["tls"] is True
    cloud = connect_options(
        Settings(
            var_dir=tmp_path,
            temporal={
                "address": "school.abc12.tmprl.cloud:7233",
                "namespace": "school.abc12",
                "api_key": "secret-api-key",
            },
        )
    )
    assert cloud["api_key"] == "secret-api-key" and cloud["tls"] is True and cloud["namespace"] == "school.abc12"
    assert "secret-api-key" not in repr(Settings(var_dir=tmp_path, temporal={"api_key": "secret-api-key"}))


def test_mtls_files_are_read_into_the_tls_config(tmp_path: Path):
    for name in ("ca.pem", "client.pem", "client.key"):
        (tmp_path / name).write_bytes(f"-----{name}-----".encode())
    tls = connect_options(
        Settings(
            var_dir=tmp_path,
            temporal={
                "tls_server_root_ca": tmp_path / "ca.pem",
                "tls_client_cert": tmp_path / "client.pem",
                "tls_client_key": tmp_path / "client.key",
                "tls_server_name": "temporal.school.example.org",
            },
        )
    )["tls"]
    assert tls == TLSConfig(
        server_root_ca_cert=b"-----ca.pem-----",
        client_cert=b"-----client.pem-----",
        client_private_key=b"-----client.key-----",
        domain="temporal.school.example.org",
    )
    only_ca = connect_options(Settings(var_dir=tmp_path, temporal={"tls_server_root_ca": tmp_path / "ca.pem"}))
    assert only_ca["tls"] == TLSConfig(server_root_ca_cert=b"-----ca.pem-----")


def test_tls_mistakes_name_the_setting(tmp_path: Path):
    with pytest.raises(ValidationError, match="tls_client_cert and temporal.tls_client_key go together"):
        Settings(var_dir=tmp_path, temporal={"tls_client_cert": tmp_path / "client.pem"})
    with pytest.raises(TemporalConfigError, match=r"temporal.tls_server_root_ca: cannot read .*missing.pem"):
        connect_options(Settings(var_dir=tmp_path, temporal={"tls_server_root_ca": tmp_path / "missing.pem"}))
