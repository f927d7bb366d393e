"""Replay a history against the current workflow code (temporalio.worker.Replayer) and say, in plain English,
whether the code reproduces the recorded decisions, and if not, at which event it diverged.

The SDK's nondeterminism message names the event only sometimes ("HistoryEvent(id: 5, ...)"); otherwise (e.g.
"Activity type of scheduled event 'record' does not match ... 'plan_step'") the diverging workflow task is found by
replaying ever longer prefixes of the history (bisection on workflow-task boundaries), and the event is the first
command event of that task that the message points to.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from audit.history import RunHistory, local_activity_type, parse_time
from audit.history import resets as find_resets

TASK_STARTED = "EVENT_TYPE_WORKFLOW_TASK_STARTED"
TASK_COMPLETED = "EVENT_TYPE_WORKFLOW_TASK_COMPLETED"
COMMAND_EVENTS = {
    "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED",
    "EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED",
    "EVENT_TYPE_TIMER_STARTED",
    "EVENT_TYPE_TIMER_CANCELED",
    "EVENT_TYPE_MARKER_RECORDED",
    "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES",
    "EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED",
    "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED",
    "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",
    "EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED",
}
_EVENT_IN_MESSAGE = re.compile(r"HistoryEvent\(id: (\d+), (\w+)")
_SCHEDULED_TYPE = re.compile(r"scheduled event '([^']+)'")
_CORE_MESSAGE = re.compile(r'message: "(.*?)", source')


@dataclass
class Divergence:
    workflow_id: str
    run_id: str
    event_id: int | None
    event_type: str | None  # e.g. "ActivityTaskScheduled"
    detail: str  # what the history recorded there, in words
    message: str  # the SDK's message

    def text(self) -> str:
        where = (
            f"at event {self.event_id} ({self.event_type}{', ' + self.detail if self.detail else ''})"
            if self.event_id
            else "(the event could not be located)"
        )
        return f"run {self.run_id} of {self.workflow_id} diverges {where}.\n    technical detail: {self.message}"


@dataclass
class Verdict:
    """Whether the current code reproduces the recorded decisions of every run."""

    workflow_id: str
    runs: int
    events: int
    reproduced: bool
    divergences: list[Divergence] = field(default_factory=list)
    problem: str | None = None  # the history could not be replayed at all (e.g. encrypted, no key)
    # Temporal resets among the runs, in sentences: the code may reproduce every run, but the history was rewritten,
    # and what the replaced run did after the reset point is not in the current run (audit verify says what).
    resets: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Reproduced, and nothing rewritten: what a green "reproduces" may say."""
        return self.reproduced and not self.resets and not self.problem

    def text(self) -> str:
        scope = f"{self.runs} run{'s' if self.runs != 1 else ''}, {self.events} events"
        if self.problem:
            return f"Replay: not possible: {self.problem}"
        rewritten = [f"  WARNING: {r}" for r in self.resets]
        if self.reproduced:
            return "\n".join([f"Replay: the current code reproduces every recorded decision ({scope})."] + rewritten)
        lines = [f"Replay: the current code does NOT reproduce the recorded decisions ({scope}):"]
        lines += ["  " + d.text() for d in self.divergences]
        lines.append(
            "  The record itself stands: the history is what happened. The code has changed since in a way that "
            "is not replay-safe (see workflow.patched in the engineering notes)."
        )
        return "\n".join(lines + rewritten)

    def as_dict(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "runs": self.runs,
            "events": self.events,
            "reproduced": self.reproduced,
            "problem": self.problem,
            "resets": self.resets,
            "divergences": [vars(d) for d in self.divergences],
        }


@lru_cache(maxsize=1)
def _quiet_runtime():
    """A runtime whose core logs only errors: the replayer's warning about the failing task is ours to report."""
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
        )
    )


def default_workflows() -> list[type]:
    from workflows.registry import WORKFLOWS  # the worker's registry is what "the current code" means

    return list(WORKFLOWS)


async def verdict(
    runs: list[RunHistory], converter: DataConverter | None = None, workflows: Sequence[type] | None = None
) -> Verdict:
    """Replay every run (payloads already codec-decoded: see audit.converter.decode_events)."""
    from audit.converter import data_converter

    # The runs' payloads are already through the codec (audit.converter.decode_events): replay without it.
    converter = dataclasses.replace(converter or data_converter(), payload_codec=None)
    replayer = Replayer(
        workflows=list(workflows or default_workflows()), data_converter=converter, runtime=_quiet_runtime()
    )
    result = Verdict(
        workflow_id=runs[0].workflow_id if runs else "",
        runs=len(runs),
        events=sum(len(r.events) for r in runs),
        reproduced=True,
        resets=[r.sentence() for r in find_resets(runs)],
    )
    for run in runs:
        failure = await _replay(replayer, run.workflow_id, run.events)
        if failure is not None:
            result.reproduced = False
            result.divergences.append(await _locate(replayer, run, failure))
    return result


