"""The school's own commitments on the time-skipping server (issue 24): a school year of SEN support reviews (on time,
a missed term that escalates and still opens the next, a pupil moving from K to E), termly PEP reviews with one held
with the annual review, and each school duty on time and late.

The tests' settings configure no terms: the England pattern stands in (statutory/terms.py), so every date here is
computed from the server's clock with the same SchoolTerms the planning activity uses, whatever day the tests run.
"""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from commands.errors import Refused
from starter.processes import complete_step, end_process, process_state, review_held, start_process
from starter.requests import step_options
from starter.review import start_review
from statutory import compute_due, get_rule
from statutory.terms import SchoolTerms
from tests.workflows.advice_flow import (
    days,
    events,
    header,
    london_today,
    outbox,
    process_row,
    sleep_until_day,
    steps,
)
from workflows.models import (
    NO_LA,
    ProcessEnded,
    ProcessState,
    ReviewHeld,
    ReviewInput,
    SchoolDutyInput,
    StepDone,
    StepStatus,
    TermlyInput,
    duty_case_ref,
)
from workflows.registry import PEP, SCHOOL_DUTY, SUPPORT

pytestmark = pytest.mark.usefixtures("worker")
TERMS = SchoolTerms()  # the England pattern: the tests' settings configure no terms


async def start_support(env, settings, case_ref: str, placed_on: date, owner: str = "teacher") -> ProcessState:
    run_input = TermlyInput(
        header=header(placed_on, case_ref=case_ref, la=NO_LA, owner=owner), options=step_options(settings)
    )
    started = await start_process(
        env.client, settings, SUPPORT.workflow.run, run_input, SUPPORT.workflow_id(case_ref, placed_on), SUPPORT.kind
    )
    return started.state


async def held(env, settings, workflow_id: str, on: date, *, with_parents: bool = True, **fields) -> ProcessState:
    return await review_held(
        env.client,
        settings,
        workflow_id,
        ReviewHeld(held_on=on, by="teacher", with_parents=with_parents, **fields),
    )


def reviews(state: ProcessState) -> list:
    return [s for s in state.steps if s.rule_id == "sen-support-review"]


async def test_a_school_year_of_sen_support_reviews(env, settings, sessions):
    today = await london_today(env)
    first = TERMS.term_of(today)
    on_time = await start_support(env, settings, "SUP-T001", today)
    missed = await start_support(env, settings, "SUP-T002", today)
    to_plan = await start_support(env, settings, "SUP-T003", today)
    step = reviews(on_time)[0]
    assert step.plan.due == step.plan.target
    assert step.plan.due == compute_due(get_rule("sen-support-review"), today)
    assert first.start <= step.plan.due <= first.end

    # Held with the parents in the first term: on time.
    state = await held(env, settings, on_time.workflow_id, today, next_review_on=today + days(60))
    assert reviews(state)[0].status == StepStatus.COMPLETED and reviews(state)[0].on_time
    assert state.facts["reviews_with_parents"] == 1 and state.facts["next_review_on"] == (today + days(60)).isoformat()

    # K to E: the support cycle ends (an EHC plan was made) and its open review is cancelled.
    await sleep_until_day(env, today + days(1))
    ended = await end_process(
        env.client,
        settings,
        to_plan.workflow_id,
        ProcessEnded(ended_on=today + days(1), reason="ehc-plan", by="senco"),
    )
    assert ended.closed and ended.status == StepStatus.COMPLETED
    assert [s.status for s in reviews(ended)] == [StepStatus.CANCELLED]
    await env.client.get_workflow_handle(to_plan.workflow_id).result()
    assert "an EHC plan was made" in process_row(sessions, to_plan.workflow_id)[0].outcome
    assert steps(sessions, to_plan.workflow_id)["sen-support-review"].status == "cancelled"

    # The next term begins: the missed review is overdue and escalated, and the next term's review opens all the same.
    second = TERMS.next_term(first)
    await sleep_until_day(env, second.start + days(8))
    state = await process_state(env.client, missed.workflow_id)
    assert [(s.instance, s.status) for s in reviews(state)] == [(1, StepStatus.OPEN), (2, StepStatus.OPEN)]
    assert reviews(state)[1].plan.due == compute_due(get_rule("sen-support-review"), second.start)
    assert outbox(sessions, missed.workflow_id, "overdue"), "the missed review escalated"
    assert {row.recipient for row in outbox(sessions, missed.workflow_id, "overdue")} >= {"teacher", "senco"}

    # The late review recorded in the next term closes the missed term's step (late), not the new one.
    late_on = await london_today(env)
    state = await held(env, settings, missed.workflow_id, late_on, with_parents=False, why_not="parent unwell")
    first_review, second_review = reviews(state)
    assert first_review.status == StepStatus.COMPLETED and not first_review.on_time and first_review.days_late > 0
    assert second_review.status == StepStatus.OPEN
    assert "reviews_with_parents" not in state.facts

    # The on-time pupil's reviews go on term after term, into the next school year (a new run).
    state = await process_state(env.client, on_time.workflow_id)
    assert [(s.instance, s.status) for s in reviews(state)] == [(1, StepStatus.COMPLETED), (2, StepStatus.OPEN)]
    await held(env, settings, on_time.workflow_id, await london_today(env))
    term = second
    first_run = (await env.client.get_workflow_handle(on_time.workflow_id).describe()).run_id
    while term.school_year == first.school_year:
        term = TERMS.next_term(term)
        await sleep_until_day(env, term.start + days(2))
        state = await process_state(env.client, on_time.workflow_id)
        assert reviews(state)[-1].plan.due == compute_due(get_rule("sen-support-review"), term.start)
        await held(env, settings, on_time.workflow_id, await london_today(env))
    described = await env.client.get_workflow_handle(on_time.workflow_id).describe()
    assert described.run_id != first_run, "each school year is a run of its own"
    rows = [s for s in steps_all(sessions, on_time.workflow_id)]
    assert len(rows) >= 3 and all(r.status == "completed" and r.on_time for r in rows)

    for workflow_id in (on_time.workflow_id, missed.workflow_id):
        final = await end_process(
            env.client,
            settings,
            workflow_id,
            ProcessEnded(ended_on=await london_today(env), reason="left-school", by="senco"),
        )
        assert final.closed


