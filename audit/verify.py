"""`sendclock audit verify`: the database against the record.

1. For every closed process (closed since --since), the timeline derived from its history (from sendclock's archive,
   else from Temporal) against the rows in the database: each recorded event must have its row, unchanged; no row
   may exist that the history did not write; the process and step rows must say what the last record said.
2. The event table's hash chain: every row's hash recomputed from its content and the previous row's hash.
3. Every process the archive holds a closed history for must still have its row.
4. Every process the database holds open (or stopped outside sendclock) against Temporal: its workflow must be
   running, and not reset behind sendclock's back (a reset sendclock did not record).
5. Each process's outbox rows against the notices its history sent (audit/notices.py; compare_outbox says the rule):
   no row missing or changed, none that no notice of the history wrote; statuses only as the notifier changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import source
from audit import timeline as timeline_mod
from audit.archive import Archive
from audit.converter import data_converter
from starter.client import Temporal, TemporalError
from statutory.clock import fmt
from store.chain_heads import check_published
from store.models import Event, Outbox, Process, Step
from store.outbox_fingerprint import fingerprint
from store.reconcile import OUTSIDE_KINDS, RESUMED, STOPPED, open_processes, stopped_processes
from store.recorder import GENESIS, event_hash
from store.retention import REGISTER_ID, purge_records


@dataclass
class Finding:
    workflow_id: str | None
    what: str  # "edited", "deleted", "missing", "extra", "chain", "unchained", "no-history", "purged", "stopped",
    # "reset", "outbox-deleted", "outbox-edited", "outbox-extra", "outbox-status"
    detail: str

    def text(self) -> str:
        return f"{self.workflow_id or 'event table'}: {self.detail}"


@dataclass
class Report:
    processes: int = 0
    open_checked: int = 0  # open processes compared with their workflows in Temporal
    events_checked: int = 0
    chain_rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # processes whose history could not be read
    purges: list[str] = field(default_factory=list)  # retention purges in the chain (store.retention), one line each

    @property
    def clean(self) -> bool:
        return not self.findings

    def text(self) -> str:
        lines = [
            f"Checked {self.processes} process(es), {self.events_checked} recorded event(s) and their notices' "
            f"outbox rows against their histories, {self.open_checked} open process(es) against their workflows "
            f"in Temporal, and the hash chain over {self.chain_rows} event row(s)."
        ]
        lines += [f"  not checked: {s}" for s in self.skipped]
        lines += [f"  retention purge: {p}" for p in self.purges]
        if self.clean:
            lines.append("No differences: the database matches the histories, and the hash chain is intact.")
        else:
            lines.append(f"{len(self.findings)} difference(s):")
            lines += [f"  - {f.text()}" for f in self.findings]
        return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


# --- the hash chain -------------------------------------------------------------------------------------------


def check_chain(session: Session) -> tuple[int, list[Finding]]:
    """Recompute the chain in id order. Reports a row whose content no longer matches its hash (edited), a row
    whose prev_hash is not the previous row's hash (a row deleted or inserted in between), and unchained rows.
    Rows removed by a retention purge (store.retention) are stood in for by the links their purge record lists:
    a gap is accepted only where those links join the row before it to the row after it."""
    findings: list[Finding] = []
    removed = [(link, record) for record in purge_records(session) for link in record.links]
    removed.sort(key=lambda item: item[0][0])
    listed = 0
    prev = GENESIS
    count = 0

    def stand_in(before_id: int | None) -> None:
        """Walk the purged links with ids below `before_id` (all of them when None)."""
        nonlocal listed, prev
        while listed < len(removed) and (before_id is None or removed[listed][0][0] < before_id):
            (event_id, workflow_id, link_prev, link_hash), record = removed[listed]
            listed += 1
            if workflow_id not in record.workflow_ids or link_prev != prev:
                findings.append(
                    Finding(
                        workflow_id,
                        "chain",
                        f"purge record (event row {record.event_id}) lists "
                        f"event row {event_id} as removed, but it does not link to the row before it",
                    )
                )
            prev = link_hash or prev

    for row in session.scalars(select(Event).order_by(Event.id)):
        count += 1
        stand_in(row.id)
        if listed < len(removed) and removed[listed][0][0] == row.id:
            findings.append(
                Finding(
                    row.process_id,
                    "chain",
                    f"event row {row.id} is listed as purged (event row "
                    f"{removed[listed][1].event_id}) but is still there",
                )
            )
            listed += 1
        if row.hash is None:
            findings.append(
                Finding(
                    row.process_id,
                    "unchained",
                    f"event row {row.id} ({row.kind}) has no hash: written outside the recorder",
                )
            )
            continue
        if row.prev_hash != prev:
            findings.append(
                Finding(
                    row.process_id,
                    "chain",
                    f"hash chain broken at event row {row.id} ({row.kind}): it links to "
                    f"{(row.prev_hash or '-')[:12]}…, the row before it hashes to {prev[:12]}… "
                    "(a row was deleted, inserted or edited before it)",
                )
            )
        expected = event_hash(
            row.prev_hash or GENESIS,
            key=row.key,
            process_id=row.process_id,
            kind=row.kind,
            occurred_at=row.occurred_at,
            rule_id=row.rule_id,
            actor=row.actor,
            data=row.data,
        )
        if expected != row.hash:
            findings.append(
                Finding(
                    row.process_id,
                    "chain",
                    f"event row {row.id} ({row.kind}) does not match its hash: its content was edited",
                )
            )
        prev = row.hash
    stand_in(None)
    return count, findings


# --- timeline against rows --------------------------------------------------------------------------------------


def compare(
    session: Session, timeline: timeline_mod.Timeline, in_flight_from: datetime | None = None
) -> tuple[int, list[Finding]]:
    """The timeline against the database's rows. `in_flight_from` (an open process): rows from this instant on may
    belong to a workflow task Temporal has not finished yet, so their absence from history is not a finding (and the
    projection, which they changed, is not compared this time)."""
    wid = timeline.workflow_id
    findings: list[Finding] = []
    records = timeline.records()
    rows = {e.key: e for e in session.scalars(select(Event).where(Event.process_id == wid))}
    in_flight = {
        key
        for key, row in rows.items()
        if key not in records
        and in_flight_from is not None
        and row.kind not in OUTSIDE_KINDS
        and _aware(row.occurred_at) >= in_flight_from
    }
    for key, entry in records.items():
        row = rows.get(key)
        if row is None:
            findings.append(
                Finding(
                    wid,
                    "deleted",
                    f"the {entry.kind} event of {entry.on} (history event "
                    f"{entry.event_id}) has no row in the database (deleted?)",
                )
            )
            continue
        wanted = {
            "kind": entry.kind,
            "rule_id": entry.rule_id,
            "actor": entry.actor,
            "data": entry.data,
            "occurred_at": entry.at,
        }
        for name, value in wanted.items():
            have = getattr(row, name)
            if _jsonable(have) != _jsonable(value):
                findings.append(
                    Finding(
                        wid,
                        "edited",
                        f"event row {row.id} ({entry.kind}): {name} is "
                        f"{_jsonable(have)!r} in the database, {_jsonable(value)!r} "
                        f"in the history",
                    )
                )
        if entry.hash is not None and row.hash != entry.hash:
            findings.append(
                Finding(
                    wid,
                    "recomputed",
                    f"event row {row.id} ({entry.kind}) has the hash "
                    f"{(row.hash or '-')[:12]}…, but when it was written the record returned "
                    f"{entry.hash[:12]}… into the history: the chain was recomputed after rows before "
                    "it were edited, deleted or inserted",
                )
            )
    for entry in timeline.rewritten:
        findings.append(
            Finding(
                wid,
                "rewritten",
                f"the '{entry.kind}' record of {fmt(entry.on)} (run "
                f"{entry.run_id}, history event {entry.event_id}) is not in the current history: a "
                f"reset rewrote the history after it. {_reset_for(timeline, entry.run_id)}",
            )
        )
    for key, row in rows.items():
        if key not in records and key not in in_flight and row.kind not in OUTSIDE_KINDS:  # sendclock's own
            findings.append(
                Finding(
                    wid,
                    "extra",
                    f"event row {row.id} ({row.kind}, key {key}) is not in the history "
                    "(written behind the engine's back)",
                )
            )
    if not in_flight:
        findings += _compare_projection(session, timeline)
    findings += compare_outbox(session, timeline, in_flight_from)
    return len(records), findings


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _reset_for(timeline: timeline_mod.Timeline, base_run_id: str) -> str:
    return next((r.sentence() for r in timeline.resets if r.base_run_id == base_run_id), "")


def _compare_projection(session: Session, timeline: timeline_mod.Timeline) -> list[Finding]:
    wid = timeline.workflow_id
    findings = []
    process = session.get(Process, wid)
    p = timeline.process_record
    if process is None:
        return [Finding(wid, "deleted", "the process row is missing from the database")]
    if p is not None:
        wanted = {
            "status": p.status.value,
            "outcome": p.outcome,
            "case_ref": p.case_ref,
            "la": p.la,
            "received_on": p.received_on,
            "kind": p.kind,
        }
        if process.status == STOPPED:  # reported as such (_check_open): the rest must still match
            del wanted["status"], wanted["outcome"]
        for name, value in wanted.items():
            if _jsonable(getattr(process, name)) != _jsonable(value):
                findings.append(
                    Finding(
                        wid,
                        "edited",
                        f"process row: {name} is {_jsonable(getattr(process, name))!r} "
                        f"in the database, {_jsonable(value)!r} in the history",
                    )
                )
    steps = {(s.rule_id, s.instance): s for s in session.scalars(select(Step).where(Step.process_id == wid))}
    for summary in timeline.steps:
        row = steps.get((summary.rule_id, summary.instance))
        if row is None:
            findings.append(
                Finding(
                    wid,
                    "deleted",
                    f"step row {summary.rule_id} (occurrence {summary.instance}) is missing from the database",
                )
            )
            continue
        for name in ("due", "target", "status", "owner", "exempt", "completed_on", "on_time", "days_late", "basis"):
            have, want = getattr(row, name), getattr(summary, name)
            if _jsonable(have) != _jsonable(want):
                findings.append(
                    Finding(
                        wid,
                        "edited",
                        f"step {summary.rule_id}: {name} is {_jsonable(have)!r} in the "
                        f"database, {_jsonable(want)!r} in the history",
                    )
                )
    return findings


# --- the outbox against the notices in history -------------------------------------------------------------------

DELIVERED = frozenset({"sent", "accepted"})
# A row's status after the notify activity saw it, as only the notifier changes it (activities/notifier.py): a held,
# queued or sending row is sent (dispatch_held when working hours open, or the next attempt), fails, or stays; a
# failed row is retried (dispatch_held) or stays failed beside its fallback row; a sent, accepted or kept row stays.
LATER = {
    "held": frozenset({"held", "queued", "sending", "failed"}) | DELIVERED,
    "queued": frozenset({"held", "queued", "sending", "failed"}) | DELIVERED,
    "sending": frozenset({"held", "queued", "sending", "failed"}) | DELIVERED,
    "failed": frozenset({"failed", "sending"}) | DELIVERED,
    "kept": frozenset({"kept"}),
    "sent": frozenset({"sent"}),
    "accepted": frozenset({"accepted"}),
}
# The same, from a recipient's delivery (histories from before the notify result listed its rows): the rows of the
# channels it names.
LATER_THAN_DELIVERY = {
    "sent": DELIVERED,
    "accepted": DELIVERED,
    "fallback": DELIVERED,
    "skipped": DELIVERED | {"kept"},
    "kept": frozenset({"kept"}),
    "held": LATER["held"],
    "failed": LATER["failed"],
}
# sendclock's own notices about a process that are not the process's (activities/reconcile.py: it stopped outside
# sendclock): keyed by these prefixes, never by the process's workflow ID.
OUTSIDE_NOTICES = ("stopped-outside/", "reset-outside/")


def compare_outbox(
    session: Session, timeline: timeline_mod.Timeline, in_flight_from: datetime | None = None
) -> list[Finding]:
    """The process's outbox rows against the notices its history sent. The rule:

    - Each notice's rows must be there. A notice whose result lists its rows (since issue 21: key, status, and the
      fingerprint of what the row says and to whom, store/outbox_fingerprint.py): each listed row, with the same
      fingerprint. An older one: for each recipient, a row for each channel its delivery names (KEY/RECIPIENT/CHANNEL,
      or KEY/RECIPIENT/fallback), to that recipient, of that kind.
    - Later status changes are expected, not findings: held -> sent when working hours open, failed -> retried, a
      fallback row added when a person's channels kept failing (LATER). A row going back (sent -> held, kept ->
      sent) is a finding: the notifier never does that.
    - No other row of the process: each must belong to a notice of the history (its notice_key KEY/RECIPIENT), and to
      a notice whose result lists its rows, be one of them or a fallback row added later. Excepted: sendclock's
      notices that a process stopped (OUTSIDE_NOTICES), rows of a workflow task still in flight (an open process,
      from `in_flight_from`), and rows a notice could have written whose kind history does not say."""
    wid = timeline.workflow_id
    findings: list[Finding] = []
    rows = {row.key: row for row in session.scalars(select(Outbox).where(Outbox.process_id == wid))}
    by_notice: dict[str, tuple] = {}  # notice_key -> (notice, recipient)
    unknown = {t.recipient for n in timeline.notices if not n.key for t in n.told}
    for notice in timeline.notices:
        if not notice.key:
            continue
        for told in notice.told:
            if (key := notice.notice_key(told.recipient)) is not None:  # always: the notice has a key
                by_notice.setdefault(key, (notice, told.recipient))
        if notice.rows is not None:
            findings += _listed_rows(wid, notice, rows)
        else:
            findings += _delivered_rows(wid, notice, rows)
    for row in rows.values():
        if row.key.startswith(OUTSIDE_NOTICES):
            continue
        owner = by_notice.get(row.notice_key or "")
        if owner is None:
            if (in_flight_from is not None and _aware(row.scheduled_for) >= in_flight_from) or row.recipient in unknown:
                continue
            findings.append(
                Finding(
                    wid,
                    "outbox-extra",
                    f"outbox row {row.id} ({row.kind} notice to "
                    f"{row.recipient} by {row.channel}, key {row.key}) was written by no notice in the "
                    "history (inserted, or moved from another process?)",
                )
            )
            continue
        notice, recipient = owner
        fallback = row.fallback_for is not None and row.key == f"{row.notice_key}/fallback"
        if notice.rows is not None:
            if row.key not in {r.key for r in notice.rows} and not fallback:
                findings.append(
                    Finding(
                        wid,
                        "outbox-extra",
                        f"outbox row {row.id} ({row.kind} notice to "
                        f"{row.recipient} by {row.channel}, key {row.key}) is not one of the rows the "
                        f"{_what(notice)} wrote (inserted?)",
                    )
                )
            continue
        findings += _consistent(wid, notice, recipient, row, fallback)
    return findings


def _what(notice) -> str:
    return f"{notice.kind or 'unnamed'} notice of {fmt(notice.on)}"


def _listed_rows(wid: str, notice, rows: dict[str, Outbox]) -> list[Finding]:
    """A notice whose result lists its rows: each there, unchanged, its status one the notifier could have moved it
    to since."""
    findings = []
    for seen in notice.rows:
        row = rows.get(seen.key)
        if row is None:
            findings.append(
                Finding(
                    wid,
                    "outbox-deleted",
                    f"the {_what(notice)} has no outbox row {seen.key} ({seen.status} when it was sent): deleted?",
                )
            )
            continue
        if fingerprint(row) != seen.fingerprint:
            recipient, _, channel = seen.key[len(notice.key) + 1 :].partition("/")  # KEY/RECIPIENT/CHANNEL
            expected = [("kind", row.kind, notice.kind), ("rule", row.rule_id, notice.rule_id)]
            if channel != "fallback":  # a fallback row goes to the SENCO, on the SENCO's channel
                expected += [("recipient", row.recipient, recipient), ("channel", row.channel, channel)]
            changed = [
                f"{name} is {have!r}, the history's notice says {want!r}"
                for name, have, want in expected
                if want is not None and have != want
            ]
            findings.append(
                Finding(
                    wid,
                    "outbox-edited",
                    f"outbox row {row.id} ({seen.key}) was changed after the "
                    f"{_what(notice)} wrote it: "
                    + (
                        "; ".join(changed)
                        if changed
                        else "its subject, text or another field no longer matches the fingerprint in the history"
                    ),
                )
            )
        if row.status not in LATER.get(seen.status, frozenset({seen.status})):
            findings.append(_status(wid, row, seen.status, notice))
    return findings


def _delivered_rows(wid: str, notice, rows: dict[str, Outbox]) -> list[Finding]:
    """A notice from before results listed their rows: the row of each channel each delivery names."""
    findings = []
    for told in notice.told:
        if told.status == "unknown" or told.channel in ("", "-"):
            continue
        fallback = told.channel.startswith("fallback:")
        for label in told.channel.removeprefix("fallback:").split("+"):
            key = f"{notice.notice_key(told.recipient)}/{'fallback' if fallback else label}"
            row = rows.get(key)
            if row is None:
                findings.append(
                    Finding(
                        wid,
                        "outbox-deleted",
                        f"the {_what(notice)} to {told.recipient} by {label} "
                        f"({told.status} when it was sent) has no outbox row {key}: deleted?",
                    )
                )
                continue
            if row.channel != label:
                findings.append(
                    Finding(
                        wid,
                        "outbox-edited",
                        f"outbox row {row.id} ({key}): channel is {row.channel!r}, the history's notice says {label!r}",
                    )
                )
            allowed = LATER_THAN_DELIVERY.get(told.status, frozenset({told.status}))
            if row.status not in allowed and not (notice.failed and row.status in LATER["failed"]):
                findings.append(_status(wid, row, told.status, notice))
    return findings


def _consistent(wid: str, notice, recipient: str, row: Outbox, fallback: bool) -> list[Finding]:
    """A row of an older notice (any channel: one that failed is not in the delivery): to whom and what it says."""
    wrong = [
        (name, have, want)
        for name, have, want in (
            ("recipient", row.recipient, None if fallback else recipient),
            ("kind", row.kind, notice.kind),
            ("rule", row.rule_id, notice.rule_id),
            ("key", row.key, None if fallback else f"{row.notice_key}/{row.channel}"),
        )
        if want is not None and have != want
    ]
    return [
        Finding(
            wid,
            "outbox-edited",
            f"outbox row {row.id} ({row.key}): {name} is {have!r}, the history's {_what(notice)} says {want!r}",
        )
        for name, have, want in wrong
    ]


def _status(wid: str, row: Outbox, then: str, notice) -> Finding:
    return Finding(
        wid,
        "outbox-status",
        f"outbox row {row.id} ({row.key}) was {then} when the {_what(notice)} was "
        f"sent, and is {row.status} now: the notifier never changes a {then} row to {row.status}",
    )


# --- the whole check --------------------------------------------------------------------------------------------


async def verify(settings: Any, sessions, since: date | None = None, client=None) -> Report:
    """Check every process against its histories (closed ones: closed on or after `since`; every open one), the
    processes Temporal knows against the database's, and the whole hash chain."""
    report = Report()
    client = Temporal(settings, client)  # one connection (or one failure) for every process
    converter = data_converter(settings)
    archive = Archive.for_settings(settings)
    with sessions() as session:
        query = select(Process).where(Process.closed_at.is_not(None)).order_by(Process.closed_at)
        if since is not None:
            query = query.where(Process.closed_at >= datetime.combine(since, time(), tzinfo=UTC))
        processes = list(session.scalars(query))
        still_open = list(
            session.scalars(
                select(Process)
                .where(Process.closed_at.is_(None))
                .where(Process.workflow_id != REGISTER_ID)
                .order_by(Process.opened_at)
            )
        )
        for process in processes + still_open:
            try:
                loaded = await source.decoded(
                    await _histories(process.workflow_id, settings, archive, client), settings
                )
            except source.NothingFound:
                report.findings.append(
                    Finding(
                        process.workflow_id,
                        "no-history",
                        f"{'closed' if process.closed_at else 'open'} in the database, but "
                        "neither Temporal nor the archive has its history",
                    )
                )
                continue
            except Exception as err:  # noqa: BLE001 - reported, and the other processes are still checked
                report.skipped.append(f"{process.workflow_id}: {err}")
                continue
            own = [r for r in loaded.runs if r.workflow_id == process.workflow_id]
            in_flight_from = None if own[-1].closed_as else own[-1].last_task_at
            checked, findings = compare(session, timeline_mod.build(own, converter), in_flight_from)
            report.processes += 1
            report.events_checked += checked
            report.findings += findings
        known = {p.workflow_id for p in session.scalars(select(Process))}
        records = purge_records(session)
        purged = {wid for record in records for wid in record.workflow_ids}
        report.purges = [
            f"event row {r.event_id} on {r.occurred_at:%Y-%m-%d}: {r.counts.get('processes', 0)} "
            f"closed process(es) and {len(r.links)} event row(s) removed after the retention period"
            for r in records
        ]
        for entry in archive.index():
            if entry["workflow_id"] in purged and entry["workflow_id"] not in known:
                known.add(entry["workflow_id"])
                report.findings.append(
                    Finding(
                        entry["workflow_id"],
                        "purged",
                        "purged under the retention period, "
                        "but the archive still holds its history: run `sendclock retention "
                        "purge --apply` again",
                    )
                )
            if (
                entry["workflow_id"] not in known
                and entry.get("workflow_type") != "ArchiveClosedRuns"
                and (since is None or (entry.get("closed_at") or "") >= since.isoformat())
            ):
                known.add(entry["workflow_id"])
                report.findings.append(
                    Finding(
                        entry["workflow_id"],
                        "deleted",
                        "the archive holds its closed history but the database has no process row (deleted?)",
                    )
                )
        report.chain_rows, chain = check_chain(session)
        report.findings += chain
        report.findings += [Finding(None, "published", problem) for problem in check_published(session)]
        await _check_open(session, client, report, settings)
        await _check_visibility(session, client, report, known | purged, settings.temporal.task_queue)
    return report


