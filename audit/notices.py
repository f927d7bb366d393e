"""Who was told what, and how it went, from history alone (issue 21, finding 4).

Every notice a process sends (assigned, reminder, overdue, "as soon as practicable", completed, exemption, dates
changed, withdrawn, cancelled) goes through the notify activity, and history keeps its result: each recipient's
delivery, with the channel and the status at that moment (sent, accepted by Teams, kept in the outbox, held for
working hours, sent to the SENCO's e-mail instead, already delivered). Which notice a result belongs to:

- an ordinary activity (processes started before workflows/calls.py): its input, in history, names it;
- a local activity whose result names it (activities/notifier.py NoticeOutcome, since issue 21): the result, with the
  key, status and fingerprint of each outbox row it wrote (audit/verify.py compares the outbox with them);
- a local activity from before that: the record the step writes beside it, in the same workflow task. The step
  records a change, then notifies ("step-opened" then "assigned"; "completed", "withdrawn", "cancelled",
  "reassigned", "exemption-recorded", "step-rescheduled" and "step-replanned" then their notice), or notifies, then
  records ("reminder-sent" and "escalation-sent" after a reminder or an escalation) (workflows/step.py). A result
  is paired with such a record: first the record right beside it, then the earliest one still unpaired in the same
  workflow task whose recipients fit (the step's owner, with the SENCO for "done" and exemption notices, or the
  reminder's recipients). Two steps notifying the same
  person in one workflow task could pair either way round; a result left unpaired is listed as "a notice" of an
  unknown kind.

A notice that failed after every retry has no result: the workflow records "notification-failed" with its kind,
recipients and the error, and that record stands for it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from temporalio.converter import DataConverter

from audit.converter import decode_payload
from audit.history import RunHistory, parse_time
from statutory.clock import local_date
from workflows.models import NotifyInput

# Records the step writes before its notice, and the notice's kind.
PRECEDED_BY = {
    "step-opened": "assigned",
    "completed": "completed",
    "withdrawn": "withdrawn",
    "cancelled": "cancelled",
    "reassigned": "assigned",
    "exemption-recorded": "exemption",
    "step-rescheduled": "rescheduled",
    "step-replanned": "rescheduled",
}
FOLLOWED_BY = ("reminder-sent", "escalation-sent")  # records the step writes after its notice (data: kind, recipients)
FAILED = "notification-failed"
MARKER = "markerRecordedEventAttributes"


@dataclass
class Told:
    """One recipient of a notice: the channel(s) as the notifier names them ("email", "email+teams", "outbox",
    "own-action", "dashboard", "digest", "fallback:email") and the status then (see workflows.models.Delivery)."""

    recipient: str
    channel: str
    status: str
    error: str | None = None


@dataclass
class RowSeen:
    """An outbox row of the notice as the notify activity left it (key, status then, fingerprint)."""

    key: str
    status: str
    fingerprint: str


@dataclass
class Notice:
    at: datetime  # workflow time the notice was asked for (aware, UTC)
    on: date  # its date in Europe/London
    kind: str | None  # assigned, reminder, overdue, asap, prompt, completed, exemption, rescheduled, ...; None: unknown
    rule_id: str | None
    key: str | None  # the notice's key: its outbox rows are keyed KEY/RECIPIENT/CHANNEL; None: unknown
    told: list[Told]
    run_id: str
    event_id: int
    source: str  # "input", "result", "record" (paired with the record beside it), "failure", "unknown"
    rows: list[RowSeen] | None = None  # None: the history does not list the rows (recorded before issue 21)
    failed: bool = False  # failed after every retry (no result: the "notification-failed" record)
    error: str | None = None
    rewritten: bool = False  # sent by a run a reset later replaced, and not sent again by the current history

    @property
    def recipients(self) -> list[str]:
        return [t.recipient for t in self.told]

    def notice_key(self, recipient: str) -> str | None:
        """The outbox's notice_key of this notice to `recipient` (shared by that person's channels)."""
        return f"{self.key}/{recipient}" if self.key else None


@dataclass
class Sent:
    """A completed notify call as timeline.build meets it."""

    run: RunHistory
    call: Any  # audit.timeline.Call
    rewritten: bool


@dataclass
class _Pending:
    notice: Notice
    task: str | None  # the workflow task whose completion recorded the marker
    recipients: frozenset[str] = field(default_factory=frozenset)


def collect(sent: list[Sent], entries: list[Any], converter: DataConverter) -> list[Notice]:
    """Every notice of the process: `sent` are the notify calls with a result, `entries` the timeline's records (all
    of them, before a reset's repeats are settled), both in history order."""
    notices: list[Notice] = []
    tasks: dict[str, dict[int, str | None]] = {}
    times: dict[str, dict[int, datetime]] = {}
    legacy: dict[str, list[_Pending]] = {}
    for item in sent:
        run, call = item.run, item.call
        if run.run_id not in tasks:
            tasks[run.run_id], times[run.run_id] = _index(run)
        notice = _from_call(item, times[run.run_id].get(call.event_id, run.started_at), converter)
        notices.append(notice)
        if notice.source == "unknown":
            legacy.setdefault(run.run_id, []).append(
                _Pending(notice, tasks[run.run_id].get(call.event_id), frozenset(notice.recipients))
            )
    for run_id, pending in legacy.items():
        _pair(pending, [e for e in entries if e.run_id == run_id], tasks[run_id])
    for entry in entries:
        if entry.kind == FAILED:
            notices.append(_failed(entry))
    notices.sort(key=lambda n: n.at)  # stable: history order within one instant
    return _settle(notices)


