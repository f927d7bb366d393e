"""Record the histories the replay tests check: `python -m tests.replay.record_histories [NAME ...]`.

Without names it records only the scenarios whose file is missing (a new workflow's first histories, or every
scenario after GENERATION moves on); with names it records those again. Files are `<scenario>@<GENERATION>.json`:
when a workflow change is meant to be incompatible and has been patched (workflow.patched), set GENERATION to the
patch's id and record every scenario, keeping the earlier files (those recorded before any generation was named have
no suffix): the files in tests/histories/ are what the code must always be able to replay. A scenario added with a
later patch of one workflow, before GENERATION moves on, is named after that patch (GENERATIONS). A scenario that
keeps several runs of its workflow (a cycle and the next) writes `<scenario>-run<N>@...` for the second and later.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.sendclock import SendclockActivities
from config.settings import CalendarSettings, ClosureSetting, NotificationSettings, Settings, StaffMember
from starter.advice import advice_sent, record_exemption, start_advice_request, step_options, withdraw
from starter.binaries import temporal_test_server
from starter.processes import (
    complete_step,
    end_process,
    exempt_step,
    process_state,
    reassign_step,
    replan_steps,
    review_held,
    start_process,
    update,
)
from starter.requests import start_school
from starter.review import appeal, final_plan, la_decision, meeting_held, plan_ceased, set_meeting, start_review
from statutory.terms import SchoolTerms
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from tests.workflows.advice_flow import advice_request, header, london_today, outcome, sleep_until_day
from worker import build_worker
from workflows.annual_review import REVIEW_LAW_2026, AnnualReview
from workflows.calls import LOCAL_ACTIVITIES
from workflows.draft_consultation import DraftPlanConsultation
from workflows.ehc_advice import EhcAdviceRequest
from workflows.models import (
    NO_LA,
    AdviceRunInput,
    AdviceSent,
    AppealChange,
    DraftConsultationInput,
    Exemption,
    FinalPlan,
    LaChase,
    LaDecision,
    MeetingDate,
    MeetingHeld,
    PlanCeased,
    ProcessEnded,
    ReassessmentInput,
    Reassignment,
    Replan,
    ReviewDecision,
    ReviewHeld,
    ReviewInput,
    SchoolDutyInput,
    StepDone,
    StepExemption,
    TermlyInput,
    Withdrawal,
    duty_case_ref,
)
from workflows.process import START_UPDATE_MEMO
from workflows.reassessment import DECISION, EARLIEST, FINAL, Reassessment
from workflows.registry import ADVICE, DRAFT, PEP, REASSESSMENT, SCHOOL_DUTY, SUPPORT
from workflows.school_duty import SchoolDuty
from workflows.search_attributes import REGISTRATION
from workflows.step import CATCH_UP
from workflows.termly import PepReviews, SenSupportCycle

HERE = Path(__file__).resolve().parent.parent / "histories"
GENERATION = LOCAL_ACTIVITIES  # the newest patch the recordings were made under
INDEXED = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
}

# Each scenario runs one workflow to its end (a workflow left running would hold up the test server's clock for
# the next) and returns its ID and, where the run to keep is not the last one, that run's ID (or the IDs of the runs
# to keep).
Scenario = Callable[[WorkflowEnvironment, Settings], Awaitable[str | tuple[str, str] | tuple[str, list[str]]]]


async def advice_late(env: WorkflowEnvironment, settings: Settings) -> str:
    """Reminders, escalations, then sent."""
    today = await london_today(env)
    late = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-H001"))
    await sleep_until_day(env, late.state.step.plan.due + timedelta(days=9))
    await advice_sent(
        env.client,
        settings,
        late.state.workflow_id,
        AdviceSent(sent_on=await london_today(env), by="teacher", note="sent by e-mail"),
    )
    await outcome(env, late.state.workflow_id)
    return late.state.workflow_id


async def advice_exemption(env: WorkflowEnvironment, settings: Settings) -> str:
    """Exemption, "as soon as practicable" nudges, then sent."""
    today = await london_today(env)
    exempt = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-H002"))
    await sleep_until_day(env, today + timedelta(days=4))
    await record_exemption(
        env.client,
        settings,
        exempt.state.workflow_id,
        Exemption(ground="reg8-2-c", start=today + timedelta(days=1), claimed_by="senco"),
    )
    await sleep_until_day(env, exempt.state.step.plan.due + timedelta(days=15))
    await advice_sent(
        env.client, settings, exempt.state.workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher")
    )
    await outcome(env, exempt.state.workflow_id)
    return exempt.state.workflow_id


async def advice_withdrawn(env: WorkflowEnvironment, settings: Settings) -> str:
    """Withdrawn by the LA."""
    today = await london_today(env)
    gone = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-H003"))
    await sleep_until_day(env, today + timedelta(days=2))
    await withdraw(
        env.client, settings, gone.state.workflow_id, Withdrawal(withdrawn_on=await london_today(env), by="senco")
    )
    await outcome(env, gone.state.workflow_id)
    return gone.state.workflow_id


async def advice_la_clock(env: WorkflowEnvironment, settings: Settings) -> str:
    """The LA's clock beside the advice: advice sent on time, the LA's final plan chased, then received late."""
    today = await london_today(env)
    request = advice_request(today, case_ref="EHC-H009").model_copy(
        update={"assessment_requested_on": today - timedelta(days=30)}
    )
    started = await start_advice_request(env.client, settings, request)
    workflow_id = started.state.workflow_id
    await sleep_until_day(env, today + timedelta(days=12))
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher"))
    await sleep_until_day(env, started.state.la_steps[0].plan.due + timedelta(days=10))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="ehc-final-plan", done_on=await london_today(env), by="senco", evidence="final plan received"),
    )
    await outcome(env, workflow_id)
    return workflow_id


async def advice_storm(env: WorkflowEnvironment, settings: Settings) -> str:
    """A request entered 300 days after it was received: one catch-up, then weekly escalations; then sent."""
    today = await london_today(env)
    late = await start_advice_request(
        env.client, settings, advice_request(today - timedelta(days=300), case_ref="EHC-H013")
    )
    await sleep_until_day(env, today + timedelta(days=15))
    await advice_sent(
        env.client, settings, late.state.workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher")
    )
    await outcome(env, late.state.workflow_id)
    return late.state.workflow_id


async def advice_replanned(env: WorkflowEnvironment, settings: Settings) -> str:
    """Planned again (`sendclock process replan`) after the school closes over the target: the target moves earlier,
    recorded and told; the advice is then sent on time."""
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-H012"))
    workflow_id, target = started.state.workflow_id, started.state.step.plan.target
    await sleep_until_day(env, today + timedelta(days=3))
    closure = ClosureSetting(start=target - timedelta(days=6), end=target + timedelta(days=2), label="Half term")
    settings.calendar.closures.append(closure)  # the school's term dates change while the request is open
    try:
        await replan_steps(env.client, settings, workflow_id, Replan(by="senco", reason="term dates changed"))
    finally:
        settings.calendar.closures.remove(closure)
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=await london_today(env), by="teacher"))
    await outcome(env, workflow_id)
    return workflow_id


async def draft_consultation(env: WorkflowEnvironment, settings: Settings) -> str:
    """Both steps side by side: the school's step reassigned, escalated, done late; the parent's window closes."""
    today = await london_today(env)
    started = await start_process(
        env.client,
        settings,
        DraftPlanConsultation.run,
        DraftConsultationInput(header=header(today, case_ref="EHC-H004"), options=step_options(settings)),
        DRAFT.workflow_id("EHC-H004", today),
        DRAFT.kind,
    )
    workflow_id = started.state.workflow_id
    await sleep_until_day(env, today + timedelta(days=2))
    await reassign_step(
        env.client,
        settings,
        workflow_id,
        Reassignment(rule_id="naming-consultation", owner="senco", by="senco", reason="teacher away"),
    )
    await sleep_until_day(env, started.state.step("naming-consultation").plan.due + timedelta(days=9))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="naming-consultation", done_on=await london_today(env), by="senco", evidence="views e-mailed"),
    )
    await _result(env, workflow_id, DraftPlanConsultation)
    return workflow_id


async def reassessment_reassessed(env: WorkflowEnvironment, settings: Settings) -> str:
    """Prompted on the earliest date, request sent, the LA re-assesses, an exemption on the final plan, issued."""
    today = await london_today(env)
    workflow_id = await _start_reassessment(env, settings, "EHC-H005", today, today - relativedelta(months=5))
    earliest = (await process_state(env.client, workflow_id)).step(EARLIEST)
    await sleep_until_day(env, earliest.plan.target + timedelta(days=1))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id=EARLIEST, done_on=await london_today(env), by="teacher", evidence="request e-mailed"),
    )
    await _opened(env, workflow_id, DECISION)
    await sleep_until_day(env, await london_today(env) + timedelta(days=10))
    await update(
        env.client,
        workflow_id,
        Reassessment.la_decided,
        LaDecision(decided_on=await london_today(env), reassess=True, by="senco", evidence="LA notice"),
    )
    await _opened(env, workflow_id, FINAL)
    await sleep_until_day(env, await london_today(env) + timedelta(days=20))
    await exempt_step(
        env.client,
        settings,
        workflow_id,
        StepExemption(
            rule_id=FINAL,
            exemption=Exemption(
                ground="la-absence", start=await london_today(env) - timedelta(days=2), claimed_by="senco"
            ),
        ),
    )
    await sleep_until_day(env, await london_today(env) + timedelta(days=30))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id=FINAL, done_on=await london_today(env), by="senco", evidence="final plan received"),
    )
    await _result(env, workflow_id, Reassessment)
    return workflow_id


async def reassessment_refused(env: WorkflowEnvironment, settings: Settings) -> str:
    """Request sent before the earliest date (flagged); the LA is chased, then refuses."""
    today = await london_today(env)
    workflow_id = await _start_reassessment(env, settings, "EHC-H006", today, today - relativedelta(months=2))
    await sleep_until_day(env, today + timedelta(days=1))
    await complete_step(
        env.client, settings, workflow_id, StepDone(rule_id=EARLIEST, done_on=await london_today(env), by="teacher")
    )
    await _opened(env, workflow_id, DECISION)
    await sleep_until_day(env, await london_today(env) + timedelta(days=30))
    await update(
        env.client,
        workflow_id,
        Reassessment.la_decided,
        LaDecision(decided_on=await london_today(env), reassess=False, by="senco"),
    )
    await _result(env, workflow_id, Reassessment)
    return workflow_id


async def annual_review_cycle(env: WorkflowEnvironment, settings: Settings) -> tuple[str, str]:
    """A year's cycle: meeting moved, notice late, advice and report on time, the LA maintains, continue-as-new.

    The first run is the one kept: it holds the whole cycle and ends by continuing as new."""
    today = await london_today(env)
    started = await start_review(
        env.client,
        settings,
        ReviewInput(header=header(today - timedelta(days=300), case_ref="EHC-H007", owner="senco"), year_group=8),
    )
    workflow_id = started.state.workflow_id
    first_run = (await env.client.get_workflow_handle(workflow_id).describe()).run_id
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=today + timedelta(days=30), by="senco"))
    meeting = today + timedelta(days=35)
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    await sleep_until_day(env, meeting - timedelta(days=15))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="review-advice-circulation", done_on=await london_today(env), by="senco"),
    )
    await sleep_until_day(env, meeting - timedelta(days=10))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="review-notice", done_on=await london_today(env), by="senco", evidence="invitations posted"),
    )
    await sleep_until_day(env, meeting)
    await meeting_held(env.client, settings, workflow_id, MeetingHeld(held_on=meeting, by="senco"))
    await sleep_until_day(env, meeting + timedelta(days=10))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="review-report", done_on=await london_today(env), by="senco"),
    )
    await sleep_until_day(env, meeting + timedelta(days=20))
    await la_decision(
        env.client,
        settings,
        workflow_id,
        ReviewDecision(decided_on=await london_today(env), decision="maintain", by="senco"),
    )
    await sleep_until_day(env, meeting + timedelta(days=25))
    await plan_ceased(
        env.client,
        settings,
        workflow_id,
        PlanCeased(ceased_on=await london_today(env), by="senco", reason="recording over"),
    )
    await _result(env, workflow_id, AnnualReview)
    return workflow_id, first_run


async def annual_review_ceased(env: WorkflowEnvironment, settings: Settings) -> str:
    """A phase-transfer year: the meeting is set, then the plan ceases (the child moved away) and every step ends."""
    today = await london_today(env)
    started = await start_review(
        env.client,
        settings,
        ReviewInput(
            header=header(today - timedelta(days=200), case_ref="EHC-H008", owner="senco"),
            transfer_on=today.replace(month=9, day=1) + relativedelta(years=1),
            transfer_kind="phase",
        ),
    )
    workflow_id = started.state.workflow_id
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=today + timedelta(days=40), by="senco"))
    await sleep_until_day(env, today + timedelta(days=7))
    await plan_ceased(
        env.client,
        settings,
        workflow_id,
        PlanCeased(ceased_on=await london_today(env), by="senco", reason="moved to another LA's area"),
    )
    await _result(env, workflow_id, AnnualReview)
    return workflow_id


async def annual_review_transfer_year(env: WorkflowEnvironment, settings: Settings) -> tuple[str, list[str]]:
    """A phase-transfer year under the law of 2026: the meeting meets phase-transfer-meeting-by, the LA's amend
    decision meets annual-review-due and leaves phase-transfer-review open; in the next cycle it is escalated after
    14 February, then met (with the amended plan) by the final plan naming the new school. Both runs are kept."""
    today = await london_today(env)
    feb14 = (
        date(today.year, 2, 14)
        if date(today.year, 2, 14) >= today + timedelta(days=40)
        else date(today.year + 1, 2, 14)
    )
    started = await start_review(
        env.client,
        settings,
        ReviewInput(
            header=header(today - timedelta(days=300), case_ref="EHC-H010", owner="senco"),
            transfer_on=date(feb14.year, 9, 1),
            transfer_kind="phase",
            year_group=6,
        ),
    )
    workflow_id = started.state.workflow_id
    first_run = (await env.client.get_workflow_handle(workflow_id).describe()).run_id
    meeting = await _review_meeting(env, settings, workflow_id, today + timedelta(days=16))
    await la_decision(
        env.client,
        settings,
        workflow_id,
        ReviewDecision(decided_on=meeting + timedelta(days=20), decision="amend", by="senco", evidence="LA letter"),
    )
    await sleep_until_day(env, feb14 + timedelta(days=10))
    await final_plan(
        env.client,
        settings,
        workflow_id,
        FinalPlan(
            issued_on=await london_today(env), names_setting="Northgate High School", by="senco", evidence="LA letter"
        ),
    )
    await sleep_until_day(env, feb14 + timedelta(days=12))
    await plan_ceased(
        env.client,
        settings,
        workflow_id,
        PlanCeased(ceased_on=await london_today(env), by="senco", reason="recording over"),
    )
    await _result(env, workflow_id, AnnualReview)
    return workflow_id, [first_run, (await env.client.get_workflow_handle(workflow_id).describe()).run_id]


async def annual_review_cease_appeal(env: WorkflowEnvironment, settings: Settings) -> tuple[str, list[str]]:
    """A decision to cease under the law of 2026: the appeal window opens and the next cycle begins; an appeal is
    lodged (meeting the window), decided (the cease upheld), and only then is the plan recorded as ceased."""
    today = await london_today(env)
    started = await start_review(
        env.client,
        settings,
        ReviewInput(header=header(today - timedelta(days=300), case_ref="EHC-H011", owner="senco")),
    )
    workflow_id = started.state.workflow_id
    first_run = (await env.client.get_workflow_handle(workflow_id).describe()).run_id
    meeting = await _review_meeting(env, settings, workflow_id, today + timedelta(days=16))
    decided = meeting + timedelta(days=20)
    await la_decision(
        env.client,
        settings,
        workflow_id,
        ReviewDecision(decided_on=decided, decision="cease", by="senco", evidence="LA notice to cease"),
    )
    await sleep_until_day(env, decided + timedelta(days=25))
    await appeal(env.client, settings, workflow_id, AppealChange(lodged_on=await london_today(env), by="senco"))
    await sleep_until_day(env, decided + timedelta(days=100))
    await appeal(
        env.client,
        settings,
        workflow_id,
        AppealChange(decided_on=await london_today(env), outcome="cease-upheld", by="senco", note="Tribunal decision"),
    )
    await plan_ceased(
        env.client,
        settings,
        workflow_id,
        PlanCeased(ceased_on=await london_today(env), by="senco", reason="cease upheld on appeal"),
    )
    await _result(env, workflow_id, AnnualReview)
    return workflow_id, [first_run, (await env.client.get_workflow_handle(workflow_id).describe()).run_id]


async def _review_meeting(env, settings, workflow_id: str, meeting):
    """The SENCO's part of a cycle: meeting set, notice and advice sent, meeting held, report sent."""
    await set_meeting(env.client, settings, workflow_id, MeetingDate(meeting_on=meeting, by="senco"))
    await sleep_until_day(env, meeting - timedelta(days=15))
    for rule in ("review-notice", "review-advice-circulation"):
        await complete_step(
            env.client, settings, workflow_id, StepDone(rule_id=rule, done_on=await london_today(env), by="senco")
        )
    await sleep_until_day(env, meeting)
    await meeting_held(env.client, settings, workflow_id, MeetingHeld(held_on=meeting, by="senco"))
    await sleep_until_day(env, meeting + timedelta(days=10))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id="review-report", done_on=await london_today(env), by="senco"),
    )
    await sleep_until_day(env, meeting + timedelta(days=20))
    return meeting