def steps_all(sessions, workflow_id: str) -> list:
    from sqlalchemy import select

    from store.models import Step

    with sessions() as s:
        return list(s.scalars(select(Step).where(Step.process_id == workflow_id).order_by(Step.instance)))


async def test_a_review_needs_to_say_whether_the_parents_took_part_and_the_generic_done_is_refused(env, settings):
    today = await london_today(env)
    state = await start_support(env, settings, "SUP-T004", today)
    with pytest.raises(Refused) as refused:
        await review_held(
            env.client, settings, state.workflow_id, ReviewHeld(held_on=today, by="teacher", with_parents=None)
        )
    assert refused.value.problems[0].field == "with_parents"
    with pytest.raises(Refused) as refused:
        await held(env, settings, state.workflow_id, today, with_parents=False)
    assert refused.value.problems[0].field == "why_not"
    with pytest.raises(Refused) as refused:
        await complete_step(
            env.client,
            settings,
            state.workflow_id,
            StepDone(rule_id="sen-support-review", done_on=today, by="teacher"),
        )
    assert "held" in refused.value.problems[0].reason
    with pytest.raises(Refused) as refused:
        await end_process(
            env.client, settings, state.workflow_id, ProcessEnded(ended_on=today, reason="bored", by="senco")
        )
    assert refused.value.problems[0].field == "reason"
    await end_process(
        env.client, settings, state.workflow_id, ProcessEnded(ended_on=today, reason="needs-met", by="senco")
    )


async def test_a_pep_review_says_when_the_annual_review_falls_in_the_same_term_and_one_meeting_does_both(
    env, settings, sessions
):
    today = await london_today(env)
    term = TERMS.term_of(today)
    plan_date = term.end + days(1) - relativedelta(months=12)  # its annual review is due on the term's last day
    assert compute_due(get_rule("annual-review-due"), plan_date) == term.end
    review = await start_review(
        env.client,
        settings,
        ReviewInput(header=header(plan_date, case_ref="PEP-T001", owner="senco"), options=step_options(settings)),
    )
    run_input = TermlyInput(header=header(today, case_ref="PEP-T001", owner="senco"), options=step_options(settings))
    pep = (
        await start_process(
            env.client, settings, PEP.workflow.run, run_input, PEP.workflow_id("PEP-T001", today), PEP.kind
        )
    ).state
    assert pep.facts["annual_review_this_term"] == term.end.isoformat()
    said = [e for e in events(sessions, pep.workflow_id) if e.kind == "annual-review-this-term"]
    assert said and said[0].data["annual_review_due"] == term.end.isoformat()

    state = await review_held(
        env.client,
        settings,
        pep.workflow_id,
        ReviewHeld(held_on=today, by="senco", with_annual_review=True, evidence="one meeting with the annual review"),
    )
    (step,) = state.steps
    assert step.status == StepStatus.COMPLETED and step.on_time
    done = [e for e in events(sessions, pep.workflow_id) if e.kind == "completed"]
    assert done[-1].data["with_annual_review"] is True
    await end_process(
        env.client,
        settings,
        pep.workflow_id,
        ProcessEnded(ended_on=today, reason="no-longer-looked-after", by="senco"),
    )
    await env.client.get_workflow_handle(review.state.workflow_id).terminate(reason="test done")


