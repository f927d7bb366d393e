"""The Temporal dev server stopped and started again on its SQLite file (`--db-filename`), as an operator restarts a
self-hosted server: open processes and their timers survive. A prompt due while the server is down fires after it
is back (one e-mail each, one outbox row each), and the process answers its query as before."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.common import every_day_calendar
from starter.processes import cancel_step, process_state, start_process
from starter.requests import step_options
from statutory import compute_deadline
from tests.faults.conftest import DevServer, until
from workflows.models import Cancellation, ProcessHeader, ReassessmentInput
from workflows.reassessment import EARLIEST, Reassessment
from workflows.registry import REASSESSMENT

pytestmark = pytest.mark.devserver
LONDON = ZoneInfo("Europe/London")
DUE_IN = 30  # seconds from the start of the process to the prompt; the server is down across it


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[DevServer]:
    """A dev server of this test's own: it is stopped and started again."""
    own = DevServer(tmp_path / "temporal.db", tmp_path / "temporal.log")
    try:
        await own.start()
        yield own
    finally:
        own.stop()


def last_assessment_for_prompt_on(day: date) -> date | None:
    """A last assessment whose earliest re-assessment date (six months on) is `day`, on a calendar where every day is
    a working day (so `day` may be a Saturday or a bank holiday); None if six months from no date is `day` (the 31st
    of August: the 28th or 29th of February gives the 28th or 29th)."""
    calendar = every_day_calendar()
    for back in range(175, 190):
        if compute_deadline(EARLIEST, day - timedelta(days=back), calendar).target == day:
            return day - timedelta(days=back)
    return None


async def test_open_processes_and_timers_survive_a_server_restart(server, stack, smtp_peer) -> None:
    peer, _ = smtp_peer
    now = datetime.now(LONDON)
    due = (now + timedelta(seconds=DUE_IN)).replace(microsecond=0)
    today, prompt_day = now.date(), due.date()
    # A re-assessment's prompt goes out on its earliest date (six months after the last assessment) at the reminder
    # time, which the worker's settings put DUE_IN seconds from now. Most of the day `due` is today: the earliest date
    # passed long ago and the prompt is today's, with the real worker. In a day's last DUE_IN seconds `due` is
    # tomorrow: the earliest date is tomorrow, with the worker planning on a calendar where every day is a working
    # day (tomorrow may be a Saturday); on the few nights no earliest date can be tomorrow, wait for midnight.
    last_assessment, worker = today - timedelta(days=365), "worker"
    if prompt_day != today:
        if (tomorrow := last_assessment_for_prompt_on(prompt_day)) is None:
            await asyncio.sleep((due - datetime.now(LONDON)).total_seconds())
            now = datetime.now(LONDON)
            due = (now + timedelta(seconds=DUE_IN)).replace(microsecond=0)
            today, prompt_day = now.date(), due.date()
        else:
            last_assessment, worker = tomorrow, "bench.any_day_worker"
    await stack.worker(worker, SENDCLOCK_REMINDERS__SEND_AT=due.time().isoformat())
    client = await stack.client()
    header = ProcessHeader(case_ref="FLT-RESTART", la="Kent", received_on=today - timedelta(days=3), owner="head")
    workflow_id = REASSESSMENT.workflow_id(header.case_ref, header.received_on)
    await start_process(
        client,
        stack.settings,
        Reassessment.run,
        ReassessmentInput(
            header=header,
            options=step_options(stack.settings),
            last_assessment_on=last_assessment,
        ),
        workflow_id,
        REASSESSMENT.kind,
    )
    await until(lambda: [o.kind for o in stack.outbox(workflow_id)] == ["assigned"], "the assigned notice")
    before = await process_state(client, workflow_id)
    [prompt] = [n for n in before.step(EARLIEST).pending if n.kind == "prompt" and n.on == prompt_day]
    assert prompt.at == due.astimezone(UTC), (prompt.at, due)
    assert datetime.now(UTC) < prompt.at - timedelta(seconds=5), "too slow: the prompt is nearly due"

    server.stop()  # the worker stays up and keeps trying to reach it
    stopped = time.monotonic()
    await asyncio.sleep(max(0.0, (prompt.at - datetime.now(UTC)).total_seconds()) + 3)
    assert not [o for o in stack.outbox(workflow_id) if o.kind == "prompt"], "nothing can fire while it is down"
    await server.start()
    print(f"server down {time.monotonic() - stopped:.0f} s, across the prompt's time")

    client = await stack.client()  # the old client's connection went with the server
    await until(
        lambda: (
            sorted((o.kind, o.recipient, o.status) for o in stack.outbox(workflow_id))
            == [("assigned", "head", "sent"), ("prompt", "head", "sent"), ("prompt", "senco", "sent")]
        ),
        "the prompt, fired by its timer after the restart",
        timeout=60,
        stack=stack,
    )
    after = await process_state(client, workflow_id)
    assert after.header == before.header and not after.closed
    assert [s.rule_id for s in after.steps] == [s.rule_id for s in before.steps] == [EARLIEST]
    assert after.step(EARLIEST).plan == before.step(EARLIEST).plan
    assert after.step(EARLIEST).pending == [n for n in before.step(EARLIEST).pending if n != prompt]
    received = peer.received()
    assert sorted(r for (_, r) in received) == ["head@example.org", "head@example.org", "senco@example.org"]
    assert set(received.values()) == {1}

    await cancel_step(
        client,
        stack.settings,
        workflow_id,
        Cancellation(rule_id=EARLIEST, cancelled_on=today, by="senco", reason="fault test over"),
    )
    result = await asyncio.wait_for(client.get_workflow_handle_for(Reassessment.run, workflow_id).result(), 30)
    assert result.closed
    kinds = [e.kind for e in stack.events(workflow_id)]
    assert kinds.count("reminder-sent") == 1 and kinds.count("cancelled") == 1, kinds