def _from_call(item: Sent, at: datetime, converter: DataConverter) -> Notice:
    """`at`: the time of the call's event (a marker's: when its workflow task completed), until the notice's own
    time is known."""
    call, run = item.call, item.run
    result = decode_payload(call.result, None, converter) if call.result else {}
    result = result if isinstance(result, dict) else {}
    told = [
        Told(str(d.get("recipient", "")), str(d.get("channel", "")), str(d.get("status", "")), d.get("error"))
        for d in result.get("deliveries") or []
        if isinstance(d, dict)
    ]
    notice = Notice(
        at=at,
        on=local_date(at),
        kind=None,
        rule_id=None,
        key=None,
        told=told,
        run_id=run.run_id,
        event_id=call.event_id,
        source="unknown",
        rewritten=item.rewritten,
    )
    if call.input is not None:  # an ordinary activity: its input names the notice
        asked: NotifyInput = decode_payload(call.input, NotifyInput, converter)
        _name(notice, asked.key, asked.kind, asked.context.rule_id, asked.scheduled_for, "input")
    elif result.get("key"):  # a NoticeOutcome: the result names it, and lists its outbox rows
        at = parse_time(result["scheduled_for"]) if isinstance(result.get("scheduled_for"), str) else notice.at
        _name(notice, result["key"], result.get("kind"), result.get("rule_id"), at, "result")
        notice.rows = [
            RowSeen(str(r.get("key")), str(r.get("status")), str(r.get("fingerprint")))
            for r in result.get("rows") or []
            if isinstance(r, dict)
        ]
    return notice


def _name(notice: Notice, key: str, kind: str | None, rule_id: str | None, at: datetime, source: str) -> None:
    notice.key, notice.kind, notice.rule_id, notice.source = key, kind, rule_id, source
    notice.at, notice.on = at, local_date(at)


