"""The reconciliation activity (workflows/reconcile.py): the open processes in the database against their workflows
in Temporal. A thin adapter on a class that owns its dependencies, like the other activities.

For each process whose workflow Temporal no longer runs: one record in the audit chain (idempotent per stopped run),
the process marked "stopped outside sendclock" with what Temporal says, and one notice to each SENCO (idempotent by
key) naming the case, what happened, the steps that no longer send reminders, and how to resume it. At a trust's
deployment the SENCOs told are those of the process's school (`process.school`), by its settings.
"""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from activities.messages import SUBJECT_MAX
from activities.notifier import Notifier
from activities.schools import SchoolViews, UnknownSchool
from activities.sendclock import database_error
from audit.divergence import WorkflowView
from config.settings import Settings
from starter.client import TemporalError
from starter.client.visibility import running_ids, stopped_outside, view
from statutory import get_rule
from statutory.clock import fmt
from store.models import Process
from store.reconcile import closed_processes, open_processes, record_reopened, record_stopped
from store.writer import write
from workflows import activity_names
from workflows.models import ReconcileInput, ReconcileResult, StoppedProcess
from workflows.registry import PROCESS_LABELS


class ReconcileActivities:
    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], client: Client, notifier: Notifier | None = None
    ) -> None:
        self.settings = settings  # the deployment's: each process's SENCOs by its school's view (`school`)
        self.schools = SchoolViews(settings)
        self.sessions = sessions
        self.client = client
        self.notifier = notifier or Notifier(settings, sessions)
        self.engine = sessions.kw["bind"]

    @activity.defn(name=activity_names.RECONCILE_PROCESSES)
    async def reconcile_processes(self, request: ReconcileInput) -> ReconcileResult:
        """Retried by the workflow; the next scheduled run tries again anyway. A database or Temporal that cannot be
        used is said in one line (no statement, no parameters, no stack: the schedule will try again)."""
        try:
            return await self._reconcile(request)
        except SQLAlchemyError as err:
            message, kind = database_error(err).message, "DatabaseError"
        except TemporalError as err:
            message, kind = f"Temporal: {err.message}"[:300], "TemporalError"
        activity.logger.warning("could not compare the open processes with Temporal: %s", message)
        # Said above, once, without a stack (BENIGN: the SDK does not log it again as a failure).
        raise ApplicationError(message, type=kind, category=ApplicationErrorCategory.BENIGN) from None

    async def _reconcile(self, request: ReconcileInput) -> ReconcileResult:
        with self.sessions() as session:
            processes = {p.workflow_id: p for p in open_processes(session)}
            closed = {p.workflow_id: p for p in closed_processes(session)}
            session.expunge_all()
        running = await running_ids(self.client)
        found = await stopped_outside(self.client, processes, running)
        await self._reopened([closed[wid] for wid in running if wid in closed], request)
        result = ReconcileResult(checked=len(processes))
        for seen in found:
            process = processes[seen.workflow_id]
            sentence = seen.sentence(self.settings.timezone)
            new = write(
                self.engine,
                partial(  # run now, by the writer: the loop's values bound here
                    record_stopped,
                    workflow_id=seen.workflow_id,
                    found_at=request.now,
                    temporal_status=seen.status,
                    run_id=seen.run_id,
                    closed_at=seen.closed_at,
                    reason=seen.reason,
                    identity=seen.identity,
                    sentence=sentence,
                ),
            )
            self._tell_sencos(process, seen, sentence, request)
            result.stopped.append(
                StoppedProcess(
                    workflow_id=seen.workflow_id,
                    case_ref=process.case_ref,
                    temporal_status=seen.status,
                    run_id=seen.run_id,
                    closed_at=seen.closed_at,
                    reason=seen.reason,
                    identity=seen.identity,
                    new=new,
                )
            )
            activity.logger.warning("process %s stopped outside sendclock: %s", seen.workflow_id, seen.status)
        return result

    async def _reopened(self, processes: list[Process], request: ReconcileInput) -> None:
        """Closed in the database, running in Temporal: reset outside sendclock to before the process closed (a
        completion undone in Temporal). Recorded once per run, and each SENCO told once."""
        for process in processes:
            seen = await view(self.client, process.workflow_id)
            run_id = seen.run_id  # a running view always names its run
            if not seen.running or run_id is None:
                continue  # visibility lagged: it has closed again
            when = seen.last_reset_at.astimezone(ZoneInfo(self.settings.timezone)) if seen.last_reset_at else None
            sentence = f"was closed ({process.outcome or process.status}) but runs again in Temporal" + (
                f" after a reset on {fmt(when.date())} at {when:%H:%M}" if when else ""
            )
            new = write(
                self.engine,
                partial(  # run now, by the writer: the loop's values bound here
                    record_reopened,
                    workflow_id=process.workflow_id,
                    found_at=request.now,
                    run_id=run_id,
                    reset_at=seen.last_reset_at,
                    sentence=sentence,
                ),
            )
            if not new:
                continue
            settings = self.school(process)
            if settings is None:
                continue
            label = PROCESS_LABELS.get(process.kind, process.kind)
            text = "\n".join(
                [
                    f"The {label.lower()} for {process.case_ref} ({process.la}) {sentence}, outside sendclock.",
                    "Its record in sendclock stands as it was written (what was done, and when); Temporal's current "
                    "history no longer contains all of it, and the process may send reminders again.",
                    "An auditor will see this: `sendclock audit verify` lists what the reset removed. If it was a "
                    "mistake, tell whoever runs Temporal; if it was meant, record why in the case notes.",
                    f"{settings.dashboard_url.rstrip('/')}/cases/{process.case_ref}",
                ]
            )
            for recipient in sencos(settings):
                self.notifier.deliver(
                    key=f"reset-outside/{process.workflow_id}/{run_id}/{recipient}",
                    recipient=recipient,
                    school=settings.school_id,
                    kind="stopped",
                    subject=f"{process.case_ref}: process reset outside sendclock"[:SUBJECT_MAX],
                    text=text,
                    process_id=process.workflow_id,
                    scheduled_for=request.now,
                    now=request.now,
                )
            activity.logger.warning("process %s reset outside sendclock after it closed", process.workflow_id)

    def school(self, process: Process) -> Settings | None:
        """The settings of the process's school; None (and a warning) for a school the settings no longer have: the
        process is recorded all the same, and nobody can be told."""
        try:
            return self.schools(process.school)
        except UnknownSchool as err:
            activity.logger.warning("process %s: nobody told: %s", process.workflow_id, err)
            return None

    def _tell_sencos(self, process: Process, seen: WorkflowView, sentence: str, request: ReconcileInput) -> None:
        settings = self.school(process)
        if settings is None:
            return
        with self.sessions() as session:
            row = session.get(Process, process.workflow_id)
            steps = [s for s in row.steps if s.status == "open"] if row is not None else []
            lines = [f"- {get_rule(s.rule_id).title}: due {fmt(s.due)}" for s in steps]
        label = PROCESS_LABELS.get(process.kind, process.kind)
        subject = f"{process.case_ref}: process stopped outside sendclock"
        text = "\n".join(
            [
                f"The {label.lower()} for {process.case_ref} ({process.la}) was {sentence}, outside sendclock.",
                "Its open steps no longer send reminders or escalations:" if lines else "It has no open steps.",
                *lines,
                "",
                f"To carry on from where it stopped, resume it: sendclock process resume --case {process.case_ref}",
                "If it was stopped on purpose, record why in the case notes; the dashboard lists it first until it is "
                "resumed.",
                f"{settings.dashboard_url.rstrip('/')}/cases/{process.case_ref}",
            ]
        )
        for recipient in sencos(settings):
            self.notifier.deliver(
                key=f"stopped-outside/{process.workflow_id}/{seen.run_id or 'gone'}/{recipient}",
                recipient=recipient,
                school=settings.school_id,
                kind="stopped",
                subject=subject[:SUBJECT_MAX],
                text=text,
                process_id=process.workflow_id,
                scheduled_for=request.now,
                now=request.now,
            )

    def all(self) -> list:
        return [self.reconcile_processes]


def sencos(settings: Settings) -> list[str]:
    """The staff ids of the school's SENCOs (staff role "senco"), else whoever escalations go to."""
    found = [staff_id for staff_id, member in settings.staff.items() if member.role == "senco"]
    return found or [settings.reminders.escalate_to]
