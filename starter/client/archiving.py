"""Archiving closed runs' histories into sendclock's archive (audit/archive.py): list the closed runs not archived
yet, archive one run, move the watermark. The ArchiveClosedRuns workflow (workflows/archive.py) runs these steps as
its activities (activities/archive.py, a thin adapter on ClosedRunArchiver); `archive_closed_now` runs the same steps
without a workflow (`sendclock audit archive`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio.client import Client

from audit.archive import Archive, closed_runs_query
from audit.converter import data_converter
from audit.divergence import PROCESS_FILTER
from audit.timeline import search_attribute
from starter.client import temporal_errors
from starter.client.histories import fetch_run
from workflows.models import ArchivedRun, ArchiveResult, ClosedRuns, ListClosedInput, RunRef

# Visibility is eventually consistent: each listing looks this far behind the watermark (archived runs are skipped).
OVERLAP = timedelta(hours=1)


class ClosedRunArchiver:
    """The three steps, on one client and one archive. Only sendclock's statutory processes are archived: each
    carries the SendclockProcess search attribute from its start (PROCESS_FILTER)."""

    def __init__(self, settings: Any, client: Client, archive: Archive | None = None) -> None:
        self.settings = settings
        self.client = client
        self.archive = archive or Archive.for_settings(settings)

    async def list_closed(self, request: ListClosedInput) -> ClosedRuns:
        watermark = self.archive.watermark()
        query = f"{closed_runs_query(watermark, OVERLAP)} AND {PROCESS_FILTER}"
        found: list[RunRef] = []
        newest: datetime | None = watermark
        with temporal_errors():
            async for ex in self.client.list_workflows(query):
                if ex.close_time is not None and (newest is None or ex.close_time > newest):
                    newest = ex.close_time
                if not self.archive.has(ex.id, ex.run_id):
                    found.append(
                        RunRef(
                            workflow_id=ex.id,
                            run_id=ex.run_id,
                            workflow_type=ex.workflow_type,
                            close_time=ex.close_time,
                        )
                    )
        found.sort(key=lambda r: (r.close_time is None, r.close_time))
        if len(found) > request.limit:
            batch = found[: request.limit]
            return ClosedRuns(runs=batch, watermark=batch[-1].close_time, more=True)
        return ClosedRuns(runs=found, watermark=newest, more=False)

    async def archive_run(self, ref: RunRef) -> ArchivedRun:
        run = await fetch_run(self.client, ref.workflow_id, ref.run_id)
        if run.closed_as is None:
            raise RuntimeError(f"run {ref.run_id} of {ref.workflow_id} is still open: only closed runs are archived")
        case_ref = search_attribute(run, "SendclockCaseRef", data_converter(self.settings))
        done = self.archive.store(run, case_ref=case_ref)
        return ArchivedRun(
            workflow_id=done.workflow_id,
            run_id=done.run_id,
            path=str(done.path),
            events=done.events,
            sha256=done.sha256,
            new=done.new,
        )

    async def advance(self, watermark: datetime) -> None:
        self.archive.set_watermark(watermark)


async def archive_closed_now(settings: Any, client: Client | None = None, batch_size: int = 100) -> ArchiveResult:
    """What one ArchiveClosedRuns run does, here and now."""
    if client is None:
        from starter.client import connect

        client = await connect(settings)
    archiver = ClosedRunArchiver(settings, client)
    result = ArchiveResult()
    while True:
        batch = await archiver.list_closed(ListClosedInput(limit=batch_size))
        for ref in batch.runs:
            if (await archiver.archive_run(ref)).new:
                result.archived += 1
            else:
                result.already += 1
        if batch.watermark is not None:
            await archiver.advance(batch.watermark)
            result.watermark = batch.watermark
        if not batch.more:
            return result