def _pair(pending: list[_Pending], records: list[Any], tasks: dict[int, str | None]) -> None:
    """Name each unnamed result by the record the step wrote beside it (see the module docstring)."""
    used: set[int] = set()
    calls = sorted(
        [(p.notice.event_id, "notice", p) for p in pending] + [(e.event_id, "record", e) for e in records],
        key=lambda item: item[0],
    )

    def fits_before(entry: Any, p: _Pending) -> bool:  # a record the step writes before its notice
        return (
            entry.kind in PRECEDED_BY
            and id(entry) not in used
            and tasks.get(entry.event_id) == p.task
            and entry.event_id < p.notice.event_id
            and _addressed(entry, p.recipients)
        )

    def fits_after(entry: Any, p: _Pending) -> bool:  # a record the step writes after its notice
        return (
            entry.kind in FOLLOWED_BY
            and id(entry) not in used
            and entry.data.get("delivered", True)
            and tasks.get(entry.event_id) == p.task
            and entry.event_id > p.notice.event_id
            and frozenset(entry.data.get("recipients") or []) == p.recipients
        )

    def take(p: _Pending, entry: Any) -> None:
        used.add(id(entry))
        kind = PRECEDED_BY.get(entry.kind) or entry.data.get("kind")
        key = entry.key
        if entry.kind == "step-opened":  # recorded as STEP/step-opened, notified as STEP/assigned
            key = key.rsplit("/", 1)[0] + "/assigned"
        _name(p.notice, key, kind, entry.rule_id, entry.at, "record")

    for index, (_, what, item) in enumerate(calls):  # 1. the record right beside the result
        if what != "notice":
            continue
        before = calls[index - 1] if index else None
        after = calls[index + 1] if index + 1 < len(calls) else None
        if before and before[1] == "record" and fits_before(before[2], item):
            take(item, before[2])
        elif after and after[1] == "record" and fits_after(after[2], item):
            take(item, after[2])
    for p in [p for p in pending if p.notice.source == "unknown"]:  # 2. the earliest unpaired record that fits
        entry = next((e for e in records if fits_before(e, p)), None) or next(
            (e for e in records if fits_after(e, p)), None
        )
        if entry is not None:
            take(p, entry)


def _addressed(entry: Any, recipients: frozenset[str]) -> bool:
    """Whether the notice after this record could go to `recipients`: a "done" or exemption notice goes to the step's
    owner and the SENCO (workflows/step.py `_with_escalation`), every other one to the owner alone (a reassigned
    step's new owner)."""
    step = entry.record.step
    owner = entry.data.get("to") if entry.kind == "reassigned" else step.owner if step is not None else None
    if entry.kind in ("completed", "exemption-recorded"):
        return owner in recipients
    return recipients == {owner}


_VIA = re.compile(r"(?:^|; |: )([a-z0-9][a-z0-9_-]{0,31}) via ([^:;]+):")


def _failed(entry: Any) -> Notice:
    """A notice that failed after every retry, from the workflow's record of it. Its recipients named in the error
    failed; for the others history does not say (the last attempt failed for someone else)."""
    data, error = entry.data, str(entry.data.get("error") or "")
    failed = {m.group(1): m.group(2) for m in _VIA.finditer(error)}
    told = [
        Told(r, failed.get(r, "-"), "failed" if r in failed or not failed else "unknown", error or None)
        for r in data.get("recipients") or []
    ]
    head, _, tail = entry.key.partition("/failed/")  # recorded as STEP/failed/SUFFIX, notified as STEP/SUFFIX
    return Notice(
        at=entry.at,
        on=entry.on,
        kind=data.get("kind"),
        rule_id=entry.rule_id,
        key=f"{head}/{tail}" if tail else None,
        told=told,
        run_id=entry.run_id,
        event_id=entry.event_id,
        source="failure",
        failed=True,
        error=error or None,
        rewritten=entry.rewritten,
    )


def _settle(notices: list[Notice]) -> list[Notice]:
    """As timeline._settle_rewritten does for records: a notice a reset's new run sent again under the same key is
    the same notice (the notifier found its rows and sent nothing); the first stands, the repeat goes."""
    current = {n.key for n in notices if n.key and not n.rewritten}
    kept, seen = [], set()
    for notice in notices:
        if notice.key and notice.key in current:
            if (notice.key, notice.failed) in seen:
                continue
            notice.rewritten = False
            seen.add((notice.key, notice.failed))
        kept.append(notice)
    return kept


def _index(run: RunHistory) -> tuple[dict[int, str | None], dict[int, datetime]]:
    """event id -> the workflow task whose completion recorded it (markers only); event id -> its time."""
    tasks: dict[int, str | None] = {}
    times: dict[int, datetime] = {}
    for event in run.events:
        event_id = int(event["eventId"])
        times[event_id] = parse_time(event["eventTime"])
        if MARKER in event:
            tasks[event_id] = event[MARKER].get("workflowTaskCompletedEventId")
    return tasks, times
