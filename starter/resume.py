"""`sendclock process resume`: restart a process that was stopped outside sendclock, from its last recorded state.

Temporal's reset does exactly that: a new run of the same workflow that starts as a copy of the stopped run's history
up to its last completed workflow task, so every open step, its dates, its notices already sent and its timers come
back, and the new run links to the old one in Temporal (the old run keeps its own history, and the audit chain says
who resumed it and when). A notice whose day passed while the process was stopped is sent on the next working day
(the steps' catch-up rule). The reset's request id is derived from the stopped run, so resuming twice is one reset.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, ResetReapplyType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client

from audit.divergence import NOT_FOUND
from starter.client.visibility import view
from store.models import Process
from store.reconcile import record_resumed
from store.writer import write

RESET_NAMESPACE = uuid.UUID("4f1c2a4e-5d0b-4b8e-9a51-9c3f2e7d6b10")  # request ids: uuid5(this, stopped run id)


class CannotResume(Exception):
    """Why this process cannot be resumed, in a sentence."""


@dataclass(frozen=True)
class Resumed:
    workflow_id: str
    from_run_id: str
    run_id: str
    already: bool  # it was running already (resumed before, or reset in Temporal): only the record was brought up


async def resume(client: Client, sessions: sessionmaker[Session], process: Process, *, by: str) -> Resumed:
    seen = await view(client, process.workflow_id)
    run_id = seen.run_id  # every view but NOT_FOUND names the latest run
    if seen.status == NOT_FOUND or run_id is None:
        raise CannotResume(
            f"Temporal no longer holds the history of {process.case_ref}'s process, so it cannot be "
            "resumed: start the process again with the dates from its record."
        )
    if seen.status == "completed":
        raise CannotResume(f"{process.case_ref}'s process completed in Temporal; there is nothing to resume.")
    engine = sessions.kw["bind"]
    now = datetime.now(UTC)
    if seen.running:  # reset already (by an earlier resume, or in Temporal): bring the record up to date
        from_run = _stopped_run(sessions, process) or run_id
        write(
            engine, lambda c: record_resumed(c, process.workflow_id, at=now, from_run_id=from_run, run_id=run_id, by=by)
        )
        return Resumed(process.workflow_id, from_run, run_id, already=True)
    history = await client.get_workflow_handle(process.workflow_id, run_id=run_id).fetch_history()
    completed = [e.event_id for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]
    if not completed:
        raise CannotResume(f"{process.case_ref}'s process stopped before it recorded anything: start it again.")
    response = await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=process.workflow_id, run_id=run_id),
            reason=f"sendclock process resume by {by}",
            workflow_task_finish_event_id=completed[-1],
            request_id=str(uuid.uuid5(RESET_NAMESPACE, run_id)),
            reset_reapply_type=ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL,
        )
    )
    write(
        engine,
        lambda c: record_resumed(c, process.workflow_id, at=now, from_run_id=run_id, run_id=response.run_id, by=by),
    )
    return Resumed(process.workflow_id, run_id, response.run_id, already=False)


def _stopped_run(sessions: sessionmaker[Session], process: Process) -> str | None:
    from store.reconcile import stopped_processes

    with sessions() as session:
        found = [
            s for s in stopped_processes(session, process.case_ref) if s.process.workflow_id == process.workflow_id
        ]
    return found[0].data.get("run_id") if found else None
