"""The worker started before Temporal (containers in any order, a server restarting) waits for it, saying so, and
then polls; a worker whose credentials Temporal refuses stops at once with one clear line (exit 78, EX_CONFIG), not
a traceback or a retry loop that would never succeed. Separate processes, configured through SENDCLOCK_* only."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from starter.binaries import temporal_cli
from tests.devserver.cloud_front import CloudFront, cloud_env
from tests.devserver.conftest import REPO
from tests.helpers import free_port
from worker import EXIT_CONFIG

pytestmark = pytest.mark.devserver


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "worker"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_for(log: Path, text: str, proc: subprocess.Popen, within: float) -> None:
    deadline = time.monotonic() + within
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"no {text!r} within {within} s:\n{log.read_text()}"
        assert proc.poll() is None, log.read_text()
        time.sleep(0.1)


async def test_the_worker_waits_for_temporal_then_polls(stack_env, tmp_path):
    port = free_port()
    env = dict(stack_env, SENDCLOCK_TEMPORAL__ADDRESS=f"127.0.0.1:{port}")
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        wait_for(log, f"cannot reach Temporal at 127.0.0.1:{port}", worker, within=30)
        async with await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal_cli()), port=port, ui=False
        ):
            wait_for(log, "polling task queue", worker, within=45)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    text = log.read_text()
    assert "trying again in 1 s" in text and "Traceback" not in text


def test_refused_credentials_stop_the_worker_at_once(devserver, stack_env, tmp_path):
    front = CloudFront(devserver.client.service_client.config.target_host, "the-right-key").start()
    try:
        env = cloud_env(stack_env, front, tmp_path, "a-revoked-key")
        log = tmp_path / "worker.log"
        worker = start_worker(env, log)
        assert worker.wait(timeout=30) == EXIT_CONFIG  # systemd: RestartPreventExitStatus=78 (docs/deployment.md)
    finally:
        front.stop()
    text = log.read_text()
    assert "sendclock worker cannot start: Temporal at " in text and "refused this client" in text, text
    assert "Request unauthorized" in text and "trying again" not in text and "Traceback" not in text
    assert "a-revoked-key" not in text


def test_tls_settings_against_a_plain_server_stop_the_worker_at_once(devserver, stack_env, tmp_path):
    env = dict(
        stack_env,
        SENDCLOCK_TEMPORAL__ADDRESS=devserver.client.service_client.config.target_host,
        SENDCLOCK_TEMPORAL__TLS="true",
    )
    log = tmp_path / "worker.log"
    assert start_worker(env, log).wait(timeout=30) == EXIT_CONFIG
    text = log.read_text()
    assert "sendclock worker cannot start: Temporal at " in text and "does not speak TLS" in text, text
    assert "trying again" not in text and "Traceback" not in text
