"""Several worker processes on one task queue (the production layout, docs/deployment.md): a batch of processes
started and completed while two `python -m worker` processes share the work. Both do some of it, every process
completes, and every step is recorded once and every notice sent once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.api.enums.v1 import EventType

from starter.advice import advice_sent, start_advice_request
from statutory.clock import local_date
from tests.faults.conftest import OFFICE, until
from workflows.ehc_advice import EhcAdviceRequest
from workflows.models import AdviceRequest, AdviceSent

pytestmark = [pytest.mark.devserver, pytest.mark.databases]
BATCH = 8


async def test_two_worker_processes_share_a_batch_and_record_everything_once(stack, smtp_peer) -> None:
    peer, _ = smtp_peer
    today = local_date(datetime.now(UTC))
    await asyncio.gather(stack.worker(), stack.worker())
    client = await stack.client()

    requests = [
        AdviceRequest(
            case_ref=stack.ref(f"MW{n:02d}"),
            la="Kent",
            received_on=today - timedelta(days=n),
            owner=("head", "senco")[n % 2],
        )
        for n in range(BATCH)
    ]
    started = await asyncio.gather(*(start_advice_request(client, stack.settings, r) for r in requests))
    ids = [s.state.workflow_id for s in started]
    assert len(set(ids)) == BATCH
    await asyncio.gather(*(advice_sent(client, stack.settings, wf, AdviceSent(sent_on=today, by=OFFICE)) for wf in ids))
    results = await asyncio.wait_for(
        asyncio.gather(*(client.get_workflow_handle_for(EhcAdviceRequest.run, wf).result() for wf in ids)), 120
    )
    assert all(r.completed_on == today for r in results)

    identities: Counter = Counter()  # which worker process ran each workflow task (and the local activities in it)
    for workflow_id in ids:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                identities[event.workflow_task_completed_event_attributes.identity] += 1
        kinds = Counter(e.kind for e in stack.events(workflow_id))
        assert kinds == {"request-received": 1, "step-opened": 1, "completed": 1, "process-closed": 1}, kinds
    pids = {w.proc.pid for w in stack.workers}
    assert {int(identity.split("@")[0]) for identity in identities} == pids, identities  # both took a share

    await until(
        lambda: (
            len(stack.outbox()) == 3 * BATCH // 2 + 2 * BATCH // 2 and all(o.status == "sent" for o in stack.outbox())
        ),
        "every notice sent",
        stack=stack,
    )
    rows = Counter((o.process_id, o.kind, o.recipient) for o in stack.outbox())
    assert set(rows.values()) == {1}
    received = peer.received()
    assert set(received.values()) == {1} and sum(received.values()) == len(rows), received
