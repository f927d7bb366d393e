"""Helpers shared by the workflow tests: dates by the test server's clock, and reading what the activities wrote."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from statutory.clock import local_date
from store.models import Event, Outbox, Process, Step
from workflows.models import AdviceRequest


async def london_today(env: WorkflowEnvironment) -> date:
    return local_date(await env.get_current_time())


async def sleep_until_day(env: WorkflowEnvironment, day: date, hour: int = 12) -> None:
    """Skip time to `hour`:00 UTC on `day` (12:00 is after every 08:00 London notice of that day)."""
    from datetime import datetime

    now = await env.get_current_time()
    goal = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    assert goal > now, f"cannot skip back from {now} to {goal}"
    await env.sleep(goal - now)


def advice_request(
    received_on: date, *, case_ref: str = "EHC-0001", la: str = "Kent", owner: str = "teacher"
) -> AdviceRequest:
    return AdviceRequest(case_ref=case_ref, la=la, received_on=received_on, owner=owner)


def events(sessions, workflow_id: str) -> list[Event]:
    with sessions() as s:
        return list(
            s.scalars(select(Event).where(Event.process_id == workflow_id).order_by(Event.occurred_at, Event.id))
        )


def outbox(sessions, workflow_id: str, kind: str | None = None) -> list[Outbox]:
    with sessions() as s:
        query = select(Outbox).where(Outbox.process_id == workflow_id)
        if kind:
            query = query.where(Outbox.kind == kind)
        return list(s.scalars(query.order_by(Outbox.scheduled_for, Outbox.id)))


def process_row(sessions, workflow_id: str) -> tuple[Process, list[Step]]:
    with sessions() as s:
        process = s.get(Process, workflow_id)
        steps = list(s.scalars(select(Step).where(Step.process_id == workflow_id)))
        return process, steps


def days(n: int) -> timedelta:
    return timedelta(days=n)


async def outcome(env: WorkflowEnvironment, workflow_id: str):
    """The workflow's result as a StepOutcome (waiting skips time on the test server)."""
    from workflows.ehc_advice import EhcAdviceRequest

    return await env.client.get_workflow_handle_for(EhcAdviceRequest.run, workflow_id).result()


def header(received_on: date, *, case_ref: str, la: str = "Kent", owner: str = "teacher"):
    from workflows.models import ProcessHeader

    return ProcessHeader(case_ref=case_ref, la=la, received_on=received_on, owner=owner)


def steps(sessions, workflow_id: str) -> dict[str, Step]:
    """The step rows of a process by rule id (the latest instance)."""
    with sessions() as s:
        rows = s.scalars(select(Step).where(Step.process_id == workflow_id).order_by(Step.rule_id, Step.instance))
        return {row.rule_id: row for row in rows}
