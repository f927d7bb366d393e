"""Where a history comes from: a file, Temporal, or sendclock's archive (when Temporal has deleted it after the
retention period, or is not reachable). Runs from Temporal and the archive are merged by run ID, so a chain whose
older runs Temporal already deleted is still whole. Temporal is read through starter/client/ (the connection,
`Temporal`, and starter/client/histories.py); a `client` here is a temporalio Client or a `Temporal`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from audit import history
from audit.archive import Archive
from audit.converter import data_converter, decode_events
from audit.history import RunHistory
from starter.client import Temporal
from starter.client.histories import HistoryNotFound, fetch_process


class TemporalUnavailable(Exception):
    """Temporal did not answer and the archive has nothing for this workflow."""


class NothingFound(LookupError):
    """Neither Temporal nor the archive has this workflow."""


@dataclass
class Loaded:
    runs: list[RunHistory]
    origin: str  # where the runs came from, in words


def looks_like_file(target: str) -> bool:
    return target.endswith((".json", ".json.gz")) or "/" in target or Path(target).is_file()


async def from_workflow(workflow_id: str, settings: Any, client: Any = None) -> Loaded:
    archived = Archive.for_settings(settings).runs(workflow_id)
    live: list[RunHistory] = []
    reason = None
    temporal = client if isinstance(client, Temporal) else Temporal(settings, client)
    try:
        live = await fetch_process(await temporal.client(), workflow_id)
    except HistoryNotFound:
        reason = "Temporal no longer has it"
    except RuntimeError as err:  # connection failure
        if not archived:
            raise TemporalUnavailable(f"cannot reach Temporal at {settings.temporal.address} ({err})") from None
        reason = "Temporal is not reachable"
    if not live and not archived:
        raise NothingFound(
            f"no history for workflow {workflow_id!r} in Temporal or in the archive "
            f"({Archive.for_settings(settings).root})"
        )
    merged = {r.run_id: r for r in archived}
    merged.update({r.run_id: r for r in live if r.workflow_id == workflow_id})
    # The process's own runs in the order they ran, then its child workflows' runs (from Temporal).
    runs = history.ordered(list(merged.values())) + [r for r in live if r.workflow_id != workflow_id]
    if not live:
        origin = f"the archive ({Archive.for_settings(settings).root}; {reason})"
    elif archived and len(merged) > len([r for r in live if r.workflow_id == workflow_id]):
        origin = "Temporal and the archive (older runs)"
    else:
        origin = "Temporal"
    return Loaded(runs, origin)


def from_file(path: Path, workflow_id: str | None = None) -> Loaded:
    return Loaded(history.load(path, workflow_id), f"file {path}")


async def load(target: str, settings: Any, client: Any = None) -> Loaded:
    """`target` is a file (either export format) or a workflow ID. Payloads come back codec-decoded."""
    if looks_like_file(target):
        path = Path(target)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {target}")
        loaded = from_file(path)
    else:
        loaded = await from_workflow(target, settings, client)
    return await decoded(loaded, settings)


async def decoded(loaded: Loaded, settings: Any) -> Loaded:
    converter = data_converter(settings)
    runs = [replace(r, events=await decode_events(r.events, converter)) for r in loaded.runs]
    return Loaded(runs, loaded.origin)


def by_workflow(runs: list[RunHistory]) -> list[list[RunHistory]]:
    """Runs grouped per workflow ID (the process first, then each child), each group oldest first."""
    groups: dict[str, list[RunHistory]] = {}
    for run in runs:
        groups.setdefault(run.workflow_id, []).append(run)
    return list(groups.values())
