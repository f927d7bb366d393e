"""Never a notice whose moment has passed (issue 19, defect 1; engineering notes, "Lessons from outside checks"): a
request entered 300 days late once sent 35 e-mails in a second. Every path that plans or resumes notices goes through
one rule (StatutoryStep._schedule): the notices whose day has gone are dropped, one catch-up says where the step
stands now, and the normal cadence goes on from today."""

from __future__ import annotations

import pytest

from starter.advice import advice_sent, start_advice_request
from starter.processes import process_state
from statutory import SchoolCalendar
from statutory.clock import local_date
from statutory.reminders import escalation_dates
from tests.workflows.advice_flow import advice_request, days, london_today, outbox, outcome, sleep_until_day
from workflows.models import AdviceSent


def sent_on(rows) -> list:
    return sorted(row.scheduled_for for row in rows)


@pytest.mark.usefixtures("worker")
async def test_a_request_received_300_days_ago_sends_one_catch_up_then_one_a_week(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today - days(300), case_ref="EHC-STORM1"))
    workflow_id, plan = started.state.workflow_id, started.state.step.plan
    await sleep_until_day(env, today, hour=23)  # the day it was entered
    assert [o.recipient for o in outbox(sessions, workflow_id, "assigned")] == ["teacher"]
    first = outbox(sessions, workflow_id, "overdue")
    assert {o.recipient for o in first} == {"teacher", "senco"} and len(first) == 2  # one catch-up, to both
    assert outbox(sessions, workflow_id, "reminder") == []
    state = await process_state(env.client, workflow_id)
    assert state.steps[0].caught_up_on == today and state.steps[0].escalations_sent == 1
    assert all(n.on > today for n in state.steps[0].pending)  # the cadence goes on from today

    await sleep_until_day(env, today + days(15))  # two weeks on: two weekly escalations, not a backlog
    escalations = [o for o in outbox(sessions, workflow_id, "overdue") if o.recipient == "teacher"]
    assert len(escalations) == 3
    weekly = escalation_dates(plan.due, SchoolCalendar(), settings.reminders.escalate_every_days, count=60)
    assert [o.scheduled_for.date() for o in escalations[1:]] == [d for d in weekly if today < d <= today + days(15)]
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher"))
    result = await outcome(env, workflow_id)
    assert result.days_late == (await london_today(env) - plan.due).days


@pytest.mark.usefixtures("worker")
async def test_a_run_resumed_after_a_fortnight_sends_one_catch_up_not_the_backlog(env, settings, sessions):
    """A worker away for a fortnight (the server down, the machine off) or a run continued as new late: the step
    resumes with notices whose days have gone (the time-skipping server cannot hold a workflow's timers without a
    worker, so the run is ended and resumed from its carried state, as continue-as-new resumes it). It sends one
    notice with its state now, to each recipient once, and the weekly cadence from then on."""
    from workflows.ehc_advice import EhcAdviceRequest
    from workflows.models import AdviceRunInput

    today = await london_today(env)
    # due a week from today, so its target is days away whatever today is (a target of today, after 08:00, would
    # already have dropped its last reminder: this file's first test moves the shared clock on a fortnight)
    started = await start_advice_request(env.client, settings, advice_request(today - days(35), case_ref="EHC-STORM2"))
    workflow_id, plan = started.state.workflow_id, started.state.step.plan
    handle = env.client.get_workflow_handle(workflow_id)
    carried = (await handle.query(EhcAdviceRequest.state)).step
    assert [n.kind for n in carried.pending][:1] == ["reminder"] and carried.pending[-1].kind == "overdue"
    await handle.terminate(reason="test: the worker goes away")
    before = len(outbox(sessions, workflow_id))

    await env.sleep(days(16))  # the pending reminders and the first escalations are now in the past
    back = await london_today(env)
    assert sum(n.on < back for n in carried.pending) >= 3  # the backlog the old code sent one after another
    resumed = await env.client.start_workflow(
        EhcAdviceRequest.run,
        AdviceRunInput(request=started.state.request, carried=carried),
        id=workflow_id,
        task_queue=settings.temporal.task_queue,
    )
    await sleep_until_day(env, back, hour=23)
    new = outbox(sessions, workflow_id)[before:]
    assert sorted((o.kind, o.recipient) for o in new) == [("overdue", "senco"), ("overdue", "teacher")]
    assert {local_date(o.scheduled_for) for o in new} == {back}
    state = (await handle.query(EhcAdviceRequest.state)).step
    assert state.caught_up_on == back and all(n.on > back for n in state.pending)
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=back, by="teacher"))
    assert (await resumed.result()).days_late == (back - plan.due).days
