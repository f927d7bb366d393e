"""`sendclock audit bundle --case REF --out FILE.zip`: one signed zip with everything an outsider needs to check a
case without sendclock's database, Temporal, or any key but the school's public one (audit/check_bundle.py checks
it). What is in it:

    histories/<workflow id>/<run id>.json  every run of every process of the case, in the `temporal workflow show
                       --output json` format, its payloads decoded (readable without the payload keys)
    timeline.json      each process's statutory timeline, as audit/timeline.py builds it from those histories
    report.html        the printable case report (audit/report.py); report.pdf too when Chromium is installed (the
                       manifest says whether it is)
    chain.json         the case's rows of the hash-chained event table, in chain order, each with the hash of the row
                       before it in the whole chain (so each link can be checked), and the chain's head at the time
    verification.json  `sendclock audit verify` restricted to the case: in words, and structured
    public-key.txt     the signing key's public part: base64 of its raw 32 bytes
    manifest.json      every file above with its SHA-256 and size; the case, when, sendclock's version, the key's
                       fingerprint
    manifest.sig       the Ed25519 signature of the exact bytes of manifest.json, base64

Nothing of the database, Temporal's store or any secret key goes in. The histories hold what Temporal holds about the
case (the case reference, dates, staff ids, notes as typed), decoded: treat a bundle as the case file it is.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import render, replay, source
from audit import report as report_mod
from audit import timeline as timeline_mod
from audit.converter import data_converter
from audit.history import RunHistory
from audit.verify import Finding, Report, check_chain, compare
from security.signing import SigningKey
from starter.client import Temporal, TemporalError
from statutory.clock import fmt
from store.models import Event, Process
from store.reconcile import OPEN, RESUMED, STOPPED, stopped_processes
from store.recorder import GENESIS
from store.retention import purge_records

FORMAT = "sendclock evidence bundle"
FORMAT_VERSION = 1
HISTORIES = "histories/"
TIMELINE, REPORT_HTML, REPORT_PDF = "timeline.json", "report.html", "report.pdf"
CHAIN, VERIFICATION, PUBLIC_KEY = "chain.json", "verification.json", "public-key.txt"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"


class NoHistory(LookupError):
    """The database knows a process of the case whose history neither Temporal nor the archive has."""


def history_name(workflow_id: str, run_id: str) -> str:
    return f"{HISTORIES}{quote(workflow_id, safe='-_.')}/{quote(run_id, safe='-_.')}.json"


def instant(value: datetime) -> str:
    """A UTC instant as the hash chain writes it (store/recorder.py): 2026-11-22T09:30:00.000000Z."""
    if value.tzinfo is None:  # a naive-UTC column read back
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain(value: Any) -> Any:
    """`value` with dates and instants as text, so it is JSON (and compares equal after a JSON round trip)."""
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):  # enums
        return value.value
    return value


def dump(document: Any) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def timeline_json(t: timeline_mod.Timeline) -> dict[str, Any]:
    """One process's timeline as plain JSON (check_bundle rebuilds it from the histories and compares)."""
    return plain(
        {
            "workflow_id": t.workflow_id,
            "workflow_type": t.workflow_type,
            "case_ref": t.case_ref,
            "process": t.process_kind,
            "la": t.la,
            "received_on": t.received_on,
            "status": t.status,
            "outcome": t.outcome,
            "closed": t.closed,
            "closed_at": t.closed_at,
            "runs": t.runs,
            "events": t.events,
            "steps": [
                {
                    "rule_id": s.rule_id,
                    "instance": s.instance,
                    "title": s.title,
                    "basis": s.basis,
                    "anchor": s.anchor,
                    "due": s.due,
                    "target": s.target,
                    "explanation": s.explanation,
                    "owner": s.owner,
                    "status": s.status,
                    "exempt": s.exempt,
                    "exemption_ground": s.exemption_ground,
                    "completed_on": s.completed_on,
                    "on_time": s.on_time,
                    "days_late": s.days_late,
                    "reminders": [r.key for r in s.reminders],
                }
                for s in t.steps
            ],
            "entries": [
                {
                    "key": e.key,
                    "on": e.on,
                    "at": e.at,
                    "kind": e.kind,
                    "rule_id": e.rule_id,
                    "actor": e.actor,
                    "data": e.data,
                    "run_id": e.run_id,
                    "history_event": e.event_id,
                    "rewritten_by_reset": getattr(e, "rewritten", False),
                    "chain_hash": getattr(e, "hash", None),
                }
                for e in t.entries
            ],
            "resets": [vars(r) for r in getattr(t, "resets", [])],
            # who was told what, and how it went then (audit/notices.py), with the outbox rows each notice wrote
            "notices": [
                {
                    "on": n.on,
                    "at": n.at,
                    "kind": n.kind,
                    "rule_id": n.rule_id,
                    "key": n.key,
                    "failed": n.failed,
                    "run_id": n.run_id,
                    "history_event": n.event_id,
                    "rewritten_by_reset": n.rewritten,
                    "deliveries": [vars(d) for d in n.told],
                    "outbox_rows": [vars(r) for r in n.rows] if n.rows is not None else None,
                }
                for n in getattr(t, "notices", [])
            ],
        }
    )


