"""Bare Temporal workflows to compare sendclock with (bench/overhead.py).

`SameShape` issues the commands one EHC advice lifecycle issues (start, record, one reminder, complete, record):
9 local activities (record x5, plan x1, notify x3, as workflows/calls.py runs them), the patch marker, one timer (the
wait for the next notice, cancelled by the completion), two updates (`opened` via update-with-start, `complete`) and
two search-attribute upserts, with no-op bodies. `Minimal` is a workflow with one no-op (ordinary) activity.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import workflows.search_attributes as sa

OPTIONS = dict(start_to_close_timeout=timedelta(seconds=30))
LOCAL = "local-activities"  # workflows.calls.LOCAL_ACTIVITIES: the same marker
# Set by the benchmark: called with (workflow id, key) after each record, as its hooked sendclock record is.
on_record: Callable[[str, str], None] | None = None


@activity.defn(name="bare_record")
def bare_record(key: str) -> bool:
    if on_record is not None:
        on_record(activity.info().workflow_id, key)
    return True


@activity.defn(name="bare_plan")
def bare_plan(key: str) -> str:
    return key


@activity.defn(name="bare_notify")
def bare_notify(key: str) -> bool:
    return True


ACTIVITIES = [bare_record, bare_plan, bare_notify]


@workflow.defn(name="BareSameShape")
class SameShape:
    def __init__(self) -> None:
        self.planned = self.done = False

    @workflow.run
    async def run(self, case_ref: str) -> str:
        workflow.patched(LOCAL)
        await workflow.execute_local_activity(bare_record, "request-received", **OPTIONS)
        await workflow.execute_local_activity(bare_plan, case_ref, **OPTIONS)
        self.planned = True
        await workflow.execute_local_activity(bare_record, "step-opened", **OPTIONS)
        await workflow.execute_local_activity(bare_notify, "assigned", **OPTIONS)
        workflow.upsert_search_attributes([sa.STATUS.value_set("open")])
        await workflow.execute_local_activity(bare_notify, "reminder", **OPTIONS)
        await workflow.execute_local_activity(bare_record, "reminder-sent", **OPTIONS)
        with contextlib.suppress(TimeoutError):  # the wait for the next notice, which the completion cuts short
            await workflow.wait_condition(lambda: self.done, timeout=timedelta(days=30))
        await workflow.wait_condition(workflow.all_handlers_finished)
        await workflow.execute_local_activity(bare_record, "process-closed", **OPTIONS)
        workflow.upsert_search_attributes([sa.STATUS.value_set("completed")])
        return case_ref

    @workflow.update
    async def opened(self) -> bool:
        await workflow.wait_condition(lambda: self.planned)
        return True

    @workflow.update
    async def complete(self) -> bool:
        self.done = True
        await workflow.execute_local_activity(bare_record, "completed", **OPTIONS)
        await workflow.execute_local_activity(bare_notify, "completed", **OPTIONS)
        return True


@workflow.defn(name="BareMinimal")
class Minimal:
    @workflow.run
    async def run(self, case_ref: str) -> str:
        await workflow.execute_activity(bare_record, case_ref, **OPTIONS)
        return case_ref
