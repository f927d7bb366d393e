"""A process's history as an auditor gets it: one or more runs (continue-as-new chains, child workflows), each the
list of events in the format of `temporal workflow show --output json` (protobuf JSON: camelCase, base64 payloads).

File formats (both read back by `load`):
- one run: exactly what `temporal workflow show --output json` writes, `{"events": [...]}`;
- several runs: `{"sendclockAudit": 1, "workflowId": ..., "runs": [{"workflowId", "runId", "events": [...]}, ...]}`,
  each run in the order it ran; each run's `{"events": [...]}` is again the `temporal workflow show` format.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory

BUNDLE_VERSION = 1
STARTED = "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
CLOSING = {
    "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED": "completed",
    "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED": "failed",
    "EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT": "timed out",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED": "cancelled",
    "EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED": "terminated",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW": "continued as new",
}


class HistoryFormatError(ValueError):
    """The file is not a history this module can read."""


@dataclass(frozen=True)
class RunHistory:
    workflow_id: str
    run_id: str
    events: list[dict[str, Any]]

    @property
    def started(self) -> dict[str, Any]:
        return self.events[0].get("workflowExecutionStartedEventAttributes", {})

    @property
    def workflow_type(self) -> str:
        return self.started.get("workflowType", {}).get("name", "")

    @property
    def started_at(self) -> datetime:
        return parse_time(self.events[0]["eventTime"])

    @property
    def closed_as(self) -> str | None:
        """How the run ended ('completed', 'continued as new', ...), or None while it is open."""
        return CLOSING.get(self.events[-1].get("eventType", ""))

    @property
    def closed_at(self) -> datetime | None:
        return parse_time(self.events[-1]["eventTime"]) if self.closed_as else None

    @property
    def continued_from(self) -> str | None:
        return self.started.get("continuedExecutionRunId") or None

    @property
    def continued_as(self) -> str | None:
        attrs = self.events[-1].get("workflowExecutionContinuedAsNewEventAttributes")
        return attrs.get("newExecutionRunId") if attrs else None

    @property
    def last_task_at(self) -> datetime:
        """When the run's latest workflow task was started (for an open run: records from then on may not be in
        history yet)."""
        for event in reversed(self.events):
            if event.get("eventType") == "EVENT_TYPE_WORKFLOW_TASK_STARTED":
                return parse_time(event["eventTime"])
        return self.started_at

    @property
    def reset_from(self) -> str | None:
        """The run this one was reset from (a reset copies that run's history up to a workflow task, fails the task
        with cause RESET_WORKFLOW naming the base run, and goes on from there), or None."""
        reset = last_reset(self.events)
        return reset.get("baseRunId") if reset else None

    def children(self) -> list[tuple[str, str]]:
        """(workflow_id, run_id) of each child workflow this run started."""
        found = []
        for event in self.events:
            attrs = event.get("childWorkflowExecutionStartedEventAttributes")
            if attrs:
                ex = attrs.get("workflowExecution", {})
                found.append((ex.get("workflowId", ""), ex.get("runId", "")))
        return found

    def to_workflow_history(self) -> WorkflowHistory:
        return WorkflowHistory.from_json(self.workflow_id, {"events": self.events})

    def document(self) -> dict[str, Any]:
        """This run alone, in the `temporal workflow show --output json` format."""
        return {"events": self.events}


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp from history JSON (nanoseconds are cut to microseconds)."""
    head, _, frac = value.rstrip("Z").partition(".")
    micro = (frac + "000000")[:6] if frac else "000000"
    return datetime.fromisoformat(f"{head}.{micro}+00:00")


def from_workflow_history(history: WorkflowHistory) -> RunHistory:
    events = history.to_json_dict().get("events", [])
    return make_run(history.workflow_id, events)


def make_run(workflow_id: str | None, events: list[dict[str, Any]]) -> RunHistory:
    if not events or events[0].get("eventType") != STARTED:
        raise HistoryFormatError("a history must start with a WorkflowExecutionStarted event")
    attrs = events[0].get("workflowExecutionStartedEventAttributes", {})
    reset = last_reset(events)  # a reset run's start event is its base run's copy: its own id is in the reset
    run_id = (
        (reset or {}).get("newRunId") or attrs.get("originalExecutionRunId") or attrs.get("firstExecutionRunId") or ""
    )
    return RunHistory(workflow_id or guess_workflow_id(events) or "unknown-workflow", run_id, events)


def last_reset(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The attributes of the last reset in a run's history: the workflow task a reset failed (cause
    RESET_WORKFLOW), naming the base run and the new run. A run reset twice holds both (the first in the copied
    part), so the last is this run's."""
    found = None
    for event in events:
        attrs = event.get("workflowTaskFailedEventAttributes")
        if (
            attrs
            and attrs.get("cause") in ("WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW", "ResetWorkflow")
            and attrs.get("newRunId")
        ):
            found = attrs
    return found