def timelines_document(case_ref: str | None, timelines: list[timeline_mod.Timeline]) -> dict[str, Any]:
    # case_ref None: a bundle under check (audit/check_bundle.py) whose manifest names no case, rebuilt as it stands
    return {"case_ref": case_ref, "dates": "Europe/London", "processes": [timeline_json(t) for t in timelines]}


# --- the chain segment ---------------------------------------------------------------------------------------


def chain_document(session: Session, case_ref: str, workflow_ids: list[str]) -> dict[str, Any]:
    """The case's event rows in chain (id) order, each with `before`: the id and hash of the row before it in the
    whole chain (a row removed by a retention purge stands in by the link its purge record lists), which its
    `prev_hash` must equal; and the chain's head now."""
    links: list[tuple[int, str]] = [
        (row_id, row_hash)
        for row_id, row_hash in session.execute(
            select(Event.id, Event.hash).where(Event.hash.is_not(None)).order_by(Event.id)
        )
        if row_hash is not None
    ]  # (the query's filter, said to the type checker)
    head = links[-1] if links else (None, GENESIS)
    links += [
        (event_id, link_hash)
        for record in purge_records(session)
        for event_id, _, _, link_hash in record.links
        if link_hash
    ]
    links.sort()
    before: dict[int, tuple[int | None, str]] = {}
    previous: tuple[int | None, str] = (None, GENESIS)
    for row_id, row_hash in links:
        before[row_id] = previous
        previous = (row_id, row_hash)
    rows = []
    for event in session.scalars(select(Event).where(Event.process_id.in_(workflow_ids)).order_by(Event.id)):
        prior = before.get(event.id, (None, None))  # (None, None): a row without a hash, outside the chain
        rows.append(
            {
                "id": event.id,
                "key": event.key,
                "process_id": event.process_id,
                "kind": event.kind,
                "occurred_at": instant(event.occurred_at),
                "rule_id": event.rule_id,
                "actor": event.actor,
                "data": event.data or {},
                "prev_hash": event.prev_hash,
                "hash": event.hash,
                "before": {"id": prior[0], "hash": prior[1]},
            }
        )
    total = session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
    return {
        "case_ref": case_ref,
        "processes": workflow_ids,
        "genesis": GENESIS,
        "rows": rows,
        "head": {"id": head[0], "hash": head[1], "last_row_id": total},
    }


# --- `audit verify`, for one case ------------------------------------------------------------------------------


