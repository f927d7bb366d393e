"""The statutory timeline of a process, derived from its Temporal history alone.

Every record the workflow wrote (the `record` activity's input: kind, workflow time, rule, actor, data, and the
process and step as the workflow saw them) is in history with the activity's completion; so are the plans the rule
book computed (`plan_step`: due and target dates with their basis) and the notices sent (`notify`). The timeline is
those, in order, decoded with the same data converter the worker uses. Nothing is read from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from temporalio.converter import DataConverter

from audit.converter import decode_payload
from audit.history import RunHistory, parse_time
from statutory.clock import local_date
from workflows import activity_names
from workflows.models import NotifyInput, RecordInput, StepPlan

SCHEDULED = "activityTaskScheduledEventAttributes"
COMPLETED = "activityTaskCompletedEventAttributes"


@dataclass
class Entry:
    """One thing that happened (one record the workflow wrote), with the event that carries it."""

    at: datetime  # workflow time (aware, UTC)
    on: date  # its date in Europe/London
    kind: str
    rule_id: str | None
    actor: str | None
    data: dict[str, Any]
    key: str
    run_id: str
    event_id: int
    record: RecordInput


@dataclass
class StepSummary:
    """Where a statutory step ended up, by the last record of it in history."""

    rule_id: str
    instance: int
    title: str
    basis: str
    anchor: date
    due: date
    target: date
    explanation: list[str]
    owner: str
    status: str
    exempt: bool
    exemption_ground: str | None
    completed_on: date | None
    on_time: bool | None
    days_late: int | None
    reminders: list[Entry] = field(default_factory=list)


@dataclass
class Timeline:
    workflow_id: str
    workflow_type: str
    runs: list[str]  # run IDs, oldest first
    events: int
    case_ref: str | None = None
    process_kind: str | None = None
    la: str | None = None
    received_on: date | None = None
    status: str | None = None
    outcome: str | None = None
    closed: bool = False
    closed_at: datetime | None = None
    entries: list[Entry] = field(default_factory=list)
    steps: list[StepSummary] = field(default_factory=list)
    process_record: Any = None  # the last ProcessRecord the workflow wrote

    def records(self) -> dict[str, Entry]:
        """Entries by idempotency key (the first with a key wins: a later duplicate changed nothing)."""
        found: dict[str, Entry] = {}
        for entry in self.entries:
            found.setdefault(entry.key, entry)
        return found


def build(runs: list[RunHistory], converter: DataConverter) -> Timeline:
    """The timeline of one process from its runs (all of one workflow ID, oldest first; payloads codec-decoded)."""
    first = runs[0]
    timeline = Timeline(workflow_id=first.workflow_id, workflow_type=first.workflow_type,
                        runs=[r.run_id for r in runs], events=sum(len(r.events) for r in runs))
    titles: dict[tuple[str, date], str] = {}
    steps: dict[tuple[str, int], StepSummary] = {}
    for run in runs:
        scheduled: dict[str, tuple[str, dict[str, Any], int]] = {}
        for event in run.events:
            if SCHEDULED in event:
                attrs = event[SCHEDULED]
                scheduled[event["eventId"]] = (attrs["activityType"]["name"], attrs.get("input", {}), int(event["eventId"]))
                continue
            if COMPLETED not in event:
                continue
            attrs = event[COMPLETED]
            name, input_, event_id = scheduled.get(attrs.get("scheduledEventId"), ("", {}, 0))
            payloads = input_.get("payloads") or []
            if name == activity_names.PLAN_STEP:
                result = (attrs.get("result") or {}).get("payloads") or []
                if result:
                    plan: StepPlan = decode_payload(result[0], StepPlan, converter)
                    titles[(plan.rule_id, plan.anchor)] = plan.rule_title
            elif name == activity_names.RECORD and payloads:
                record: RecordInput = decode_payload(payloads[0], RecordInput, converter)
                entry = Entry(at=record.occurred_at, on=local_date(record.occurred_at), kind=record.kind,
                              rule_id=record.rule_id, actor=record.actor, data=record.data, key=record.key,
                              run_id=run.run_id, event_id=event_id, record=record)
                timeline.entries.append(entry)
                _apply(timeline, steps, titles, entry)
    if runs[-1].closed_as and runs[-1].closed_as != "continued as new":
        timeline.closed = True
        timeline.closed_at = runs[-1].closed_at
    timeline.steps = list(steps.values())
    if timeline.case_ref is None:
        timeline.case_ref = search_attribute(first, "SendclockCaseRef", converter)
    return timeline


def _apply(timeline: Timeline, steps: dict[tuple[str, int], StepSummary], titles: dict[tuple[str, date], str],
           entry: Entry) -> None:
    record = entry.record
    if record.process is not None:
        p = record.process
        timeline.process_record = p
        timeline.case_ref, timeline.process_kind, timeline.la = p.case_ref, p.kind, p.la
        timeline.received_on, timeline.status, timeline.outcome = p.received_on, p.status.value, p.outcome
    if record.step is not None:
        s = record.step
        key = (s.rule_id, s.instance)
        previous = steps.get(key)
        summary = StepSummary(
            rule_id=s.rule_id, instance=s.instance, title=titles.get((s.rule_id, s.anchor), s.rule_id), basis=s.basis,
            anchor=s.anchor, due=s.due, target=s.target, explanation=list(s.explanation), owner=s.owner,
            status=s.status.value, exempt=s.exempt, exemption_ground=s.exemption_ground, completed_on=s.completed_on,
            on_time=s.on_time, days_late=s.days_late, reminders=previous.reminders if previous else [])
        steps[key] = summary
        if entry.kind in ("reminder-sent", "escalation-sent"):
            summary.reminders.append(entry)


def search_attribute(run: RunHistory, name: str, converter: DataConverter) -> str | None:
    fields = run.started.get("searchAttributes", {}).get("indexedFields", {})
    if name not in fields:
        return None
    try:
        value = decode_payload(fields[name], None, converter)
    except Exception:  # noqa: BLE001 - a display nicety only
        return None
    return value if isinstance(value, str) else None


def notices(runs: list[RunHistory], converter: DataConverter) -> list[NotifyInput]:
    """Every notice the workflow asked to send (the notify activity's input), in order."""
    found = []
    for run in runs:
        for event in run.events:
            attrs = event.get(SCHEDULED)
            if attrs and attrs["activityType"]["name"] == activity_names.NOTIFY:
                payloads = attrs.get("input", {}).get("payloads") or []
                if payloads:
                    found.append(decode_payload(payloads[0], NotifyInput, converter))
    return found


def event_time(event: dict[str, Any]) -> datetime:
    return parse_time(event["eventTime"])
