"""The statutory timeline of a process, derived from its Temporal history alone.

Every record the workflow wrote (the `record` activity's entry: kind, workflow time, rule, actor, data, and the
process and step as the workflow saw them) is in history; so are the plans the rule book computed (`plan_step`: due
and target dates with their basis) and the notices sent (`notify`). Processes started before workflows/calls.py ran
these as ordinary activities (the entry is the scheduled event's input, the plan its completion's result); since,
they run as local activities, whose markers hold the result (record's echoes the entry it wrote). The timeline is
those, in order, decoded with the same data converter the worker uses. Nothing is read from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from temporalio.converter import DataConverter

from audit import notices as notices_mod
from audit.backdating import DEFAULT_WORKING_DAYS, ESCALATION, completion_flag
from audit.converter import decode_payload
from audit.history import Reset, RunHistory, local_activity_type, parse_time
from audit.history import resets as find_resets
from statutory.calendar import SchoolCalendar
from statutory.clock import local_date
from workflows import activity_names
from workflows.models import Recorded, RecordInput, StepPlan

SCHEDULED = "activityTaskScheduledEventAttributes"
COMPLETED = "activityTaskCompletedEventAttributes"
MARKER = "markerRecordedEventAttributes"


@dataclass
class Call:
    """One activity that completed, ordinary or local: its name, the event that holds it, its input and result
    payloads (a local activity has no input in history)."""

    name: str
    event_id: int
    input: dict[str, Any] | None
    result: dict[str, Any] | None


def calls(run: RunHistory) -> list[Call]:
    """The run's completed activities, in order (ordinary ones at their scheduled event, local ones at their
    marker; failed ones are left out)."""
    found: list[Call] = []
    scheduled: dict[str, tuple[str, dict[str, Any] | None, int]] = {}
    for event in run.events:
        if SCHEDULED in event:
            attrs = event[SCHEDULED]
            payloads = (attrs.get("input") or {}).get("payloads") or []
            scheduled[event["eventId"]] = (
                attrs["activityType"]["name"],
                payloads[0] if payloads else None,
                int(event["eventId"]),
            )
        elif COMPLETED in event:
            attrs = event[COMPLETED]
            name, input_, event_id = scheduled.get(attrs.get("scheduledEventId"), ("", None, 0))
            result = (attrs.get("result") or {}).get("payloads") or []
            found.append(Call(name, event_id, input_, result[0] if result else None))
        elif MARKER in event and (local_name := local_activity_type(event[MARKER])):
            result = ((event[MARKER].get("details") or {}).get("result") or {}).get("payloads") or []
            if result:
                found.append(Call(local_name, int(event["eventId"]), None, result[0]))
    return found


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
    # Written by a run that a reset later replaced from before this entry: it happened (its row was written) but the
    # current history no longer contains it, and the step summaries do not follow it.
    rewritten: bool = False
    hash: str | None = None  # the row's chain hash, as the record activity returned it into history


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
    # Why its completion looks backdated (audit/backdating.py), or None: recorded long after the date it gives, or
    # with a date before an overdue notice sent before it was recorded. It still counts by the date given.
    backdated: str | None = None


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
    resets: list[Reset] = field(default_factory=list)  # histories rewritten (Temporal resets), oldest first
    # Every notice sent, with each recipient's channel and outcome then (audit/notices.py), in order
    notices: list[notices_mod.Notice] = field(default_factory=list)

    @property
    def rewritten(self) -> list[Entry]:
        """Records a reset removed from the current history (e.g. a completion): each contradicts the current run."""
        return [e for e in self.entries if e.rewritten]

    def records(self) -> dict[str, Entry]:
        """Entries by idempotency key (the first with a key wins: a later duplicate changed nothing)."""
        found: dict[str, Entry] = {}
        for entry in self.entries:
            found.setdefault(entry.key, entry)
        return found


def build(
    runs: list[RunHistory],
    converter: DataConverter,
    *,
    calendar: SchoolCalendar | None = None,
    working_days: int = DEFAULT_WORKING_DAYS,
) -> Timeline:
    """The timeline of one process from its runs (all of one workflow ID, oldest first; payloads codec-decoded).
    `calendar` and `working_days` judge backdated completions (StepSummary.backdated): the school's calendar and
    audit.backdating_working_days where the caller has the settings; without them, weekends and England bank
    holidays only, and the default limit (what an outsider can recompute from the histories alone)."""
    backdating = (calendar or SchoolCalendar(), working_days)
    first = runs[0]
    timeline = Timeline(
        workflow_id=first.workflow_id,
        workflow_type=first.workflow_type,
        runs=[r.run_id for r in runs],
        events=sum(len(r.events) for r in runs),
    )
    titles: dict[tuple[str, date], str] = {}
    steps: dict[tuple[str, int], StepSummary] = {}
    timeline.resets = find_resets(runs)
    present = {r.run_id for r in runs}
    # A reset run's prefix is a copy of its base run's (read once, from the base run, when that run is here).
    copied_up_to = {r.run_id: r.from_event for r in timeline.resets if r.base_run_id in present}
    replaced_from = {r.base_run_id: r.from_event for r in timeline.resets}  # a base run's tail, rewritten
    sent: list[notices_mod.Sent] = []
    for run in runs:
        for call in calls(run):
            if call.event_id < copied_up_to.get(run.run_id, 0):
                continue  # already read from the run it was copied from
            rewritten = call.event_id >= replaced_from.get(run.run_id, call.event_id + 1)
            if call.name == activity_names.PLAN_STEP and call.result:
                plan: StepPlan = decode_payload(call.result, StepPlan, converter)
                titles[(plan.rule_id, plan.anchor)] = plan.rule_title
            elif call.name == activity_names.NOTIFY and call.result:
                sent.append(notices_mod.Sent(run, call, rewritten))
            elif call.name == activity_names.RECORD:
                record = recorded_entry(call, converter)
                if record is None:
                    continue
                entry = Entry(
                    at=record.occurred_at,
                    on=local_date(record.occurred_at),
                    kind=record.kind,
                    rule_id=record.rule_id,
                    actor=record.actor,
                    data=record.data,
                    key=record.key,
                    run_id=run.run_id,
                    event_id=call.event_id,
                    record=record,
                    rewritten=rewritten,
                    hash=returned_hash(call, converter),
                )
                timeline.entries.append(entry)
                if not rewritten:
                    _apply(timeline, steps, titles, entry, backdating)
    timeline.notices = notices_mod.collect(sent, timeline.entries, converter)
    _settle_rewritten(timeline)
    if runs[-1].closed_as and runs[-1].closed_as != "continued as new":
        timeline.closed = True
        timeline.closed_at = runs[-1].closed_at
    timeline.steps = list(steps.values())
    if timeline.case_ref is None:
        timeline.case_ref = search_attribute(first, "SendclockCaseRef", converter)
    return timeline


def _settle_rewritten(timeline: Timeline) -> None:
    """A reset re-runs the workflow task it resets to, so records of the replaced run after the reset point are
    written again by the new run with the same keys (no-ops in the database). Those are not lost: the original entry
    stands (it wrote the row) and its repeat is dropped. Only a record the current history never writes again (a
    completion a reset undid) stays `rewritten`."""
    current = {e.key for e in timeline.entries if not e.rewritten}
    redone = {e.key for e in timeline.entries if e.rewritten and e.key in current}
    kept, seen = [], set()
    for entry in timeline.entries:
        if entry.key in redone:
            if entry.key in seen:
                continue
            entry.rewritten = False
            seen.add(entry.key)
        kept.append(entry)
    timeline.entries = kept


def returned_hash(call: Call, converter: DataConverter) -> str | None:
    """The chain hash the record activity returned into history (None before it did: its result was then a bare
    bool, or a Recorded without it)."""
    if call.result is None:
        return None
    value = decode_payload(call.result, None, converter)
    return value.get("hash") if isinstance(value, dict) else None


def recorded_entry(call: Call, converter: DataConverter) -> RecordInput | None:
    """The entry a record call wrote: its input (ordinary activity) or the entry its result echoes (local)."""
    if call.input is not None:
        return decode_payload(call.input, RecordInput, converter)
    if call.result is not None:
        return decode_payload(call.result, Recorded, converter).entry
    return None


def _apply(
    timeline: Timeline,
    steps: dict[tuple[str, int], StepSummary],
    titles: dict[tuple[str, date], str],
    entry: Entry,
    backdating: tuple[SchoolCalendar, int] = (SchoolCalendar(), DEFAULT_WORKING_DAYS),
) -> None:
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
            rule_id=s.rule_id,
            instance=s.instance,
            title=titles.get((s.rule_id, s.anchor), s.rule_id),
            basis=s.basis,
            anchor=s.anchor,
            due=s.due,
            target=s.target,
            owner=s.owner,
            # None: the plan is unchanged, so is its explanation (the first record of each plan carries it)
            explanation=list(s.explanation) if s.explanation is not None else previous.explanation if previous else [],
            status=s.status.value,
            exempt=s.exempt,
            exemption_ground=s.exemption_ground,
            completed_on=s.completed_on,
            on_time=s.on_time,
            days_late=s.days_late,
            reminders=previous.reminders if previous else [],
            backdated=previous.backdated if previous else None,
        )
        steps[key] = summary
        if entry.kind in ("reminder-sent", "escalation-sent"):
            summary.reminders.append(entry)
        if entry.kind == "completed":
            escalations = [(r.at, r.data) for r in summary.reminders if r.kind == ESCALATION]
            summary.backdated = completion_flag(
                given=s.completed_on,
                recorded_at=entry.at,
                actor=entry.actor,
                escalations=escalations,
                calendar=backdating[0],
                working_days=backdating[1],
            )


def search_attribute(run: RunHistory, name: str, converter: DataConverter) -> str | None:
    fields = run.started.get("searchAttributes", {}).get("indexedFields", {})
    if name not in fields:
        return None
    try:
        value = decode_payload(fields[name], None, converter)
    except Exception:  # noqa: BLE001 - a display nicety only
        return None
    return value if isinstance(value, str) else None


def event_time(event: dict[str, Any]) -> datetime:
    return parse_time(event["eventTime"])