async def verify_case(
    settings: Any,
    session: Session,
    timelines: list[timeline_mod.Timeline],
    runs: dict[str, list[RunHistory]],
    temporal: Temporal,
) -> Report:
    """What `sendclock audit verify` checks, for this case's processes only: each process's rows against its timeline
    (an open one's latest workflow task may still be in flight), the whole hash chain (problems in other cases' rows
    counted, not named), and each open process against its workflow in Temporal."""
    from starter.client.visibility import view

    report = Report()
    ids = {t.workflow_id for t in timelines}
    processes = {p.workflow_id: p for p in session.scalars(select(Process).where(Process.workflow_id.in_(ids)))}
    for t in timelines:
        last = runs[t.workflow_id][-1]
        checked, findings = compare(session, t, None if last.closed_as else last.last_task_at)
        report.processes += 1
        report.events_checked += checked
        report.findings += findings
    report.chain_rows, chain = check_chain(session)
    report.findings += [f for f in chain if f.workflow_id in ids]
    elsewhere = len([f for f in chain if f.workflow_id not in ids])
    if elsewhere:
        report.findings.append(
            Finding(
                None,
                "chain",
                f"{elsewhere} problem(s) in other cases' rows of the chain "
                "(not named here: `sendclock audit verify` lists them)",
            )
        )
    for stopped in stopped_processes(session):
        p = stopped.process
        if p.workflow_id in ids:
            report.findings.append(
                Finding(p.workflow_id, STOPPED, f"{p.case_ref}: {stopped.sentence}; its open steps send no reminders")
            )
    try:
        for p in [p for p in processes.values() if p.status == OPEN]:
            seen = await view(await temporal.client(), p.workflow_id)
            report.open_checked += 1
            if not seen.running:
                report.findings.append(
                    Finding(
                        p.workflow_id,
                        STOPPED,
                        f"{p.case_ref}: open in the database, but {seen.sentence(settings.timezone)}",
                    )
                )
            elif seen.last_reset_at is not None and not _resume_recorded(session, p.workflow_id, seen.run_id):
                report.findings.append(
                    Finding(
                        p.workflow_id,
                        "reset",
                        f"{p.case_ref}: reset in Temporal on "
                        f"{fmt(seen.last_reset_at.date())} at {seen.last_reset_at:%H:%M} UTC "
                        "outside sendclock (no resume is recorded)",
                    )
                )
    except (RuntimeError, TemporalError) as err:  # Temporal unreachable: said, not hidden
        report.skipped.append(f"open processes not compared with Temporal: {err}")
    return report


def _resume_recorded(session: Session, workflow_id: str, run_id: str | None) -> bool:
    rows = session.scalars(select(Event).where(Event.process_id == workflow_id, Event.kind == RESUMED))
    return any((row.data or {}).get("run_id") == run_id for row in rows)


def verification_document(case_ref: str, verified: Report) -> dict[str, Any]:
    return {
        "case_ref": case_ref,
        "clean": verified.clean,
        "text": verified.text().splitlines(),
        "closed_processes_checked": verified.processes,
        "open_processes_checked": verified.open_checked,
        "events_checked": verified.events_checked,
        "chain_rows_checked": verified.chain_rows,
        "findings": [{"workflow_id": f.workflow_id, "what": f.what, "detail": f.detail} for f in verified.findings],
        "not_checked": verified.skipped,
    }


# --- building and writing ------------------------------------------------------------------------------------


@dataclass
class Bundle:
    case_ref: str
    created_at: datetime
    files: dict[str, bytes] = field(default_factory=dict)  # every part, in the order they are written
    runs: list[RunHistory] = field(default_factory=list)
    pdf_note: str = "included"
    clean: bool = True  # verification found nothing

    @property
    def processes(self) -> list[str]:
        return list(dict.fromkeys(r.workflow_id for r in self.runs))


def _origin(loaded: source.Loaded) -> str:
    """Where the histories came from, without this server's paths."""
    return "sendclock's archive" if loaded.origin.startswith("the archive") else loaded.origin


