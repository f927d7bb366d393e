"""Payloads of the archiving job: copy every closed run's history into sendclock's archive (audit/archive.py)."""

from __future__ import annotations

from datetime import datetime

from workflows.models.common import Model

__all__ = ["ArchiveRunInput", "ListClosedInput", "RunRef", "ClosedRuns", "ArchivedRun", "ArchiveResult"]


class ArchiveRunInput(Model):
    """Input of ArchiveClosedRuns (a Schedule starts it hourly): how many runs per batch, how many batches."""

    batch_size: int = 100
    max_batches: int = 10


class ListClosedInput(Model):
    limit: int = 100


class RunRef(Model):
    workflow_id: str
    run_id: str
    workflow_type: str = ""
    close_time: datetime | None = None


class ClosedRuns(Model):
    """Closed runs not archived yet, oldest first; `watermark`: visibility has been read up to this close time."""

    runs: list[RunRef]
    watermark: datetime | None = None
    more: bool = False


class ArchivedRun(Model):
    workflow_id: str
    run_id: str
    path: str
    events: int
    sha256: str
    new: bool


class ArchiveResult(Model):
    archived: int = 0
    already: int = 0
    watermark: datetime | None = None
