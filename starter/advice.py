"""Starting and changing EHC advice requests: what the CLI (and later the API) call.

Starting is idempotent: update-with-start creates the workflow if it is missing (USE_EXISTING) and waits until its
dates are planned; a request already closed is not started again but returned as it stands.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from commands import checks
from commands.errors import CONFLICT, Problem
from config.settings import Settings
from starter.requests import RequestError, check_staff, consume_start_error, start_school, step_options, update
from workflows import search_attributes as sa
from workflows.ehc_advice import RULE, EhcAdviceRequest
from workflows.models import (
    AdviceRequest,
    AdviceRunInput,
    AdviceSent,
    AdviceState,
    Exemption,
    Withdrawal,
)
from workflows.process import START_UPDATE_MEMO
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
    update_id = str(uuid.uuid4())  # named in the memo: the state tells its creator (note_start_update)
    operation = WithStartWorkflowOperation(
        EhcAdviceRequest.run,
        AdviceRunInput(request=request, options=step_options(settings)),
        id=workflow_id,
        task_queue=settings.temporal.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.CASE_REF, request.case_ref),
                SearchAttributePair(sa.PROCESS, ADVICE.kind),
                SearchAttributePair(sa.LA, request.la),
                SearchAttributePair(sa.SCHOOL, school),
            ]
        ),
        memo={START_UPDATE_MEMO: update_id},
    )
    try:
        state = await client.execute_update_with_start_workflow(
            EhcAdviceRequest.opened, id=update_id, start_workflow_operation=operation
        )
    except (WorkflowAlreadyStartedError, RPCError) as err:  # closed already: report it as it stands
        if isinstance(err, RPCError) and err.status != RPCStatusCode.ALREADY_EXISTS:
            raise
        consume_start_error(operation)
        state = await client.get_workflow_handle(workflow_id).query(EhcAdviceRequest.state)
    # Created by this call if its update is the one that came with the start (workflows/process.py).
    return _checked(Started(state=state, created=state.start_update_id == update_id), request)


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