@dataclass(frozen=True)
class Reset:
    """A reset: run `run_id` began as a copy of run `base_run_id` up to event `from_event` (exclusive), and went on
    differently from there. What the base run did from that event on is not in the new run's history."""

    run_id: str
    base_run_id: str
    from_event: int
    at: datetime
    reason: str
    dropped_events: int  # events of the base run from `from_event` on (its own ending included)

    def sentence(self, zone: str = "Europe/London") -> str:
        from zoneinfo import ZoneInfo

        from statutory.clock import fmt

        local = self.at.astimezone(ZoneInfo(zone))
        why = f' (reason given: "{self.reason}")' if self.reason else ""
        return (
            f"The history was rewritten from event {self.from_event} on {fmt(local.date())} at {local:%H:%M}"
            f"{why}: run {self.run_id} replaced run {self.base_run_id} from that event on, and "
            f"{self.dropped_events} event(s) of the earlier run are not in the current history."
        )


def resets(runs: list[RunHistory]) -> list[Reset]:
    """Every reset among these runs (of one workflow ID), in order."""
    by_id = {r.run_id: r for r in runs}
    found = []
    for run in runs:
        for event in run.events:
            attrs = event.get("workflowTaskFailedEventAttributes")
            if not attrs or attrs.get("newRunId") != run.run_id or not attrs.get("baseRunId"):
                continue
            base = by_id.get(attrs["baseRunId"])
            cut = int(event["eventId"])
            dropped = sum(1 for e in base.events if int(e["eventId"]) >= cut) if base else 0
            found.append(
                Reset(
                    run.run_id,
                    attrs["baseRunId"],
                    cut,
                    parse_time(event["eventTime"]),
                    (attrs.get("failure") or {}).get("message", ""),
                    dropped,
                )
            )
    return found


def guess_workflow_id(events: list[dict[str, Any]]) -> str | None:
    """A bare `temporal workflow show` file does not name its workflow: sendclock's own activity payloads do (every
    record and notice carries the workflow ID: an ordinary activity's input, a local record's echoed entry)."""
    for event in events:
        attrs = event.get("activityTaskScheduledEventAttributes")
        payloads = (attrs.get("input") or {}).get("payloads", []) if attrs else []
        marker = event.get("markerRecordedEventAttributes")
        if marker:
            payloads = ((marker.get("details") or {}).get("result") or {}).get("payloads", [])
        for payload in payloads:
            try:
                value = json.loads(base64.b64decode(payload.get("data", "")))
            except (ValueError, TypeError):
                continue  # encrypted or not JSON
            if isinstance(value, dict):
                value = value.get("entry") or value
            if isinstance(value, dict):
                wid = value.get("workflow_id") or (value.get("context") or {}).get("workflow_id")
                if isinstance(wid, str) and wid:
                    return wid
    return None


def to_document(runs: list[RunHistory]) -> dict[str, Any]:
    """One run: the `temporal workflow show` format itself; several: the bundle (see the module docstring)."""
    if len(runs) == 1:
        return runs[0].document()
    return {
        "sendclockAudit": BUNDLE_VERSION,
        "workflowId": runs[0].workflow_id if runs else None,
        "runs": [{"workflowId": r.workflow_id, "runId": r.run_id, "events": r.events} for r in runs],
    }


def from_document(document: Any, workflow_id: str | None = None) -> list[RunHistory]:
    if not isinstance(document, dict):
        raise HistoryFormatError("expected a JSON object with 'events' (temporal workflow show) or 'runs'")
    if "runs" in document:
        runs = document["runs"]
        if not isinstance(runs, list) or not runs:
            raise HistoryFormatError("'runs' must be a non-empty list")
        return [make_run(r.get("workflowId") or workflow_id, r.get("events") or []) for r in runs]
    if isinstance(document.get("events"), list):
        return [make_run(workflow_id, document["events"])]
    raise HistoryFormatError("expected a JSON object with 'events' (temporal workflow show) or 'runs'")


def dumps(runs: list[RunHistory]) -> str:
    return json.dumps(to_document(runs), indent=2) + "\n"


def load(path: Path, workflow_id: str | None = None) -> list[RunHistory]:
    """Read an exported history (either format). Raises HistoryFormatError with a reason on anything else."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise HistoryFormatError("not a text file") from None
    except json.JSONDecodeError as err:
        raise HistoryFormatError(f"not JSON ({err.msg} at line {err.lineno})") from None
    return from_document(document, workflow_id)


def ordered(runs: list[RunHistory]) -> list[RunHistory]:
    """Runs in the order they ran (a continue-as-new chain by its links, then by start time; a run reset from
    another after it: the reset copy starts with the same start event), without duplicates."""
    unique = {r.run_id: r for r in runs}

    def before(run: RunHistory) -> str | None:
        return run.continued_from if run.continued_from in unique else run.reset_from

    def depth(run: RunHistory) -> int:
        n, seen = 0, set()
        while (prior := before(run)) is not None and prior in unique and run.run_id not in seen:
            seen.add(run.run_id)
            run, n = unique[prior], n + 1
        return n

    return sorted(unique.values(), key=lambda r: (r.started_at, depth(r)))


LOCAL_ACTIVITY_MARKER = "core_local_activity"


def local_activity_type(marker: dict[str, Any]) -> str | None:
    """The activity type a local activity's marker records (its bookkeeping payload is plain JSON, written by the
    SDK), or None for any other marker."""
    if marker.get("markerName") != LOCAL_ACTIVITY_MARKER:
        return None
    payloads = ((marker.get("details") or {}).get("data") or {}).get("payloads") or []
    try:
        return json.loads(base64.b64decode(payloads[0].get("data", ""))).get("activity_type")
    except (IndexError, ValueError, TypeError, AttributeError):
        return None
