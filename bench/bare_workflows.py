"""Bare Temporal workflows to compare sendclock with (bench/overhead.py).

`SameShape` issues the commands one EHC advice lifecycle issues (start, record, one reminder, complete, record):
9 local activities (record x5, plan x1, notify x3, as workflows/calls.py runs them), the patch marker, one timer (the
wait for the next notice, cancelled by the completion), two updates (`opened` via update-with-start, `complete`) and
two search-attribute upserts, with no-op bodies. `Minimal` is a workflow with one no-op (ordinary) activity.

`DurableActivities` are bodies for the same activity names that do what a hand-written app would do durably: record
inserts one row into an `event` table and notify one row into an `outbox` table of a SQLite file, each committed
before the activity returns (plan stays a no-op). Plain sqlite3 with the database's defaults (journal_mode DELETE,
synchronous FULL, the module's 5 s busy timeout); no hash chain, no group commit. One connection per thread, opened
at the thread's first call and kept: sqlite3 ties a connection to the thread that made it, and a worker's activities
run on a fixed pool of threads, so this is the plain way (and cheaper than a connection per call, which would open
the file and read its schema at every write). A worker registering them with `SameShape` runs the same commands.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

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


class DurableActivities:
    """bare_record and bare_notify each insert one row into a SQLite file and commit; bare_plan is a no-op."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS event (id INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL, kind TEXT NOT NULL, "
        "at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL, kind TEXT NOT NULL, "
        "at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.local = threading.local()
        self.opened: list[sqlite3.Connection] = []  # to close them at the end; each is used by its own thread only
        db = sqlite3.connect(self.path)
        try:
            with db:
                for statement in self.SCHEMA:
                    db.execute(statement)
        finally:
            db.close()

    def connection(self) -> sqlite3.Connection:
        db = getattr(self.local, "db", None)
        if db is None:
            db = self.local.db = sqlite3.connect(self.path, check_same_thread=False)  # False only for close()
            self.opened.append(db)
        return db

    def insert(self, table: str, key: str) -> None:
        db = self.connection()
        with db:  # commits (or rolls back on an error) before the activity returns
            db.execute(f"INSERT INTO {table} (workflow_id, kind) VALUES (?, ?)", (activity.info().workflow_id, key))

    @activity.defn(name="bare_record")
    def record(self, key: str) -> bool:
        self.insert("event", key)
        if on_record is not None:
            on_record(activity.info().workflow_id, key)
        return True

    @activity.defn(name="bare_plan")
    def plan(self, key: str) -> str:
        return key

    @activity.defn(name="bare_notify")
    def notify(self, key: str) -> bool:
        self.insert("outbox", key)
        return True

    def activities(self) -> list[Callable]:
        return [self.record, self.plan, self.notify]

    def close(self) -> None:
        for db in self.opened:
            db.close()
        self.opened.clear()


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
