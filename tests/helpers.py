"""Plain helpers for tests (import with `from tests.helpers import free_port`)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher

REPO = Path(__file__).resolve().parents[1]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS picks it; another process could still take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@cache
def quick_password_hash(password: str) -> str:
    """An argon2id hash of `password` for the accounts a fixture makes, with the smallest cost parameters.

    Verifying a hash costs what its own parameters say ($argon2id$v=19$m=...,t=...,p=...), whatever the hasher that
    verifies it: store.credentials checks this one with the same code as any other, in microseconds instead of the
    0.16 s the production parameters take (a sign-in in nearly every dashboard test). Passwords that the app itself
    hashes (`sendclock user add`, a password change) still get the production parameters."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)


def examples(n: int) -> int:
    """How many hypothesis examples a test that asks for `n` runs: `n` in hypothesis' default profile (100 examples
    unless a test says otherwise: `make test`), scaled down with the profile loaded (`make test-fast` loads "fast",
    25 a test: tests/conftest.py), never fewer than 5."""
    from hypothesis import settings

    return max(5, round(n * settings.default.max_examples / 100))


class WorkerProcess:
    """`python -m worker` as its own process, so it can be killed like a real one (`module`: another worker module,
    e.g. bench.any_day_worker, the same worker planning on a calendar where every day is a working day)."""

    def __init__(self, env: dict[str, str], log: Path, module: str = "worker") -> None:
        self.env, self.log, self.proc, self.module = env, log, None, module

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module], cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
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


def sendclock(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "sendclock"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
