"""The export document: a process's full history in the `temporal workflow show --output json` format (one run), or
the bundle of every run (continue-as-new chains, child workflows). See audit.history for both formats.

For the dashboard: `await history_json(settings, workflow_id)` returns the document as a dict (raw payloads, exactly
as Temporal or the archive holds them) to offer as a download.
"""

from __future__ import annotations

from typing import Any

from audit import history, source


async def history_json(settings: Any, workflow_id: str, client: Any = None) -> dict[str, Any]:
    """The export document for `workflow_id`, from Temporal, or the archive when Temporal no longer has it.
    Raises source.NothingFound / source.TemporalUnavailable."""
    loaded = await source.from_workflow(workflow_id, settings, client)
    return history.to_document(loaded.runs)


async def export(settings: Any, workflow_id: str, client: Any = None) -> tuple[str, source.Loaded]:
    """The export as JSON text, and where it came from."""
    loaded = await source.from_workflow(workflow_id, settings, client)
    return history.dumps(loaded.runs), loaded
