"""Two clients at once (two CLIs, or the dashboard and a Power Automate flow): the same request started twice
together, then the same completion recorded twice together. One process (and one starter told it created it), one
completion, one completion event row, one completion notice per person."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from starter.advice import advice_sent, start_advice_request
from starter.requests import RequestError
from statutory.clock import local_date
from tests.faults.conftest import OFFICE, until
from workflows.models import AdviceRequest, AdviceSent, StepStatus

pytestmark = [pytest.mark.devserver, pytest.mark.databases]


async def test_duplicate_starts_and_completions_from_two_clients(stack, smtp_peer) -> None:
    peer, _ = smtp_peer
    today = local_date(datetime.now(UTC))
    await stack.worker()
    one, two = await stack.client(), await stack.client()
    request = AdviceRequest(case_ref=stack.ref("TWICE"), la="Kent", received_on=today - timedelta(days=2), owner="head")

    first, second = await asyncio.gather(
        start_advice_request(one, stack.settings, request), start_advice_request(two, stack.settings, request)
    )
    workflow_id = first.state.workflow_id
    assert second.state.workflow_id == workflow_id and first.state.step.plan == second.state.step.plan
    assert sorted([first.created, second.created]) == [False, True], "exactly one of them created it"
    query = f"WorkflowId = '{workflow_id}'"
    for _ in range(40):  # visibility is eventually consistent
        if (await one.count_workflows(query)).count:
            break
        await asyncio.sleep(0.25)
    assert (await one.count_workflows(query)).count == 1, "one process, one run"

    sent = AdviceSent(sent_on=today, by=OFFICE)
    answers = await asyncio.gather(
        advice_sent(one, stack.settings, workflow_id, sent),
        advice_sent(two, stack.settings, workflow_id, sent),
        return_exceptions=True,
    )
    # The first is applied; the second either sees it done or is refused (never a second completion).
    states = [a for a in answers if not isinstance(a, BaseException)]
    refusals = [a for a in answers if isinstance(a, BaseException)]
    assert states and all(s.status == StepStatus.COMPLETED and s.step.completed_on == today for s in states), answers
    assert all(isinstance(r, RequestError) and "already" in str(r) for r in refusals), answers

    handle = one.get_workflow_handle(workflow_id)
    await asyncio.wait_for(handle.result(), 60)
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    kinds = Counter(e.kind for e in stack.events(workflow_id))
    assert kinds == {"request-received": 1, "step-opened": 1, "completed": 1, "process-closed": 1}, kinds
    await until(lambda: all(o.status == "sent" for o in stack.outbox(workflow_id)), "the notices sent")
    rows = Counter((o.kind, o.recipient) for o in stack.outbox(workflow_id))
    assert rows == {("assigned", "head"): 1, ("completed", "head"): 1, ("completed", "senco"): 1}, rows
    assert sorted(peer.received().values()) == [1, 1, 1], peer.received()
