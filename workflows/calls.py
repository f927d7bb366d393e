"""How a process workflow calls its three activities (plan_step, record, notify): as local activities.

A local activity runs in the worker that runs the workflow task, and history keeps its result in a marker recorded
with the task's other commands: no activity task to schedule, start and complete, no workflow task after each one.
An EHC advice lifecycle (start, record, a reminder, advice sent) went from 9 activity round trips to none (see
docs/performance.md). Everything else holds: plans still come from an activity, so history records what the rule book
and the calendar said; a record is retried until the database answers (backoffs longer than LOCAL_RETRY_THRESHOLD
wait on a durable timer); a notice keeps its retry policy, its fallback and its outbox idempotency. A marker holds
the activity's result, not its input: record returns the entry it wrote, because the auditor's timeline is read from
history (a notice's record, "reminder-sent" and the like, says what was sent to whom; the outbox holds the message).

Processes started before this change scheduled ordinary activities: `workflow.patched(LOCAL_ACTIVITIES)` is false
when such a history is replayed, and they go on as they began (tests/histories/ keeps their recordings).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypedDict, TypeVar, overload

from temporalio import workflow
from temporalio.common import RetryPolicy

T = TypeVar("T")


class ActivityOptions(TypedDict):
    """The options a workflow module passes to every call of one activity (`**OPTIONS`): typed, so that mypy checks
    them against execute_activity's keywords. At run time a plain dict."""

    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy


LOCAL_ACTIVITIES = "local-activities"
# A retry that waits longer than this waits on a server timer (durable, and skipped by the time-skipping test server)
# rather than in the worker's memory.
LOCAL_RETRY_THRESHOLD = timedelta(seconds=5)


def local() -> bool:
    """Whether this run calls its activities as local activities (memoised per run by the SDK: the first call, before
    the run's first activity, decides and records the patch marker)."""
    return workflow.patched(LOCAL_ACTIVITIES)


@overload
async def call(
    name: str, arg: Any, *, start_to_close_timeout: timedelta, retry_policy: RetryPolicy, result_type: type[T]
) -> T: ...


@overload
async def call(
    name: str, arg: Any, *, start_to_close_timeout: timedelta, retry_policy: RetryPolicy, result_type: None = None
) -> Any: ...


async def call(
    name: str,
    arg: Any,
    *,
    start_to_close_timeout: timedelta,
    retry_policy: RetryPolicy,
    result_type: type | None = None,
) -> Any:
    """Run activity `name`, locally in runs that have the patch, as an ordinary activity in those that began
    before it."""
    if local():
        return await workflow.execute_local_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=start_to_close_timeout,
            retry_policy=retry_policy,
            local_retry_threshold=LOCAL_RETRY_THRESHOLD,
        )
    return await workflow.execute_activity(
        name, arg, result_type=result_type, start_to_close_timeout=start_to_close_timeout, retry_policy=retry_policy
    )
