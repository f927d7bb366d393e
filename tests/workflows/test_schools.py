"""One deployment for a trust's schools (issue 25), on the time-skipping server with the real worker: a process of a
school runs with that school's settings. Its workflow id carries the school (`elm~...`), and so do SendclockSchool,
`process.school` and its outbox rows; its steps are planned on the school's calendar (a closure at elm moves elm's
target, not oak's); its notices go to the school's staff, From the school's name. A single-school install's process
is as it always was: no prefix, the school "default". A run started without SendclockSchool (by a starter from
before) gets it from its first publish, behind workflow.patched, and its history replays."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from temporalio.client import WorkflowHistory
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from commands import Context, FixedClock, start
from config.settings import (
    CalendarSettings,
    ClosureSetting,
    NotificationSettings,
    SchoolSettings,
    Settings,
    StaffMember,
    TrustSettings,
)
from starter.advice import advice_sent
from starter.processes import cancel_step
from statutory import Closure, SchoolCalendar
from store.models import Outbox
from tests.helpers import free_port
from tests.workflows.advice_flow import days, london_today, outbox, outcome, process_row
from workflows import search_attributes as sa
from workflows.draft_consultation import DraftPlanConsultation
from workflows.models import AdviceSent, Cancellation, DraftConsultationInput, ProcessHeader, StepOptions
from workflows.process import SCHOOL_ATTRIBUTE, StatutoryProcess
from workflows.registry import WORKFLOWS

pytestmark = pytest.mark.usefixtures("worker")

ELM_FROM = "Elm Academy SEND"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def arrived(handler: Inbox, count: int, seconds: float = 15) -> None:
    import asyncio

    for _ in range(int(seconds * 20)):
        if len(handler.messages) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(handler.messages)} message(s) arrived, expected {count}")


def context(settings: Settings, today: date, env) -> Context:
    async def client():
        return env.client

    return Context(settings=settings, clock=FixedClock(today, settings.timezone), client=client)


def advice(case_ref: str, today: date, owner: str):
    return start.parse("ehc-advice-request", {"case_ref": case_ref, "la": "Kent", "received_on": today, "owner": owner})


async def school_attribute(env, workflow_id: str) -> str | None:
    described = await env.client.get_workflow_handle(workflow_id).describe()
    return described.typed_search_attributes.get(sa.SCHOOL)


async def patch_markers(env, workflow_id: str) -> list[str]:
    """The ids of the patches recorded in the workflow's history (its core_patch markers)."""
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    found = []
    for event in history.events:
        if event.HasField("marker_recorded_event_attributes"):
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == "core_patch":
                found.append(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return found


class TestTrust:
    """Two schools, oak and elm: different staff, a closure at elm only, elm's own e-mail From name."""

    @pytest.fixture
    def smtp_url(self, inbox) -> str:
        return f"mailto://127.0.0.1:{inbox[1]}?from=sendclock@example.org&mode=insecure"

    @pytest.fixture
    async def settings(self, env, settings: Settings, smtp_url: str) -> Settings:
        """The trust's settings (the worker's): oak takes the trust's calendar and notifications, elm has a closure
        over its advice due date and its own From name."""
        due = await london_today(env) + days(42)
        notifications = NotificationSettings(
            smtp_url=smtp_url, quiet_hours=False, retry_initial_seconds=0.1, retry_max_seconds=0.2
        )
        return Settings(
            var_dir=settings.var_dir,
            database_url=settings.database_url,
            temporal=settings.temporal,
            calendar=CalendarSettings(),  # the trust's: no closures (not the shipped demo's)
            staff={},
            notifications=notifications,
            trust=TrustSettings(
                name="Example Learning Trust",
                staff={"lead": StaffMember(name="Lee Example (Trust SEND lead)", role="leadership")},
            ),
            schools={
                "oak": SchoolSettings(
                    name="Oak Primary School",
                    staff={
                        "senco": StaffMember(name="Sam Oak (SENCO)", role="senco", email="senco@oak.example.org"),
                        "head": StaffMember(name="Priya Oak (Head)", role="head", email="head@oak.example.org"),
                    },
                ),
                "elm": SchoolSettings(
                    name="Elm Academy",
                    staff={
                        "senco": StaffMember(name="Ravi Elm (SENCO)", role="senco", email="senco@elm.example.org"),
                        "teacher": StaffMember(name="Jo Elm", role="staff", email="jo@elm.example.org"),
                    },
                    calendar=CalendarSettings(
                        closures=[ClosureSetting(start=due - days(4), end=due + days(3), label="Elm training days")]
                    ),
                    notifications=notifications.model_copy(update={"from_name": ELM_FROM}),
                ),
            },
        )

    async def test_a_process_of_elm_runs_with_elms_id_calendar_staff_and_from_name(
        self, env, settings, sessions, inbox
    ):
        handler, _ = inbox
        today = await london_today(env)
        elm, oak = settings.for_school("elm"), settings.for_school("oak")
        elm_started = await start.start(
            context(elm, today, env), "ehc-advice-request", advice("EHC-TRUST1", today, "teacher")
        )
        oak_started = await start.start(
            context(oak, today, env), "ehc-advice-request", advice("EHC-TRUST1", today, "head")
        )

        # The same case reference at two schools: two processes, each id carrying its school.
        assert elm_started.workflow_id == f"elm~ehc-advice-request-EHC-TRUST1-{today:%Y%m%d}"
        assert oak_started.workflow_id == f"oak~ehc-advice-request-EHC-TRUST1-{today:%Y%m%d}"
        assert elm_started.created and oak_started.created
        assert await school_attribute(env, elm_started.workflow_id) == "elm"
        assert await school_attribute(env, oak_started.workflow_id) == "oak"
        assert SCHOOL_ATTRIBUTE not in await patch_markers(env, elm_started.workflow_id)  # started with it
        elm_process, _ = process_row(sessions, elm_started.workflow_id)
        oak_process, _ = process_row(sessions, oak_started.workflow_id)
        assert (elm_process.school, oak_process.school) == ("elm", "oak")

        # elm's closure moves elm's target before it; oak has no closure, so its target is the law's.
        elm_plan, oak_plan = elm_started.state.step.plan, oak_started.state.step.plan
        assert elm_plan.due == oak_plan.due == today + days(42)
        closure = elm.calendar.closures[0]
        elm_calendar = SchoolCalendar([Closure(start=closure.start, end=closure.end, label=closure.label)])
        assert elm_plan.target == elm_calendar.last_working_day_on_or_before(elm_plan.due) < closure.start
        assert oak_plan.target == SchoolCalendar().last_working_day_on_or_before(oak_plan.due) > closure.start
        assert any("Elm training days" in line for line in elm_plan.explanation)
        assert not any("Elm training days" in line for line in oak_plan.explanation)

        # Each school's notice to its own staff, From its own name; its outbox rows carry its school.
        await arrived(handler, 2)
        by_recipient = {tuple(rcpt): message for rcpt, message in handler.messages}
        assert set(by_recipient) == {("jo@elm.example.org",), ("head@oak.example.org",)}
        assert by_recipient["jo@elm.example.org",]["From"].addresses[0].display_name == ELM_FROM
        assert (
            by_recipient["head@oak.example.org",]["From"].addresses[0].display_name == "Oak Primary School (sendclock)"
        )
        elm_rows = outbox(sessions, elm_started.workflow_id)
        assert elm_rows and {(row.school, row.recipient) for row in elm_rows} == {("elm", "teacher")}
        assert {row.school for row in outbox(sessions, oak_started.workflow_id)} == {"oak"}

        for started, school, by in ((elm_started, elm, "teacher"), (oak_started, oak, "head")):
            await advice_sent(env.client, school, started.workflow_id, AdviceSent(sent_on=today, by=by))
            await outcome(env, started.workflow_id)
        with sessions() as session:
            schools = set(session.scalars(select(Outbox.school).where(Outbox.process_id == elm_started.workflow_id)))
        assert schools == {"elm"}

    async def test_the_trusts_own_settings_start_nothing_and_say_which_school(self, env, settings):
        from commands import Refused

        today = await london_today(env)
        with pytest.raises(Refused) as refused:
            start.prepare(context(settings, today, env), "ehc-advice-request", advice("EHC-TRUST2", today, "teacher"))
        assert refused.value.first.field == "school" and "oak, elm" in refused.value.first.reason


class TestSingleSchool:
    """The settings of a single-school install (no `schools`): its school is "default", as before."""

    async def test_a_process_of_the_default_school_keeps_its_unprefixed_id_and_school_default(
        self, env, settings, sessions
    ):
        today = await london_today(env)
        started = await start.start(
            context(settings, today, env), "ehc-advice-request", advice("EHC-TRUST3", today, "teacher")
        )
        assert started.workflow_id == f"ehc-advice-request-EHC-TRUST3-{today:%Y%m%d}"
        assert await school_attribute(env, started.workflow_id) == "default"
        process, _ = process_row(sessions, started.workflow_id)
        assert process.school == "default"
        assert {row.school for row in outbox(sessions, started.workflow_id)} == {"default"}
        await advice_sent(env.client, settings, started.workflow_id, AdviceSent(sent_on=today, by="teacher"))
        await outcome(env, started.workflow_id)

    async def test_a_run_started_without_the_school_attribute_gets_it_and_its_history_replays(self, env, settings):
        """As a starter from before issue 25 started it (no SendclockSchool): its first publish adds the school,
        behind the patch, and the history that makes replays with today's code."""
        today = await london_today(env)
        header = ProcessHeader(case_ref="EHC-TRUST4", la="Kent", received_on=today, owner="teacher")
        workflow_id = f"draft-plan-consultation-EHC-TRUST4-{today:%Y%m%d}"
        handle = await env.client.start_workflow(
            DraftPlanConsultation.run,
            DraftConsultationInput(header=header, options=StepOptions()),
            id=workflow_id,
            task_queue=settings.temporal.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.CASE_REF, "EHC-TRUST4"),
                    SearchAttributePair(sa.PROCESS, "draft-plan-consultation"),
                    SearchAttributePair(sa.LA, "Kent"),
                ]
            ),
        )
        await handle.execute_update(StatutoryProcess.process_opened)
        assert await school_attribute(env, workflow_id) == "default"
        assert SCHOOL_ATTRIBUTE in await patch_markers(env, workflow_id)
        for rule in ("naming-consultation", "draft-plan-representations"):
            await cancel_step(
                env.client,
                settings,
                workflow_id,
                Cancellation(rule_id=rule, cancelled_on=today, by="senco", reason="test over"),
            )
        await handle.result()

        history = WorkflowHistory.from_json(workflow_id, (await handle.fetch_history()).to_json())
        replayed = await Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter).replay_workflow(history)
        assert replayed.replay_failure is None
