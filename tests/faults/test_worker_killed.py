"""A worker process killed with SIGKILL (a crash, a pulled plug) while a process waits for its next reminder, and
in the middle of sending an e-mail: a new worker process takes over, every process completes, and every notice
reaches its recipient exactly once (the outbox rows and the SMTP server's messages agree, one each).

(tests/devserver/test_cli_on_dev_server.py kills a worker during a wait through the CLI; here the kill also lands
mid-send.) Notify runs as a local activity inside the workflow task (workflows/calls.py): when the worker dies, the
server hands the workflow task to the new worker once its 10-second timeout passes, and the send is run again there;
the outbox row the dead worker left "sending" is claimed again because it was claimed before that new execution
was scheduled (activities/notifier.py)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from starter.advice import advice_sent, start_advice_request
from statutory.clock import local_date
from tests.faults.conftest import OFFICE, Stack, until
from workflows.models import AdviceRequest, AdviceSent

pytestmark = pytest.mark.devserver


def today():
    return local_date(datetime.now(UTC))


async def assert_completed_once(stack: Stack, client, workflow_id: str) -> None:
    handle = client.get_workflow_handle(workflow_id)
    await asyncio.wait_for(handle.result(), 60)
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    kinds = Counter(e.kind for e in stack.events(workflow_id))
    assert kinds == {"request-received": 1, "step-opened": 1, "completed": 1, "process-closed": 1}, kinds


def assert_each_notice_once(stack: Stack, peer, expected: set[tuple[str, str, str]]) -> None:
    """The outbox has exactly `expected` (process, kind, recipient), each sent, and the SMTP server got exactly
    one message for each of them."""
    rows = stack.outbox()
    assert sorted((o.process_id, o.kind, o.recipient, o.status) for o in rows) == sorted(
        (*e, "sent") for e in expected
    ), [(o.process_id, o.kind, o.recipient, o.status, o.error) for o in rows]
    received = peer.received()
    assert Counter((o.subject, f"{o.recipient}@example.org") for o in rows) == received, received


async def test_worker_killed_while_a_process_waits_for_its_reminder(stack, smtp_peer) -> None:
    peer, _ = smtp_peer
    client = await stack.client()
    first = await stack.worker()
    started = await start_advice_request(
        client,
        stack.settings,
        AdviceRequest(case_ref=stack.ref("WAIT"), la="Kent", received_on=today() - timedelta(days=7), owner="head"),
    )
    wf = started.state.workflow_id
    await until(lambda: [(o.kind, o.status) for o in stack.outbox(wf)] == [("assigned", "sent")], "assigned sent")
    assert started.state.step.pending, "the process should be waiting (on a timer) for its first reminder"

    first.kill()
    await stack.worker()
    await advice_sent(await stack.client(), stack.settings, wf, AdviceSent(sent_on=today(), by=OFFICE))

    await assert_completed_once(stack, client, wf)
    assert_each_notice_once(
        stack, peer, {(wf, "assigned", "head"), (wf, "completed", "head"), (wf, "completed", "senco")}
    )


async def test_worker_killed_mid_send_the_notice_goes_once(stack, smtp_peer) -> None:
    peer, _ = smtp_peer
    client = await stack.client()
    first = await stack.worker()
    # The "assigned" e-mail to the SENCO is held in DATA by the SMTP server; the worker dies before the "250".
    peer.hold("senco@example.org", seconds=20)
    started = await start_advice_request(
        client,
        stack.settings,
        AdviceRequest(case_ref=stack.ref("SEND"), la="Kent", received_on=today() - timedelta(days=7), owner="senco"),
    )
    wf = started.state.workflow_id
    assert await asyncio.to_thread(peer.holding.wait, 30), "the assigned e-mail never reached the SMTP server"
    first.kill()
    killed = time.monotonic()
    await stack.worker()
    await until(lambda: peer.dropped, "the SMTP server to notice the sender has gone")

    # The interrupted notice is sent again once the server gives up on the dead worker's workflow task.
    await until(
        lambda: [(o.kind, o.status) for o in stack.outbox(wf)] == [("assigned", "sent")],
        "the assigned notice sent by the new worker",
        timeout=150,
        stack=stack,
    )
    print(f"interrupted notice delivered {time.monotonic() - killed:.0f} s after the kill")
    await advice_sent(client, stack.settings, wf, AdviceSent(sent_on=today(), by=OFFICE))

    await assert_completed_once(stack, client, wf)
    assert_each_notice_once(stack, peer, {(wf, "assigned", "senco"), (wf, "completed", "senco")})
    assert peer.dropped == [["senco@example.org"]]  # the one the dead worker never finished
