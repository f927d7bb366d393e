"""The database unavailable while processes start and complete: the record and notify activities fail, they are
retried (workflows/step.py: RECORD_OPTIONS, the notify retry policy; local activities, so the worker retries them
inside the workflow task, longer backoffs on a durable timer) and they succeed once the database is back. Nothing is
lost: every process's rows match its workflow, and the event hash chain is whole.

The outage lasts until a record's retry waits on a durable timer (its backoff is longer than LOCAL_RETRY_THRESHOLD):
watched in the worker's log, not timed. About 27 seconds on SQLite (each attempt waits out the busy timeout), a
few on PostgreSQL (refused at once); it was a fixed 30 seconds, which PostgreSQL did not need.

SQLite: another connection holds an EXCLUSIVE lock on the file (writers get "database is locked" after the
5-second busy timeout). PostgreSQL: the worker reaches the server through a TCP proxy in the test, which cuts every
connection and refuses new ones for the outage."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy.engine import make_url
from temporalio.client import WorkflowExecutionStatus

from audit.verify import check_chain
from starter.advice import advice_sent, start_advice_request
from statutory.clock import local_date
from store.models import Process, Step
from tests.faults.conftest import OFFICE, until
from tests.helpers import free_port
from workflows.calls import LOCAL_RETRY_THRESHOLD
from workflows.ehc_advice import EhcAdviceRequest
from workflows.models import AdviceRequest, AdviceSent
from workflows.step import RECORD_OPTIONS

pytestmark = [pytest.mark.devserver, pytest.mark.databases]
FAILED_ATTEMPT = re.compile(
    r"Completing activity as failed \(\{.*?'activity_type': '(?P<type>\w+)', 'attempt': (?P<attempt>\d+)"
)
_RETRY = RECORD_OPTIONS["retry_policy"]
# The record's failed attempt after which its retry waits on a durable timer: backoffs 1, 2, 4, 8 s (the policy's
# initial interval and coefficient), and 8 s is the first longer than LOCAL_RETRY_THRESHOLD (5 s): the fourth.
DURABLE_AFTER = next(
    n for n in count(1) if _RETRY.initial_interval * _RETRY.backoff_coefficient ** (n - 1) > LOCAL_RETRY_THRESHOLD
)


class PausableProxy:
    """A TCP proxy to host:port. `cut()` closes every connection through it and refuses new ones (accepts, then
    closes at once, as a server that is down behind a load balancer); `restore()` lets them through again."""

    def __init__(self, host: str, port: int) -> None:
        self.target, self.port = (host, port), free_port()
        self.down = False
        self.pipes: set[asyncio.StreamWriter] = set()
        self.refused = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.pipes |= {writer, up_writer}
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        finally:
            self.pipes.discard(sink)
            sink.close()

    def cut(self) -> None:
        self.down = True
        for writer in list(self.pipes):
            writer.transport.abort()
        self.pipes.clear()

    def restore(self) -> None:
        self.down = False

    async def close(self) -> None:
        self.cut()
        self.server.close()
        await self.server.wait_closed()


class Outage:
    """Makes the test's database unavailable to the worker, and available again."""

    def __init__(self, database_url: str, backend: str) -> None:
        self.url, self.backend = make_url(database_url), backend
        self.proxy: PausableProxy | None = None
        self.lock: sqlite3.Connection | None = None

    async def worker_url(self) -> str:
        """The URL the worker uses: the database itself (SQLite), or the database through the proxy."""
        if self.backend == "sqlite":
            return self.url.render_as_string(hide_password=False)
        self.proxy = PausableProxy(self.url.host or "127.0.0.1", self.url.port or 5432)
        await self.proxy.start()
        return self.url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(hide_password=False)

    def begin(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()
        else:
            self.lock = sqlite3.connect(self.url.database, isolation_level=None, check_same_thread=False)
            self.lock.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        elif self.lock is not None:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            self.lock = None

    async def close(self) -> None:
        self.end()
        if self.proxy is not None:
            await self.proxy.close()


@pytest.fixture
async def outage(database_url: str, database_backend: str):
    cut = Outage(database_url, database_backend)
    try:
        yield cut
    finally:
        await cut.close()


async def test_database_down_activities_retry_and_nothing_is_lost(stack, outage, smtp_peer) -> None:
    peer, _ = smtp_peer
    today = local_date(datetime.now(UTC))
    await stack.worker(SENDCLOCK_DATABASE_URL=await outage.worker_url())
    client = await stack.client()

    def request(n: int) -> AdviceRequest:
        return AdviceRequest(
            case_ref=stack.ref(f"DB{n}"),
            la="Kent",
            received_on=today - timedelta(days=3),
            owner="head" if n % 2 else "senco",
        )

    before = [(await start_advice_request(client, stack.settings, request(n))).state.workflow_id for n in (1, 2, 3)]
    await until(lambda: len([o for o in stack.outbox() if o.status == "sent"]) == 3, "three assigned notices")

    outage.begin()
    began = time.monotonic()
    # While it is down: two completions and a new request, each waiting on its record activity.
    during = [
        asyncio.create_task(advice_sent(client, stack.settings, wf, AdviceSent(sent_on=today, by=OFFICE)))
        for wf in before[:2]
    ]
    during.append(asyncio.create_task(start_advice_request(client, stack.settings, request(4))))
    # Records run as local activities (workflows/calls.py), inside the workflow task: the worker logs each failed
    # attempt. Down until one has failed DURABLE_AFTER times: its next backoff waits on a durable timer in history.

    def failing() -> list[tuple[str, int]]:
        return [(m["type"], int(m["attempt"])) for m in FAILED_ATTEMPT.finditer(stack.workers[0].log.read_text())]

    await until(
        lambda: any(name == "record" and attempt >= DURABLE_AFTER for name, attempt in failing()),
        f"a record's attempt {DURABLE_AFTER} failed (its retry then waits on a durable timer)",
        timeout=120,
        stack=stack,
    )
    assert any(name == "record" and attempt > 1 for name, attempt in failing()), failing()
    assert not any(done.done() for done in during), "nothing can complete while the database is down"
    outage.end()
    print(f"database down {time.monotonic() - began:.0f} s; attempts seen: {failing()}")

    results = await asyncio.wait_for(asyncio.gather(*during), 120)
    fourth = results[2].state.workflow_id
    for workflow_id in (before[2], fourth):
        await advice_sent(client, stack.settings, workflow_id, AdviceSent(sent_on=today, by=OFFICE))

    for workflow_id in [*before, fourth]:
        handle = client.get_workflow_handle_for(EhcAdviceRequest.run, workflow_id)
        final = await asyncio.wait_for(handle.result(), 60)
        assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
        kinds = Counter(e.kind for e in stack.events(workflow_id))
        assert kinds == {"request-received": 1, "step-opened": 1, "completed": 1, "process-closed": 1}, kinds
        with stack.sessions() as session:
            process = session.get(Process, workflow_id)
            [step] = session.query(Step).filter_by(process_id=workflow_id).all()
        assert process.status == "completed" and process.closed_at is not None
        assert (step.status, step.completed_on, step.on_time) == ("completed", today, True)
        assert (step.due, step.target) == (final.due, final.target) and final.on_time
        sent = sorted((o.kind, o.recipient, o.status) for o in stack.outbox(workflow_id))
        assert [s for s in sent if s[0] == "assigned"] == [("assigned", process.owner, "sent")], sent
        assert {s[0] for s in sent} == {"assigned", "completed"} and {s[2] for s in sent} == {"sent"}, sent
    with stack.sessions() as session:
        rows, findings = check_chain(session)
    assert rows == 16 and not findings, findings  # four events for each of the four processes
    received = peer.received()
    assert set(received.values()) == {1} and sum(received.values()) == len(stack.outbox()), received
