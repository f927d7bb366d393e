"""Temporal Cloud's API-key path, end to end: the worker and the CLI, separate processes configured only through
SENDCLOCK_TEMPORAL__* variables, reach a real dev server through a front that demands TLS and the API key on every
request (tests/devserver/cloud_front.py), as a school on Temporal Cloud runs them. Without the key, or with a wrong
one, the CLI fails with the server's answer and a non-zero exit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from config.settings import Settings
from starter.client import connect
from statutory.clock import local_date
from tests.devserver.cloud_front import SERVER_NAME, UNAUTHORIZED, CloudFront, cloud_env
from tests.devserver.conftest import WorkerProcess, sendclock

pytestmark = pytest.mark.devserver

API_KEY = "test-api-key-0123456789"  # fictional


@pytest.fixture
def front(devserver) -> Iterator[CloudFront]:
    front = CloudFront(devserver.client.service_client.config.target_host, API_KEY).start()
    yield front
    front.stop()


def test_worker_and_cli_run_a_process_with_the_api_key(front, stack_env, tmp_path):
    env = cloud_env(stack_env, front, tmp_path, API_KEY)
    assert sendclock(env, "db", "upgrade").returncode == 0
    worker = WorkerProcess(env, tmp_path / "worker.log")
    worker.start()
    try:
        received = local_date(datetime.now(UTC)) - timedelta(days=2)
        started = sendclock(
            env,
            "advice",
            "start",
            "--case",
            "EHC-C001",
            "--la",
            "Kent",
            "--received",
            received.isoformat(),
            "--owner",
            "senco",
            "--json",
        )
        assert started.returncode == 0, started.stderr
        state = json.loads(started.stdout)
        assert state["created"] is True and state["due"] == (received + timedelta(weeks=6)).isoformat()
        assert "EHC-C001" in sendclock(env, "list").stdout
    finally:
        worker.stop()
    assert "Traceback" not in (tmp_path / "worker.log").read_text()
    paths = {seen.path.rsplit("/", 1)[-1] for seen in front.seen}
    # The worker's polls and completions and the CLI's start all went through the front, every one with the key.
    assert {"PollWorkflowTaskQueue", "RespondWorkflowTaskCompleted", "ExecuteMultiOperation"} <= paths, paths
    assert all(seen.authorized for seen in front.seen)


@pytest.mark.parametrize("api_key", [None, "a-revoked-key"], ids=["no key", "wrong key"])
def test_without_the_right_key_the_cli_fails_clearly(front, stack_env, tmp_path, api_key):
    env = cloud_env(stack_env, front, tmp_path, api_key)
    assert sendclock(env, "db", "upgrade").returncode == 0
    started = sendclock(
        env, "advice", "start", "--case", "EHC-C002", "--la", "Kent", "--received", "2026-11-02", "--owner", "senco"
    )
    assert started.returncode == 1 and "Traceback" not in started.stderr, started.stderr
    assert started.stderr.startswith("sendclock: Temporal at ") and "refused this client (" in started.stderr
    assert UNAUTHORIZED in started.stderr
    assert "SENDCLOCK_TEMPORAL__API_KEY" in started.stderr and (api_key or API_KEY) not in started.stderr
    assert front.seen and not any(seen.authorized for seen in front.seen)


async def test_the_client_sends_the_key_on_every_call(front, tmp_path):
    front.ca.cert_pem.write_to_path(str(tmp_path / "cloud-ca.pem"))
    settings = Settings(
        var_dir=tmp_path,
        temporal={
            "address": front.address,
            "api_key": API_KEY,
            "tls_server_root_ca": tmp_path / "cloud-ca.pem",
            "tls_server_name": SERVER_NAME,
        },
    )
    client = await connect(settings)
    assert await client.count_workflows() is not None
    assert len(front.seen) >= 2 and all(seen.authorized for seen in front.seen)


def test_an_api_key_against_a_plain_server_says_so(devserver, stack_env):
    """An API key turns TLS on; pointed at a server without TLS (the embedded dev server), the CLI says which."""
    env = dict(stack_env, SENDCLOCK_TEMPORAL__API_KEY=API_KEY)
    assert sendclock(env, "db", "upgrade").returncode == 0
    started = sendclock(
        env, "advice", "start", "--case", "EHC-C003", "--la", "Kent", "--received", "2026-11-02", "--owner", "senco"
    )
    assert started.returncode == 1 and "Traceback" not in started.stderr, started.stderr
    assert "does not speak TLS, and this client does" in started.stderr and API_KEY not in started.stderr
