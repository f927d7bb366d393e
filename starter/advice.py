"""Starting and changing EHC advice requests: what the CLI (and later the API) call.

Starting is idempotent: update-with-start creates the workflow if it is missing (USE_EXISTING) and waits until its
dates are planned; a request already closed is not started again but returned as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from commands import checks
from commands.errors import CONFLICT, Problem
from config.settings import Settings
from starter.requests import RequestError, check_staff, open_or_find, start_school, step_options, update
from workflows.ehc_advice import RULE, EhcAdviceRequest
from workflows.models import (
    AdviceRequest,
    AdviceRunInput,
    AdviceSent,
    AdviceState,
    Exemption,
    Withdrawal,
)
from workflows.registry import ADVICE


@dataclass(frozen=True)
class Started:
    state: AdviceState
    created: bool  # False: the request already existed (duplicate start)


def check_request(settings: Settings, request: AdviceRequest) -> None:
    """Refuse a request no workflow could plan (the command layer checks the rest before: commands/start.py)."""
    check_staff(settings, owner=request.owner, escalate_to=request.escalate_to)
    checks.in_force("received_on", RULE, request.received_on)


async def start_advice_request(client: Client, settings: Settings, request: AdviceRequest) -> Started:
    """Start the request at the school `settings` are the view of (Settings.for_school): its workflow id carries the
    school (none for a single-school install), and so does SendclockSchool."""
    school = start_school(settings)
    check_request(settings, request)
    workflow_id = ADVICE.workflow_id(request.case_ref, request.received_on, school=school)
    state, created = await open_or_find(
        client,
        settings,
        EhcAdviceRequest.run,
        AdviceRunInput(request=request, options=step_options(settings)),
        EhcAdviceRequest.opened,
        lambda: client.get_workflow_handle(workflow_id).query(EhcAdviceRequest.state),
        workflow_id=workflow_id,
        case_ref=request.case_ref,
        kind=ADVICE.kind,
        la=request.la,
        school=school,
    )
    return _checked(Started(state=state, created=created), request)


def _checked(started: Started, request: AdviceRequest) -> Started:
    existing = started.state.request
    if (existing.la, existing.case_ref, existing.received_on) != (request.la, request.case_ref, request.received_on):
        raise RequestError(
            Problem(
                "la",
                f"this case already has a request received on {existing.received_on} from {existing.la!r}; "
                f"not starting another from {request.la!r}",
                CONFLICT,
            )
        )
    return started


async def state(client: Client, workflow_id: str) -> AdviceState:
    return await client.get_workflow_handle(workflow_id).query(EhcAdviceRequest.state)


async def advice_sent(client: Client, settings: Settings, workflow_id: str, sent: AdviceSent) -> AdviceState:
    check_staff(settings, by=sent.by)
    return await update(client, workflow_id, EhcAdviceRequest.advice_sent, sent)


async def record_exemption(client: Client, settings: Settings, workflow_id: str, exemption: Exemption) -> AdviceState:
    check_staff(settings, by=exemption.claimed_by)
    return await update(client, workflow_id, EhcAdviceRequest.record_exemption, exemption)


async def withdraw(client: Client, settings: Settings, workflow_id: str, withdrawal: Withdrawal) -> AdviceState:
    check_staff(settings, by=withdrawal.by)
    return await update(client, workflow_id, EhcAdviceRequest.withdraw, withdrawal)
