"""ArchiveClosedRuns: copy every newly closed run's full history into sendclock's archive, well inside Temporal's
retention, so audits work after Temporal deletes it (see audit/archive.py).

A Temporal Schedule starts it hourly (starter/schedules.py). Each run lists the closed runs not archived yet (an
activity: visibility is I/O), archives each one (one activity per run, so history shows what was archived), then
moves the watermark. Short and deterministic: no timers, nothing to continue as new.
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
    from workflows.models import ArchivedRun, ArchiveResult, ArchiveRunInput, ClosedRuns, ListClosedInput

OPTIONS: ActivityOptions = dict(
    start_to_close_timeout=timedelta(minutes=5),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=5),
)


@workflow.defn(name="ArchiveClosedRuns")
class ArchiveClosedRuns:
    @workflow.run
    async def run(self, input: ArchiveRunInput) -> ArchiveResult:
        result = ArchiveResult()
        for _ in range(input.max_batches):
            batch: ClosedRuns = await workflow.execute_activity(
                activity_names.ARCHIVE_LIST_CLOSED,
                ListClosedInput(limit=input.batch_size),
                result_type=ClosedRuns,
                **OPTIONS,
            )
            for ref in batch.runs:
                done: ArchivedRun = await workflow.execute_activity(
                    activity_names.ARCHIVE_RUN, ref, result_type=ArchivedRun, **OPTIONS
                )
                if done.new:
                    result.archived += 1
                else:
                    result.already += 1
            if batch.watermark is not None:
                await workflow.execute_activity(activity_names.ARCHIVE_ADVANCE, batch.watermark, **OPTIONS)
                result.watermark = batch.watermark
            if not batch.more:
                break
        return result