async def _start_reassessment(env, settings, case_ref, needs_changed, last_assessment) -> str:
    started = await start_process(
        env.client,
        settings,
        Reassessment.run,
        ReassessmentInput(
            header=header(needs_changed, case_ref=case_ref),
            options=step_options(settings),
            last_assessment_on=last_assessment,
        ),
        REASSESSMENT.workflow_id(case_ref, needs_changed),
        REASSESSMENT.kind,
    )
    return started.state.workflow_id


async def _opened(env, workflow_id: str, rule_id: str) -> None:
    for _ in range(200):
        if any(s.rule_id == rule_id and s.plan for s in (await process_state(env.client, workflow_id)).steps):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{workflow_id}: {rule_id} never opened")


async def _result(env, workflow_id: str, workflow) -> None:
    await sleep_until_day(env, await london_today(env) + timedelta(days=1))  # see tests/workflows: skip, then wait
    await env.client.get_workflow_handle_for(workflow.run, workflow_id).result()


async def advice_recorded_by(env: WorkflowEnvironment, settings: Settings) -> str:
    """Sent on time, recorded through the CLI as an account (issue 21): the record's data carries recorded_by."""
    today = await london_today(env)
    started = await start_advice_request(
        env.client, settings, advice_request(today - timedelta(days=20), case_ref="EHC-H014")
    )
    await advice_sent(
        env.client,
        settings,
        started.state.workflow_id,
        AdviceSent(sent_on=today, by="teacher", recorded_by="cli:as:senco"),
    )
    await outcome(env, started.state.workflow_id)
    return started.state.workflow_id


