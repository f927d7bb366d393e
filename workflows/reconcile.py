"""ReconcileProcesses: find every process the database holds open whose workflow Temporal no longer runs.

Something outside sendclock can end a workflow: someone terminates or resets it in the Temporal Web UI or CLI, a run
fails or times out, or retention deletes a history. The process's steps then send no reminder, while the database
and the dashboard would still show them open. A Temporal Schedule starts this workflow every few minutes
(temporal.reconcile_seconds; starter/schedules.py) and the worker triggers it once when it starts. Its one activity
compares, records each divergence in the audit chain, marks the process "stopped outside sendclock" and tells the
SENCO; `sendclock process resume` restarts such a process from its last recorded state.

One activity call: the schedule is the clock, so there is no long-lived history, and a run that fails is simply
followed by the next one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.common import RetryPolicy

if TYPE_CHECKING:
    from workflows.calls import ActivityOptions

with workflow.unsafe.imports_passed_through():
    import workflows.activity_names as activity_names
    from workflows.models import ReconcileInput, ReconcileResult, ReconcileRun

OPTIONS: ActivityOptions = dict(
    start_to_close_timeout=timedelta(minutes=5),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=3),
)


@workflow.defn(name="ReconcileProcesses")
class ReconcileProcesses:
    @workflow.run
    async def run(self, run: ReconcileRun) -> ReconcileResult:
        result: ReconcileResult = await workflow.execute_activity(
            activity_names.RECONCILE_PROCESSES,
            ReconcileInput(now=run.as_of or workflow.now()),
            result_type=ReconcileResult,
            **OPTIONS,
        )
        return result
