"""The EHC advice request (reg 8) end to end on the time-skipping server: months of simulated time in seconds."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest

from starter.advice import RequestError, advice_sent, record_exemption, start_advice_request, withdraw
from statutory import SchoolCalendar
from statutory.clock import local_date
from statutory.reminders import escalation_dates, reminder_dates
from tests.workflows.advice_flow import (
    advice_request,
    days,
    events,
    london_today,
    outbox,
    outcome,
    process_row,
    sleep_until_day,
)
from workflows.models import AdviceSent, Exemption, StepStatus, Withdrawal

pytestmark = pytest.mark.usefixtures("worker")


@pytest.mark.databases
async def test_advice_sent_on_time(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today))
    assert started.created
    plan = started.state.step.plan
    assert plan.rule_id == "ehc-advice" and plan.due == today + days(42)
    assert plan.target <= plan.due and "reg 8(1)" in plan.basis
    workflow_id = started.state.workflow_id
    assert "EHC-0001" in workflow_id and "Kent" not in workflow_id

    await sleep_until_day(env, today + days(10))
    sent_on = await london_today(env)
    state = await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=sent_on, by="teacher"))
    assert state.status == StepStatus.COMPLETED and state.step.on_time is True

    result = await outcome(env, workflow_id)
    assert result.on_time and result.days_late == 0 and result.completed_on == sent_on

    process, [step] = process_row(sessions, workflow_id)
    assert process.status == "completed" and process.closed_at is not None and process.outcome == "sent on time"
    assert step.status == "completed" and step.on_time and step.due == plan.due and step.target == plan.target
    kinds = [e.kind for e in events(sessions, workflow_id)]
    assert kinds[:2] == ["request-received", "step-opened"] and kinds[-2:] == ["completed", "process-closed"]
    assert [(o.recipient, o.status) for o in outbox(sessions, workflow_id, "assigned")] == [("teacher", "kept")]
    assert {o.recipient for o in outbox(sessions, workflow_id, "completed")} == {"teacher", "senco"}
    assert outbox(sessions, workflow_id, "overdue") == []


async def test_reminders_at_eight_on_working_days_then_escalations_when_late(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0002"))
    workflow_id, plan = started.state.workflow_id, started.state.step.plan

    await sleep_until_day(env, plan.due + days(16))
    calendar = SchoolCalendar()
    expected_reminders = [d for _, d in reminder_dates(plan.target, [14, 7, 2, 0], calendar) if d >= today]
    reminders = outbox(sessions, workflow_id, "reminder")
    assert [local_date(o.scheduled_for) for o in reminders] == expected_reminders
    expected_escalations = [d for d in escalation_dates(plan.due, calendar, 7, 4) if d <= plan.due + days(16)]
    escalations = outbox(sessions, workflow_id, "overdue")
    assert sorted({local_date(o.scheduled_for) for o in escalations}) == expected_escalations
    assert len(expected_escalations) >= 2
    # Escalations go to the owner and the SENCO; every notice at 08:00 London time on a working day.
    assert {o.recipient for o in escalations} == {"teacher", "senco"}
    for row in reminders + escalations:
        local = row.scheduled_for.astimezone(ZoneInfo("Europe/London"))
        assert (local.hour, local.minute) == (8, 0) and calendar.is_working_day(local.date())
    assert "OVERDUE" in escalations[0].subject and "EHC-0002" in escalations[0].subject

    sent_on = await london_today(env)
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=sent_on, by="senco", method="post"))
    result = await outcome(env, workflow_id)
    assert result.on_time is False and result.days_late == (sent_on - plan.due).days == 16
    process, [step] = process_row(sessions, workflow_id)
    assert process.outcome == "sent 16 day(s) late" and step.days_late == 16
    assert sum(e.kind == "escalation-sent" for e in events(sessions, workflow_id)) == len(expected_escalations)


@pytest.mark.databases
async def test_exemption_turns_reminders_into_as_soon_as_practicable(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0003"))
    workflow_id, plan = started.state.workflow_id, started.state.step.plan

    await sleep_until_day(env, today + days(5))
    state = await record_exemption(
        env.client,
        settings,
        workflow_id,
        Exemption(ground="reg8-2-b", start=today + days(2), note="family abroad for 5 weeks", claimed_by="senco"),
    )
    assert state.step.exemption.ground == "reg8-2-b"

    await sleep_until_day(env, plan.due + days(20))
    assert outbox(sessions, workflow_id, "overdue") == []  # no escalation: the duty is now "as soon as practicable"
    nudges = outbox(sessions, workflow_id, "asap")
    assert len(nudges) >= 5 and all(o.recipient == "teacher" for o in nudges)
    assert {o.recipient for o in outbox(sessions, workflow_id, "exemption")} == {"teacher", "senco"}

    sent_on = await london_today(env)
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=sent_on, by="teacher"))
    result = await outcome(env, workflow_id)
    assert result.exempt and result.on_time is False
    process, [step] = process_row(sessions, workflow_id)
    assert step.exempt and step.exemption_ground == "reg8-2-b"
    assert process.outcome.endswith("(exemption recorded)")


@pytest.mark.databases
async def test_withdrawal_by_the_la_closes_the_request(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0004"))
    workflow_id = started.state.workflow_id
    await sleep_until_day(env, today + days(3))
    state = await withdraw(
        env.client,
        settings,
        workflow_id,
        Withdrawal(withdrawn_on=await london_today(env), reason="LA decided not to assess", by="senco"),
    )
    assert state.status == StepStatus.WITHDRAWN
    result = await outcome(env, workflow_id)
    assert result.status == StepStatus.WITHDRAWN and result.on_time is None
    process, [step] = process_row(sessions, workflow_id)
    assert (process.status, step.status, process.outcome) == ("withdrawn", "withdrawn", "withdrawn by the LA")
    assert [o.recipient for o in outbox(sessions, workflow_id, "withdrawn")] == ["teacher"]


@pytest.mark.databases
async def test_duplicate_start_returns_the_existing_request(env, settings, sessions):
    today = await london_today(env)
    request = advice_request(today, case_ref="EHC-0005")
    first = await start_advice_request(env.client, settings, request)
    second = await start_advice_request(env.client, settings, request)
    assert first.created and not second.created
    assert second.state.workflow_id == first.state.workflow_id and second.state.step.plan == first.state.step.plan
    with pytest.raises(RequestError, match="la: this case already has a request"):
        await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0005", la="Surrey"))

    await advice_sent(env.client, settings, first.state.workflow_id, AdviceSent(sent_on=today, by="teacher"))
    await outcome(env, first.state.workflow_id)
    third = await start_advice_request(env.client, settings, request)  # closed: returned as it stands
    assert not third.created and third.state.status == StepStatus.COMPLETED
    process, steps = process_row(sessions, first.state.workflow_id)
    assert len(steps) == 1
    assert sum(e.kind == "request-received" for e in events(sessions, first.state.workflow_id)) == 1


async def test_invalid_updates_are_rejected_and_change_nothing(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0006"))
    workflow_id = started.state.workflow_id
    bad = [
        (AdviceSent(sent_on=today - days(1), by="teacher"), "sent_on: .* is before the request was received"),
        (AdviceSent(sent_on=today + days(1), by="teacher"), "sent_on: .* is in the future"),
    ]
    for update, message in bad:
        with pytest.raises(RequestError, match=message):
            await advice_sent(env.client, settings, workflow_id, update)
    with pytest.raises(RequestError, match="ground 'school-closed' does not apply"):
        await record_exemption(env.client, settings, workflow_id, Exemption(ground="school-closed", claimed_by="senco"))
    with pytest.raises(RequestError, match="by: no staff member with id 'nobody'"):
        await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=today, by="nobody"))
    with pytest.raises(RequestError, match="owner: no staff member"):
        await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0007", owner="ghost"))

    # The step's "opened" record follows the start asynchronously: wait for it (bounded), then nothing more.
    for _ in range(200):
        if len(events(sessions, workflow_id)) >= 2:
            break
        await asyncio.sleep(0.05)
    assert [e.kind for e in events(sessions, workflow_id)] == ["request-received", "step-opened"]
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=today, by="teacher"))
    with pytest.raises(RequestError, match="already completed"):
        await withdraw(env.client, settings, workflow_id, Withdrawal(withdrawn_on=today, by="senco"))
    await outcome(env, workflow_id)


async def test_request_entered_late_skips_past_reminders_and_escalates(env, settings, sessions):
    today = await london_today(env)
    received = today - days(50)  # already past the six weeks
    started = await start_advice_request(env.client, settings, advice_request(received, case_ref="EHC-0008"))
    workflow_id, plan = started.state.workflow_id, started.state.step.plan
    assert plan.due < today
    await sleep_until_day(env, today + days(8))
    assert outbox(sessions, workflow_id, "reminder") == []
    assert [o.recipient for o in outbox(sessions, workflow_id, "assigned")] == ["teacher"]
    assert len(outbox(sessions, workflow_id, "overdue")) >= 2
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher"))
    result = await outcome(env, workflow_id)
    assert result.days_late > 8


async def test_a_continued_run_resumes_from_the_carried_state(env, settings, sessions):
    """Continue-as-new hands the step's state to a new run: it must neither re-plan, re-announce nor lose notices."""
    from workflows.ehc_advice import EhcAdviceRequest
    from workflows.models import AdviceRunInput

    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0009"))
    workflow_id = started.state.workflow_id
    await sleep_until_day(env, started.state.step.plan.target - days(3))  # some reminders sent, some pending
    handle = env.client.get_workflow_handle(workflow_id)
    carried = (await handle.query(EhcAdviceRequest.state)).step
    assert carried.notices_sent >= 1 and carried.pending
    await handle.terminate(reason="test: stand-in for continue-as-new")

    resumed = await env.client.start_workflow(
        EhcAdviceRequest.run,
        AdviceRunInput(request=started.state.request, carried=carried),
        id=workflow_id,
        task_queue=settings.temporal.task_queue,
    )
    # Two days late, or later when the first escalation comes later (a bank holiday or a weekend after the due date).
    due = started.state.step.plan.due
    first_escalation = next(n.on for n in carried.pending if n.kind == "overdue")
    await sleep_until_day(env, max(due + days(2), first_escalation))
    sent_on = await london_today(env)
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=sent_on, by="teacher"))
    result = await resumed.result()
    assert result.days_late == (sent_on - due).days >= 2 and result.due == due
    kinds = [e.kind for e in events(sessions, workflow_id)]
    assert kinds.count("request-received") == 1 and kinds.count("step-opened") == 1
    assert len(outbox(sessions, workflow_id, "assigned")) == 1
    sent_days = [local_date(o.scheduled_for) for o in outbox(sessions, workflow_id, "reminder")]
    assert len(sent_days) == len(set(sent_days))  # no reminder sent twice across the two runs
    assert len(outbox(sessions, workflow_id, "overdue")) >= 1