async def advice_creator_late(env: WorkflowEnvironment, settings: Settings) -> str:
    """Started with the memo naming the starter's update (issue 26); the run plans before that update is handled, as
    on loaded workers, and reports it as the creator's; then sent on time."""
    today = await london_today(env)
    request = advice_request(today - timedelta(days=3), case_ref="EHC-H015")
    workflow_id = ADVICE.workflow_id(request.case_ref, request.received_on, school=start_school(settings))
    creator = "creator-update-of-ehc-h015"
    handle = await env.client.start_workflow(
        EhcAdviceRequest.run,
        AdviceRunInput(request=request, options=step_options(settings)),
        id=workflow_id,
        task_queue=settings.temporal.task_queue,
        memo={START_UPDATE_MEMO: creator},
    )
    for _ in range(200):
        if (await handle.query(EhcAdviceRequest.state)).step.plan:
            break
        await asyncio.sleep(0.05)
    state = await handle.execute_update(EhcAdviceRequest.opened, id=creator)
    assert state.start_update_id == creator, state.start_update_id
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=today, by="teacher"))
    await outcome(env, workflow_id)
    return workflow_id


async def _run_id(env: WorkflowEnvironment, workflow_id: str) -> str:
    return str((await env.client.get_workflow_handle(workflow_id).describe()).run_id)


