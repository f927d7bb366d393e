"""Two clients at once (two CLIs, or the dashboard and a Power Automate flow): the same request started twice
together, then the same completion recorded twice together. One process (and one starter told it created it), one
completion, one completion event row, one completion notice per person."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from starter.advice import advice_sent, start_advice_request
from starter.requests import RequestError, start_school, step_options
from statutory.clock import local_date
from tests.faults.conftest import OFFICE, until
from workflows.ehc_advice import EhcAdviceRequest
from workflows.models import AdviceRequest, AdviceRunInput, AdviceSent, StepStatus
from workflows.process import START_UPDATE_MEMO
from workflows.registry import ADVICE

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


async def test_the_creator_is_told_so_when_its_update_reaches_a_run_already_open(stack) -> None:
    """On loaded workers the update a start carries can be handled after the run has planned its steps (3 of 10,000
    starts on two workers, bench/open_workflows.py). The starter that created the process is still told so (the
    start's memo names its update), and a second starter that it found the process there. Made here by starting the
    run with the memo as the starter does, letting it plan, and only then sending the creator's update."""
    today = local_date(datetime.now(UTC))
    await stack.worker()
    client = await stack.client()
    request = AdviceRequest(case_ref=stack.ref("LATE"), la="Kent", received_on=today - timedelta(days=2), owner="head")
    workflow_id = ADVICE.workflow_id(request.case_ref, request.received_on, school=start_school(stack.settings))
    creator = str(uuid.uuid4())
    handle = await client.start_workflow(
        EhcAdviceRequest.run,
        AdviceRunInput(request=request, options=step_options(stack.settings)),
        id=workflow_id,
        task_queue=stack.settings.temporal.task_queue,
        memo={START_UPDATE_MEMO: creator},
    )
    opened = lambda: any(e.kind == "step-opened" for e in stack.events(workflow_id))  # noqa: E731
    await until(opened, "the step planned", stack=stack)

    state = await handle.execute_update(EhcAdviceRequest.opened, id=creator)
    assert state.start_update_id == creator, "the creator's update, arriving after the run opened, is the creator's"
    again = await start_advice_request(await stack.client(), stack.settings, request)
    assert not again.created and again.state.workflow_id == workflow_id
