"""A pupil's initials reach a notice only when the school turns `notifications.include_initials` on; the case
reference alone otherwise. Initials never enter the workflow ID or the search attributes."""

from __future__ import annotations

import asyncio

import pytest

from starter.advice import advice_sent, start_advice_request
from tests.workflows.advice_flow import london_today, outbox, outcome
from workflows.models import AdviceRequest, AdviceSent

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture(params=[True, False], ids=["initials-on", "initials-off"])
def settings(request, settings):
    notifications = settings.notifications.model_copy(update={"include_initials": request.param, "quiet_hours": False})
    return settings.model_copy(update={"notifications": notifications})


async def test_initials_only_when_the_school_turns_them_on(env, settings, sessions):
    today = await london_today(env)
    case_ref = "EHC-0301" if settings.notifications.include_initials else "EHC-0302"  # one server for both runs
    request = AdviceRequest(case_ref=case_ref, la="Kent", received_on=today, owner="teacher", initials="QX")
    started = await start_advice_request(env.client, settings, request)
    workflow_id = started.state.workflow_id
    assert "QX" not in workflow_id

    for _ in range(200):  # the "assigned" notice follows the start asynchronously
        if outbox(sessions, workflow_id, "assigned"):
            break
        await asyncio.sleep(0.05)
    [assigned] = outbox(sessions, workflow_id, "assigned")
    assert case_ref in assigned.body
    assert ("(QX)" in assigned.body) is settings.notifications.include_initials

    description = await env.client.get_workflow_handle(workflow_id).describe()
    assert "QX" not in repr(description.typed_search_attributes)
    # Close it: an open workflow would keep the shared time-skipping server busy for the tests after this one.
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=today, by="teacher"))
    await outcome(env, workflow_id)