async def sen_support_year(env: WorkflowEnvironment, settings: Settings) -> tuple[str, list[str]]:
    """SEN support reviews: held with the parents in the first term; the next term's missed, escalated, then held
    late while the term after it opens; into the next school year (a new run); then the pupil leaves SEN support."""
    today = await london_today(env)
    terms = SchoolTerms()  # the England pattern: these settings configure no terms
    run_input = TermlyInput(header=header(today, case_ref="SUP-H001", la=NO_LA), options=step_options(settings))
    workflow_id = SUPPORT.workflow_id("SUP-H001", today)
    await start_process(env.client, settings, SenSupportCycle.run, run_input, workflow_id, SUPPORT.kind)
    first_run = await _run_id(env, workflow_id)
    await review_held(
        env.client, settings, workflow_id, ReviewHeld(held_on=today, by="teacher", with_parents=True, evidence="notes")
    )
    term = terms.next_term(terms.term_of(today))
    while True:
        following = terms.next_term(term)
        await sleep_until_day(env, following.start + timedelta(days=8))  # the term's review missed and escalated
        await review_held(
            env.client,
            settings,
            workflow_id,
            ReviewHeld(held_on=await london_today(env), by="teacher", with_parents=False, why_not="parent unwell"),
        )
        if following.school_year != term.school_year:
            break
        term = following
    last_run = await _run_id(env, workflow_id)
    await end_process(
        env.client,
        settings,
        workflow_id,
        ProcessEnded(ended_on=await london_today(env), reason="needs-met", by="senco"),
    )
    return workflow_id, [first_run, last_run]