async def test_the_explanation_of_the_dates_is_recorded_once_per_plan(env, settings, sessions):
    """Each record carries the step row; the explanation of its dates (1-2 KB) only with the first record of each
    plan. The step row and the auditor's timeline keep it to the end."""
    from audit import timeline
    from audit.converter import data_converter
    from starter.client.histories import fetch_run

    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0901"))
    workflow_id, explanation = started.state.workflow_id, started.state.step.plan.explanation
    await sleep_until_day(env, started.state.step.plan.target)  # the reminders on the way
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher"))
    await outcome(env, workflow_id)

    run = await fetch_run(env.client, workflow_id)
    converter = data_converter()
    entries = [timeline.recorded_entry(call, converter) for call in timeline.calls(run) if call.name == "record"]
    steps = [(e.kind, e.step.explanation) for e in entries if e.step is not None]
    assert [k for k, _ in steps][:1] == ["step-opened"] and "completed" in [k for k, _ in steps] and len(steps) > 3
    assert [k for k, text in steps if text is not None] == ["step-opened"] and steps[0][1] == explanation

    [summary] = timeline.build([run], converter).steps
    assert summary.explanation == explanation and summary.status == "completed"
    _, [row] = process_row(sessions, workflow_id)
    assert row.explanation == explanation and row.status == "completed"