async def start_duty(env, settings, duty: str, last_done: date, owner: str = "head") -> ProcessState:
    run_input = SchoolDutyInput(
        header=header(last_done, case_ref=duty_case_ref(duty), la=NO_LA, owner=owner), options=step_options(settings)
    )
    started = await start_process(
        env.client,
        settings,
        SCHOOL_DUTY.workflow.run,
        run_input,
        SCHOOL_DUTY.workflow_id(duty_case_ref(duty)),
        SCHOOL_DUTY.kind,
    )
    return started.state


async def next_year(env, workflow_id: str, instance: int) -> ProcessState:
    """The duty's next run has opened next year's step."""
    import asyncio

    for _ in range(200):
        state = await process_state(env.client, workflow_id)
        if state.steps and state.steps[-1].instance == instance and state.steps[-1].plan is not None:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"year {instance} never opened")


async def test_each_school_duty_on_time_and_late(env, settings, sessions):
    today = await london_today(env)
    rule = get_rule("sen-information-report")

    # The SEN information report, published on time: next year's step counts from the day it was published.
    report = await start_duty(env, settings, "sen-information-report", today - relativedelta(months=12) + days(20))
    (step,) = report.steps
    assert step.plan.due == compute_due(rule, today - relativedelta(months=12) + days(20))
    await sleep_until_day(env, today + days(5))
    published = today + days(5)
    await complete_step(
        env.client,
        settings,
        report.workflow_id,
        StepDone(rule_id=rule.id, done_on=published, by="head", evidence="https://school.example.org/send-report"),
    )
    state = await next_year(env, report.workflow_id, 2)
    assert state.steps[-1].plan.due == compute_due(rule, published)
    first_year = [s for s in steps_all(sessions, report.workflow_id) if s.instance == 1][0]
    assert first_year.status == "completed" and first_year.on_time

    # The SEND policy review, already overdue when tracked: escalated at once, then done late.
    policy = await start_duty(env, settings, "send-policy-review", today - relativedelta(months=12) - days(10), "senco")
    assert outbox(sessions, policy.workflow_id, "overdue"), "one catch-up escalation for a review already late"
    done_on = await london_today(env)
    await complete_step(
        env.client,
        settings,
        policy.workflow_id,
        StepDone(rule_id="send-policy-review", done_on=done_on, by="senco", evidence="FGB minutes 2026-12 item 7"),
    )
    await next_year(env, policy.workflow_id, 2)
    late = [s for s in steps_all(sessions, policy.workflow_id) if s.instance == 1][0]
    assert late.status == "completed" and not late.on_time and late.days_late >= 10

    # The annual report to parents: due by the summer term's last school day; next year's by the next summer's.
    progress = await start_duty(env, settings, "annual-progress-report", today)
    (step,) = progress.steps
    summer = TERMS.last_term_of_year(today)
    assert step.plan.due == compute_due(get_rule("annual-progress-report"), today) and summer.start <= step.plan.due
    await complete_step(
        env.client,
        settings,
        progress.workflow_id,
        StepDone(rule_id="annual-progress-report", done_on=done_on, by="head", evidence="reports sent home"),
    )
    state = await next_year(env, progress.workflow_id, 2)
    assert state.steps[-1].plan.due > step.plan.due + relativedelta(months=11)

    for workflow_id in (report.workflow_id, policy.workflow_id, progress.workflow_id):
        final = await end_process(
            env.client,
            settings,
            workflow_id,
            ProcessEnded(ended_on=await london_today(env), reason="no-longer-tracked", by="senco"),
        )
        assert final.closed