async def pep_reviews(env: WorkflowEnvironment, settings: Settings) -> str:
    """PEP reviews: one held with the annual review, then the pupil is no longer looked after."""
    today = await london_today(env)
    run_input = TermlyInput(header=header(today, case_ref="PEP-H001"), options=step_options(settings))
    workflow_id = PEP.workflow_id("PEP-H001", today)
    await start_process(env.client, settings, PepReviews.run, run_input, workflow_id, PEP.kind)
    await sleep_until_day(env, today + timedelta(days=3))
    await review_held(
        env.client,
        settings,
        workflow_id,
        ReviewHeld(held_on=await london_today(env), by="teacher", with_annual_review=True),
    )
    await end_process(
        env.client,
        settings,
        workflow_id,
        ProcessEnded(ended_on=await london_today(env), reason="no-longer-looked-after", by="senco"),
    )
    return workflow_id


async def school_duty_years(env: WorkflowEnvironment, settings: Settings) -> tuple[str, list[str]]:
    """The SEN information report: escalated when late, published (a new run opens next year's), then untracked."""
    today = await london_today(env)
    duty = "sen-information-report"
    last = today - relativedelta(months=12) + timedelta(days=3)
    run_input = SchoolDutyInput(
        header=header(last, case_ref=duty_case_ref(duty), la=NO_LA), options=step_options(settings)
    )
    workflow_id = SCHOOL_DUTY.workflow_id(duty_case_ref(duty))
    await start_process(env.client, settings, SchoolDuty.run, run_input, workflow_id, SCHOOL_DUTY.kind)
    first_run = await _run_id(env, workflow_id)
    await sleep_until_day(env, today + timedelta(days=12))
    await complete_step(
        env.client,
        settings,
        workflow_id,
        StepDone(rule_id=duty, done_on=await london_today(env), by="teacher", evidence="https://example.org/report"),
    )
    for _ in range(100):
        second_run = await _run_id(env, workflow_id)
        if second_run != first_run and (await process_state(env.client, workflow_id)).steps:
            break
        await asyncio.sleep(0.05)
    await end_process(
        env.client,
        settings,
        workflow_id,
        ProcessEnded(ended_on=await london_today(env), reason="no-longer-tracked", by="senco"),
    )
    return workflow_id, [first_run, second_run]