async def _check_visibility(
    session: Session, temporal: Temporal, report: Report, known: set[str], task_queue: str
) -> None:
    """Every sendclock process of this school (its task queue) that Temporal lists must have its row: a process
    deleted from the database before its history was archived is found here (the archive check finds the others)."""
    from starter.client.visibility import listed_process_ids

    try:
        listed = await listed_process_ids(await temporal.client(), task_queue)
    except (RuntimeError, TemporalError) as err:
        report.skipped.append(
            f"the processes Temporal lists were not compared with the database: {_why(err, temporal)}"
        )
        return
    for workflow_id in sorted(listed - known):
        report.findings.append(
            Finding(workflow_id, "deleted", "Temporal has this process, but the database has no process row (deleted?)")
        )


async def _check_open(session: Session, temporal: Temporal, report: Report, settings: Any) -> None:
    """Open processes against Temporal: each must be running, and not reset unless sendclock resumed it."""
    from starter.client.visibility import view

    for stopped in stopped_processes(session):
        p = stopped.process
        report.findings.append(
            Finding(
                p.workflow_id,
                STOPPED,
                f"{p.case_ref}: {stopped.sentence}; its open steps "
                f"send no reminders (resume it: sendclock process resume --case {p.case_ref})",
            )
        )
    processes = open_processes(session)
    if not processes:
        return
    try:
        client = await temporal.client()
        for p in processes:
            seen = await view(client, p.workflow_id)
            report.open_checked += 1
            if not seen.running:
                report.findings.append(
                    Finding(
                        p.workflow_id,
                        STOPPED,
                        f"{p.case_ref}: open in the database, but "
                        f"{seen.sentence(settings.timezone)}; its steps send no reminders "
                        f"(resume it: sendclock process resume --case {p.case_ref})",
                    )
                )
            elif seen.last_reset_at is not None and not _resume_recorded(session, p.workflow_id, seen.run_id):
                report.findings.append(
                    Finding(
                        p.workflow_id,
                        "reset",
                        f"{p.case_ref}: reset in Temporal on "
                        f"{seen.last_reset_at:%Y-%m-%d %H:%M} UTC outside sendclock (no resume "
                        "is recorded): steps after the reset point may have been replayed "
                        "or dropped",
                    )
                )
    except (RuntimeError, TemporalError) as err:  # Temporal unreachable: said, not hidden
        report.skipped.append(f"open processes not compared with Temporal: {_why(err, temporal)}")


def _why(err: Exception, temporal: Temporal) -> str:
    """Why Temporal could not be asked, in a few words (not the transport's error chain)."""
    if isinstance(err, TemporalError):
        return f"Temporal answered {err.status_words} ({err.message[:120]})"
    return f"cannot reach Temporal at {temporal.settings.temporal.address}"


def _resume_recorded(session: Session, workflow_id: str, run_id: str | None) -> bool:
    rows = session.scalars(select(Event).where(Event.process_id == workflow_id, Event.kind == RESUMED))
    return any(row.data.get("run_id") == run_id for row in rows)


async def _histories(workflow_id: str, settings: Any, archive: Archive, client) -> source.Loaded:
    """The archive's copy when it has the closed run; otherwise Temporal (then the archive, if Temporal fails)."""
    archived = archive.runs(workflow_id)
    if archived and archived[-1].closed_as not in (None, "continued as new"):
        return source.Loaded(archived, "the archive")
    return await source.from_workflow(workflow_id, settings, client)
