"""The school's promise counted from the date of the LA's request (issue 18, defect 8): the seed policy promises advice
"within six weeks from the date of the request"; reg 8(1) counts from receipt. Both dates are recorded; the statutory
due date stays as the law says, and a school that counts from the request gets the earlier target."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import LawSettings
from starter.advice import advice_sent, start_advice_request
from statutory import compute_deadline
from tests.workflows.advice_flow import days, london_today, outcome
from workflows.models import AdviceRequest, AdviceSent

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def settings(settings):
    """This school's published policy counts the six weeks from the date of the request."""
    return settings.model_copy(update={"law": LawSettings(advice_promise_from="request")})


async def test_a_request_dated_before_it_arrived_gets_the_earlier_target_and_keeps_the_statutory_date(env, settings):
    today = await london_today(env)
    letter = today - days(9)
    request = AdviceRequest(case_ref="EHC-PROM1", la="Kent", received_on=today, owner="teacher", requested_on=letter)
    started = await start_advice_request(env.client, settings, request)
    plan = started.state.step.plan
    statutory = compute_deadline("ehc-advice", today)
    promised = compute_deadline("ehc-advice", letter)
    assert plan.due == statutory.due == today + days(42)  # the legal limit counts from receipt (reg 8(1))
    assert plan.target == promised.target < statutory.target
    text = " ".join(plan.explanation)
    assert "promises this within 6 weeks of the date of the request" in text and "brought forward" in text
    assert started.state.step.pending[0].days_to_target == (plan.target - started.state.step.pending[0].on).days

    await advice_sent(env.client, settings, started.state.workflow_id, AdviceSent(sent_on=today, by="teacher"))
    assert (await outcome(env, started.state.workflow_id)).on_time


async def test_without_the_date_of_the_request_the_target_is_the_statutory_one(env, settings):
    today = await london_today(env)
    started = await start_advice_request(
        env.client, settings, AdviceRequest(case_ref="EHC-PROM2", la="Kent", received_on=today, owner="teacher")
    )
    plan = started.state.step.plan
    assert plan.target == compute_deadline("ehc-advice", today).target
    assert "promises" not in " ".join(plan.explanation)
    await advice_sent(env.client, settings, started.state.workflow_id, AdviceSent(sent_on=today, by="teacher"))
    await outcome(env, started.state.workflow_id)


def test_a_request_dated_after_it_was_received_is_refused_naming_the_field():
    from datetime import date

    with pytest.raises(ValidationError, match="requested_on: 2026-03-03 is after the request was received"):
        AdviceRequest(
            case_ref="EHC-PROM3",
            la="Kent",
            received_on=date(2026, 3, 2),
            owner="teacher",
            requested_on=date(2026, 3, 3),
        )
