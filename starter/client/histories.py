"""Reading a process's histories from Temporal: every run of the workflow ID (a continue-as-new chain, followed by
its links and listed in visibility) and, recursively, every child workflow a run started. Parsing them is audit's
(audit/history.py); so is falling back to the archive (audit/source.py)."""

from __future__ import annotations

import contextlib

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from audit.history import RunHistory, from_workflow_history, ordered
from starter.client import temporal_errors


class HistoryNotFound(LookupError):
    """Temporal has no history for this workflow ID (never existed, or deleted after the retention period)."""


async def fetch_run(client: Client, workflow_id: str, run_id: str | None = None) -> RunHistory:
    """One run's history (the latest without `run_id`). Raises HistoryNotFound, or TemporalError for any other
    error Temporal answers with."""
    with temporal_errors():
        try:
            history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise HistoryNotFound(
                    f"Temporal has no history for {workflow_id}" + (f" run {run_id}" if run_id else "")
                ) from None
            raise
    return from_workflow_history(history)


async def listed_run_ids(client: Client, workflow_id: str) -> list[str]:
    """Run IDs visibility knows for this workflow ID (eventually consistent: the chain links fill any gap)."""
    escaped = workflow_id.replace("\\", "\\\\").replace('"', '\\"')
    with temporal_errors():
        return [ex.run_id async for ex in client.list_workflows(f'WorkflowId = "{escaped}"')]


async def fetch_process(client: Client, workflow_id: str, *, children: bool = True) -> list[RunHistory]:
    """Every run of `workflow_id`, oldest first, then (with `children`) every child workflow's runs."""
    runs: dict[str, RunHistory] = {}
    latest = await fetch_run(client, workflow_id)
    runs[latest.run_id] = latest
    # Back along the continue-as-new chain, then whatever else visibility lists (e.g. a chain visibility saw first).
    pending = [latest.continued_from] + await listed_run_ids(client, workflow_id)
    while pending:
        run_id = pending.pop(0)
        if not run_id or run_id in runs:
            continue
        try:
            run = await fetch_run(client, workflow_id, run_id)
        except HistoryNotFound:
            continue  # an older run already deleted by retention: the archive may have it
        runs[run.run_id] = run
        pending += [run.continued_from, run.continued_as]
    result = ordered(list(runs.values()))
    if children:
        seen = {workflow_id}
        for run in list(result):
            for child_id, _ in run.children():
                if child_id and child_id not in seen:
                    seen.add(child_id)
                    with contextlib.suppress(HistoryNotFound):
                        result += await fetch_process(client, child_id, children=True)
    return result