async def reassessment_chased(env: WorkflowEnvironment, settings: Settings) -> str:
    """The LA's decision overdue: chased by a letter sent by hand, its follow-up escalated, chased again (the first
    follow-up closes), then the LA decides and the open follow-up closes with it (issue 25)."""
    today = await london_today(env)
    workflow_id = await _start_reassessment(env, settings, "EHC-H020", today, today - relativedelta(months=8))
    await complete_step(env.client, settings, workflow_id, StepDone(rule_id=EARLIEST, done_on=today, by="teacher"))
    await _opened(env, workflow_id, DECISION)
    await sleep_until_day(env, today + timedelta(days=20))  # the LA's 15 days have passed
    letter = "Dear Kent SEN team, the decision on re-assessing our case EHC-H020 is overdue."
    chase = LaChase(rule_id=DECISION, subject="Overdue: decision", body=letter, by="senco", recorded_by="cli:as:sam")
    await update(env.client, workflow_id, Reassessment.chase_la, chase)
    await sleep_until_day(env, await london_today(env) + timedelta(days=21))  # no answer: the follow-up escalates
    again = chase.model_copy(update={"subject": "Overdue: decision (second letter)"})
    await update(env.client, workflow_id, Reassessment.chase_la, again)
    await sleep_until_day(env, await london_today(env) + timedelta(days=3))
    await update(
        env.client,
        workflow_id,
        Reassessment.la_decided,
        LaDecision(decided_on=await london_today(env), reassess=False, by="senco"),
    )
    await _result(env, workflow_id, Reassessment)
    return workflow_id


