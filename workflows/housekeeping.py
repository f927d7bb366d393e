"""Scheduled housekeeping: short workflows that Temporal Schedules start (see starter/schedules.py).

- `WeeklyDigest` runs on each weekday from the digest weekday on; its activity decides whether today is the week's
  digest day (the school calendar lives in an activity, so the answer is recorded in history) and delivers one
  digest per leader, idempotently: a later run in the same week delivers only what an earlier one did not.
- `DispatchHeld` runs every 15 minutes and lets notifications held back for quiet hours go out.

Each is one activity call: the schedule, not a timer loop, is the clock, so there is no long-lived history to
continue as new, and a run that fails is simply followed by the next one.
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
    from workflows.models import DigestInput, DigestResult, DispatchHeldInput, DispatchHeldResult, HousekeepingRun

# Deliveries are idempotent by key, so a retried attempt repeats nothing. Ten attempts over about ten minutes
# outlast the notifier's own count (notifications.retry_attempts, 6 by default), after which a digest that cannot be
# delivered goes to the fallback; whatever is still left, the next weekday's run tries again.
DIGEST_OPTIONS: ActivityOptions = dict(
    start_to_close_timeout=timedelta(minutes=5),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=2), maximum_attempts=10),
)
DISPATCH_OPTIONS: ActivityOptions = dict(
    start_to_close_timeout=timedelta(minutes=5),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=3),
)


@workflow.defn(name="WeeklyDigest")
class WeeklyDigest:
    @workflow.run
    async def run(self, run: HousekeepingRun) -> DigestResult:
        result: DigestResult = await workflow.execute_activity(
            activity_names.SEND_DIGESTS,
            DigestInput(now=run.as_of or workflow.now()),
            result_type=DigestResult,
            **DIGEST_OPTIONS,
        )
        return result


@workflow.defn(name="DispatchHeld")
class DispatchHeld:
    @workflow.run
    async def run(self, run: HousekeepingRun) -> DispatchHeldResult:
        result: DispatchHeldResult = await workflow.execute_activity(
            activity_names.DISPATCH_HELD,
            DispatchHeldInput(now=run.as_of or workflow.now()),
            result_type=DispatchHeldResult,
            **DISPATCH_OPTIONS,
        )
        return result