def sendclock_version() -> str:
    try:
        return metadata.version("sendclock")
    except metadata.PackageNotFoundError:
        return "unknown"


async def build(settings: Any, case_ref: str, key: SigningKey, sessions, client=None) -> Bundle:
    """Every part of the bundle of `case_ref`, signed with `key`. Raises report.NoProcesses, NoHistory, and what
    audit.source raises (TemporalUnavailable, EncryptedHistoryError, ArchiveTampered)."""
    ids = report_mod.workflow_ids(settings, case_ref)
    if not ids:
        raise report_mod.NoProcesses(f"no process for case {case_ref!r} in the database or the archive")
    converter = data_converter(settings)
    temporal = Temporal(settings, client)
    bundle = Bundle(case_ref, datetime.now(UTC))
    case = report_mod.CaseReport(case_ref, bundle.created_at)
    by_workflow: dict[str, list[RunHistory]] = {}
    for workflow_id in ids:
        try:
            loaded = await source.decoded(await source.from_workflow(workflow_id, settings, temporal), settings)
        except source.NothingFound:
            raise NoHistory(
                f"the database has process {workflow_id}, but neither Temporal nor the archive has its "
                "history (`sendclock audit verify` says more)"
            ) from None
        own = [r for r in loaded.runs if r.workflow_id == workflow_id]
        by_workflow[workflow_id] = own
        bundle.runs += own
        case.timelines.append(timeline_mod.build(own, converter))
        case.verdicts.append(await replay.verdict(own, converter))
        case.origins.append(_origin(loaded))
    for run in bundle.runs:
        bundle.files[history_name(run.workflow_id, run.run_id)] = dump(run.document())
    bundle.files[TIMELINE] = dump(timelines_document(case_ref, case.timelines))
    report_mod.check(case, by_workflow, sessions)  # the report says what audit verify says, and the chain's head
    roles = render.Roles(settings.staff)
    bundle.files[REPORT_HTML] = report_mod.html(case, roles).encode()
    if report_mod.chromium() is None:
        bundle.pdf_note = (
            f"not included: Chromium, which prints it, is not installed where the bundle was made; "
            f"{REPORT_HTML} prints from any browser"
        )
    else:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                report_mod.pdf(case, roles, Path(tmp) / REPORT_PDF)
                bundle.files[REPORT_PDF] = (Path(tmp) / REPORT_PDF).read_bytes()
            except report_mod.PdfUnavailable as err:
                bundle.pdf_note = f"not included: {err}"
    with sessions() as session:
        bundle.files[CHAIN] = dump(chain_document(session, case_ref, bundle.processes))
        verified = await verify_case(settings, session, case.timelines, by_workflow, temporal)
    bundle.clean = verified.clean
    bundle.files[VERIFICATION] = dump(verification_document(case_ref, verified))
    bundle.files[PUBLIC_KEY] = (key.public_b64 + "\n").encode()
    manifest = dump(manifest_document(bundle, key))
    bundle.files[MANIFEST] = manifest
    bundle.files[SIGNATURE] = (base64.b64encode(key.sign(manifest)).decode() + "\n").encode()
    return bundle


def manifest_document(bundle: Bundle, key: SigningKey) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "case_ref": bundle.case_ref,
        "created_at": instant(bundle.created_at),
        "sendclock_version": sendclock_version(),
        "signing_key": {
            "algorithm": "Ed25519",
            "id": key.key_id,
            "fingerprint": key.fingerprint,
            "public_key": key.public_b64,
        },
        "processes": bundle.processes,
        "report_pdf": bundle.pdf_note,
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in bundle.files.items()
        ],
    }


def write(bundle: Bundle, target: Path) -> None:
    """The zip, written next to `target` and moved into place, so a half-written bundle is never left there."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, data in bundle.files.items():
            info = zipfile.ZipInfo(name, date_time=bundle.created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zipped.writestr(info, data)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".bundle-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(buffer.getvalue())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