async def _replay(replayer: Replayer, workflow_id: str, events: list[dict[str, Any]]) -> Exception | None:
    history = WorkflowHistory.from_json(workflow_id, {"events": events})
    outcome = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return outcome.replay_failure


def core_message(failure: BaseException) -> str:
    text = str(failure)
    found = _CORE_MESSAGE.search(text)
    return found.group(1) if found else text


async def _locate(replayer: Replayer, run: RunHistory, failure: Exception) -> Divergence:
    message = core_message(failure)
    events = run.events
    named = _EVENT_IN_MESSAGE.search(message)
    if named:
        event_id = int(named.group(1))
        event = next((e for e in events if int(e["eventId"]) == event_id), None)
        return _divergence(run, event, message, fallback_type=named.group(2))
    window = await _failing_task(replayer, run)
    wanted = _SCHEDULED_TYPE.search(message)
    candidates = [e for e in window if e.get("eventType") in COMMAND_EVENTS]
    if wanted:
        matching = [
            e
            for e in candidates
            if e.get("activityTaskScheduledEventAttributes", {}).get("activityType", {}).get("name") == wanted.group(1)
        ]
        candidates = matching or candidates
    event = candidates[0] if candidates else (window[-1] if window else None)
    return _divergence(run, event, message)


async def _failing_task(replayer: Replayer, run: RunHistory) -> list[dict[str, Any]]:
    """The events produced by the first workflow task the current code does not reproduce."""
    events = run.events
    starts = [i for i, e in enumerate(events) if e.get("eventType") == TASK_STARTED]
    if not starts:
        return events
    # Smallest prefix (ending at a task start) whose replay fails; the full history is known to fail.
    lo, hi = 0, len(starts)  # hi == len(starts) stands for the whole history
    while lo < hi:
        mid = (lo + hi) // 2
        if await _replay(replayer, run.workflow_id, events[: starts[mid] + 1]) is not None:
            hi = mid
        else:
            lo = mid + 1
    end = starts[lo] + 1 if lo < len(starts) else len(events)
    begin = starts[lo - 1] + 1 if lo > 0 else 0
    return events[begin:end]


def _divergence(run: RunHistory, event: dict[str, Any] | None, message: str, fallback_type: str = "") -> Divergence:
    if event is None:
        return Divergence(run.workflow_id, run.run_id, None, fallback_type or None, "", message)
    kind = event.get("eventType", "").removeprefix("EVENT_TYPE_")
    kind = "".join(part.capitalize() for part in kind.split("_"))
    return Divergence(run.workflow_id, run.run_id, int(event["eventId"]), kind, _what(event), message)


def _what(event: dict[str, Any]) -> str:
    when = parse_time(event["eventTime"]).strftime("%Y-%m-%d %H:%M UTC")
    if "activityTaskScheduledEventAttributes" in event:
        name = event["activityTaskScheduledEventAttributes"]["activityType"]["name"]
        return f"the history schedules activity '{name}' at {when}"
    if "timerStartedEventAttributes" in event:
        return (
            f"the history starts a timer of {event['timerStartedEventAttributes'].get('startToFireTimeout')} at {when}"
        )
    if "workflowExecutionUpdateAcceptedEventAttributes" in event:
        name = event["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]["input"]["name"]
        return f"the history accepts update '{name}' at {when}"
    if "markerRecordedEventAttributes" in event:
        marker = event["markerRecordedEventAttributes"]
        name = local_activity_type(marker)
        if name:
            return f"the history records local activity '{name}' at {when}"
        return f"the history records marker '{marker.get('markerName')}' at {when}"
    return f"at {when}"


async def verdict_for(settings: Any, target: str, client=None) -> Verdict:
    """For the dashboard: the verdict for a workflow ID (Temporal, else the archive) or an exported file. An
    encrypted history without its key gives a Verdict whose `problem` says so; NothingFound and
    TemporalUnavailable (audit.source) are raised."""
    from audit import source
    from audit.converter import EncryptedHistoryError, data_converter

    try:
        loaded = await source.load(target, settings, client)
    except EncryptedHistoryError as err:
        return Verdict(workflow_id=target, runs=0, events=0, reproduced=False, problem=str(err))
    own = [r for r in loaded.runs if r.workflow_id == loaded.runs[0].workflow_id]
    return await verdict(own, data_converter(settings))
