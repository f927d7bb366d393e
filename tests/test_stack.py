"""`sendclock up` end to end, as a user runs it: start, use, Ctrl-C, then start again on the same var directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType, TaskQueueType, WorkflowExecutionStatus
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from tests.helpers import free_port
from workflows.search_attributes import REGISTRATION

pytestmark = pytest.mark.devserver

REPO = Path(__file__).resolve().parents[1]
READY = "Ctrl-C stops everything"
PROBE_ID = "stack-test-probe"  # a workflow no worker runs: only there to survive the restart


class Up:
    """`sendclock up` in its own session, its output collected by a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "sendclock"), "up"], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self.started = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()
        self.child_pids: list[int] = []

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if READY in line:
                self.ready.set()
        self.ready.set()  # EOF: the process is gone

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def wait_ready(self, timeout: float = 200) -> float:  # starter.stack.STARTUP_TIMEOUT x 3, and some
        await asyncio.to_thread(self.ready.wait, timeout)
        assert self.proc.poll() is None and any(READY in line for line in self.lines), (
            f"not ready after {timeout} s:\n{self.output}"
        )
        self.child_pids = children_of(self.proc.pid)
        return time.monotonic() - self.started

    async def interrupt(self, timeout: float = 20) -> int:
        self.proc.send_signal(signal.SIGINT)
        return await asyncio.to_thread(self.proc.wait, timeout)

    def kill_everything(self) -> None:
        """Clean up after a failed test: the stack and whatever children it left."""
        for pid in [self.proc.pid, *self.child_pids]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def cmdline(pid: int) -> str:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def get_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the stack's child processes through /proc")
async def test_up_stop_and_restart_on_the_same_var_dir(tmp_path: Path) -> None:
    temporal_port, ui_port, web_port = free_port(), free_port(), free_port()
    assert len({temporal_port, ui_port, web_port}) == 3
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(
        SENDCLOCK_VAR_DIR=str(tmp_path / "var"),
        SENDCLOCK_TEMPORAL__ADDRESS=f"127.0.0.1:{temporal_port}",
        SENDCLOCK_TEMPORAL__UI_URL=f"http://127.0.0.1:{ui_port}",
        SENDCLOCK_DASHBOARD_URL=f"http://127.0.0.1:{web_port}",
    )
    wanted = {
        name: IndexedValueType.Value("INDEXED_VALUE_TYPE_" + re.sub(r"(?<!^)(?=[A-Z])", "_", kind).upper())
        for name, kind in REGISTRATION.items()
    }

    for run in ("cold", "warm (existing temporal.db)"):
        up = Up(env)
        try:
            seconds = await up.wait_ready()
            print(f"sendclock up, {run}: ready in {seconds:.1f} s")
            assert f"http://127.0.0.1:{ui_port}" in up.output and f"http://127.0.0.1:{web_port}" in up.output

            commands = sorted(cmdline(pid) for pid in up.child_pids)
            assert len(commands) == 3, commands
            assert any("server start-dev" in c for c in commands) and any("-m worker" in c for c in commands)
            assert any("uvicorn" in c for c in commands)

            assert await asyncio.to_thread(get_status, f"http://127.0.0.1:{web_port}/healthz") == 200
            assert (tmp_path / "var" / "temporal.db").is_file()

            client = await Client.connect(f"127.0.0.1:{temporal_port}")
            listed = await client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace="default")
            )
            assert {name: listed.custom_attributes.get(name) for name in wanted} == wanted
            queue = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
                namespace="default", task_queue=TaskQueue(name="sendclock"),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            ))  # fmt: skip
            assert queue.pollers, "the worker is not polling its task queue"
            if run == "cold":
                await client.start_workflow("StackTestProbe", id=PROBE_ID, task_queue="stack-test-probe")
            else:  # state written before the Ctrl-C survived it
                probe = client.get_workflow_handle(PROBE_ID)
                assert (await probe.describe()).status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
                await probe.terminate("test done")
            del client

            assert await up.interrupt(timeout=20) == 0, up.output
            assert not [pid for pid in up.child_pids if alive(pid)], "child processes left behind"
            assert up.output.rstrip().endswith("stopped."), up.output
        finally:
            if up.proc.poll() is None or any(alive(pid) for pid in up.child_pids):
                up.kill_everything()