SCENARIOS: dict[str, Scenario] = {
    "ehc_advice_late": advice_late,
    "ehc_advice_exemption": advice_exemption,
    "ehc_advice_withdrawn": advice_withdrawn,
    "ehc_advice_la_clock": advice_la_clock,
    "ehc_advice_replanned": advice_replanned,
    "ehc_advice_storm": advice_storm,
    "draft_consultation": draft_consultation,
    "reassessment_reassessed": reassessment_reassessed,
    "reassessment_refused": reassessment_refused,
    "annual_review_cycle": annual_review_cycle,
    "annual_review_ceased": annual_review_ceased,
    "annual_review_transfer_year": annual_review_transfer_year,
    "annual_review_cease_appeal": annual_review_cease_appeal,
    "ehc_advice_recorded_by": advice_recorded_by,
    "sen_support_year": sen_support_year,
    "pep_reviews": pep_reviews,
    "school_duty_years": school_duty_years,
    "reassessment_chased": reassessment_chased,
    "ehc_advice_creator_late": advice_creator_late,
}
# Scenarios new with a later patch of one workflow than GENERATION (named after that patch).
GENERATIONS = {
    "annual_review_transfer_year": REVIEW_LAW_2026,
    "annual_review_cease_appeal": REVIEW_LAW_2026,
    "ehc_advice_storm": CATCH_UP,
    "ehc_advice_recorded_by": "recorded-by",
    # new workflows (issue 24): named after the change that brought them, no patch
    "sen_support_year": "school-commitments",
    "pep_reviews": "school-commitments",
    "school_duty_years": "school-commitments",
    # chasing the LA (issue 25): a new update and a new rule, no patch
    "reassessment_chased": "la-chase",
    # the starter names its update in the start's memo (issue 26): no patch, no new command
    "ehc_advice_creator_late": "start-memo",
}  # no patch: data only


def path_for(name: str, run: int = 1) -> Path:
    return HERE / f"{name}{'' if run == 1 else f'-run{run}'}@{GENERATIONS.get(name, GENERATION)}.json"


async def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        raise SystemExit(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    chosen = names or [name for name in SCENARIOS if not path_for(name).exists()]
    if not chosen:
        print("every scenario has its history; name one to record it again")
        return
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        var_dir=tmp,
        database_url=f"sqlite:///{tmp}/h.db",
        calendar=CalendarSettings(),
        staff={
            "senco": StaffMember(name="Sam Example", role="senco", email="senco@example.org"),
            "teacher": StaffMember(name="Jo Example", role="staff", email="jo.teacher@example.org"),
        },
        notifications=NotificationSettings(retry_initial_seconds=0.1, retry_max_seconds=0.2),
    )
    upgrade(settings.resolved_database_url)
    activities = SendclockActivities(settings, make_sessionmaker(make_engine(settings.resolved_database_url)))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(temporal_test_server()), data_converter=pydantic_data_converter
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace, search_attributes={n: INDEXED[k] for n, k in REGISTRATION.items()}
        )
    )
    async with env, build_worker(env.client, settings, activities, executor=ThreadPoolExecutor(4)):
        for name in chosen:
            recorded = await SCENARIOS[name](env, settings)
            workflow_id, run_ids = recorded if isinstance(recorded, tuple) else (recorded, None)
            for run, run_id in enumerate(run_ids if isinstance(run_ids, list) else [run_ids], 1):
                history = await env.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
                path_for(name, run).write_text(history.to_json())
                print(f"recorded {path_for(name, run).name}: {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
