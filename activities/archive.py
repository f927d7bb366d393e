"""The activities of ArchiveClosedRuns (workflows/archive.py): list the closed runs not archived yet, archive one
run, move the watermark. A thin adapter on starter/client/archiving.py's ClosedRunArchiver, which owns the client and
the archive (`sendclock audit archive` runs the same steps without a workflow)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.client import Client

from audit.archive import Archive
from starter.client.archiving import ClosedRunArchiver
from workflows import activity_names
from workflows.models import ArchivedRun, ClosedRuns, ListClosedInput, RunRef


class ArchiveActivities:
    def __init__(self, settings: Any, client: Client, archive: Archive | None = None) -> None:
        self.archiver = ClosedRunArchiver(settings, client, archive)

    @activity.defn(name=activity_names.ARCHIVE_LIST_CLOSED)
    async def list_closed(self, request: ListClosedInput) -> ClosedRuns:
        return await self.archiver.list_closed(request)

    @activity.defn(name=activity_names.ARCHIVE_RUN)
    async def archive_run(self, ref: RunRef) -> ArchivedRun:
        return await self.archiver.archive_run(ref)

    @activity.defn(name=activity_names.ARCHIVE_ADVANCE)
    async def advance(self, watermark: datetime) -> None:
        await self.archiver.advance(watermark)

    def all(self) -> list:
        return [self.list_closed, self.archive_run, self.advance]
