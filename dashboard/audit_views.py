"""The audit on the dashboard, for the SENCO and the auditor (dashboard.auth.AUDITORS): a process's full history as
a download (what `sendclock audit export` writes) and its replay verdict with the statutory timeline derived from the
history alone (what `sendclock audit replay` prints). Histories come from Temporal, or from the archive (var/archive/)
when Temporal no longer has them or cannot be reached.

Pages: /cases/REF/processes/ID/history.json and /cases/REF/processes/ID/replay (the process must be one of the case's,
by the database). API: /api/processes/ID/history and /api/processes/ID/replay.

The case's audit report (audit/report.py: every process of the case, for people who are not engineers), built from
the histories and checked against the database, as `sendclock audit report` makes it: /cases/REF/audit-report (the
page), /cases/REF/audit-report.html and /cases/REF/audit-report.pdf (downloads). Staff's own notes are in it for these
two roles only (audit.render.NOTE_READERS).

Also /audit/sign-ins: the newest entries of the sign-in log (failed and throttled sign-ins, sign-ins, sign-outs,
password changes, sessions ended; store.accounts.SignInEvent), linked from the audit log page.

Schools (issue 25): a school's SENCO and auditor get their school's processes only (another school's is a 404, as an
unknown one; its archived history is left out of a case's report) and the sign-ins of their school's accounts; the
trust's auditor every school's, each history read with its school's staff directory.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from audit import export, render, replay, source
from audit import report as report_mod
from audit import timeline as timeline_mod
from audit.archive import Archive, ArchiveTampered
from audit.converter import EncryptedHistoryError, data_converter
from audit.history import HistoryFormatError, RunHistory
from dashboard.access import CheckedRoute, auditor
from dashboard.auth import User
from dashboard.context import PROCESS_LABELS, Web, get_web
from dashboard.render import render as render_page
from dashboard.scope import scope_of
from dashboard.views import school_web
from starter.client import Temporal, TemporalError
from store.models import Process
from store.web_queries import schools_of, sign_ins_at
from store.web_sessions import OUTCOME_WORDS, recent_sign_ins
from workflows.models import CASE_REF_PATTERN
from workflows.registry import PROCESS_WORKFLOW_ID, school_of

router = APIRouter(route_class=CheckedRoute)

# The process workflow IDs of the process registry (workflows/registry.py): KIND-CASE_REF-YYYYMMDD, or
# annual-review-CASE_REF. Checked before any look-up, so nothing else (e.g. "..") reaches the archive's paths.
WORKFLOW_ID = PROCESS_WORKFLOW_ID
_REPLAYS = threading.BoundedSemaphore(1)  # one replay at a time: it is CPU-bound, and the server has other work


def replay_workflows() -> list[type]:
    """The worker's workflows (workflows/registry.py), without importing worker.py (it wires activities, apprise
    and the schedules)."""
    from workflows.registry import WORKFLOWS

    return list(WORKFLOWS)


# --- which process --------------------------------------------------------------------------------------------


def process_of(web: Web, user: User, workflow_id: str, case_ref: str | None = None) -> Process:
    """The process row of `workflow_id` (of the case `case_ref`, when given): 422 for a malformed ID, 404 for one
    the database does not know (or that belongs to another case, or to a school the user does not read)."""
    if not WORKFLOW_ID.match(workflow_id):
        raise HTTPException(status_code=422, detail="workflow_id: not a sendclock process workflow ID")
    with web.sessionmaker() as session:
        process = session.get(Process, workflow_id)
    if (
        process is None
        or (case_ref is not None and process.case_ref != case_ref)
        or not scope_of(user).sees_school(process.school)
    ):
        where = f" of case {case_ref}" if case_ref is not None else ""
        raise HTTPException(status_code=404, detail=f"workflow_id: no process {workflow_id}{where}")
    return process


# --- the histories ----------------------------------------------------------------------------------------------


class _WebTemporal(Temporal):
    """audit.source's connection, through the dashboard's one client (connected once, on first use)."""

    def __init__(self, web: Web) -> None:
        super().__init__(web.settings)
        self.web = web

    async def client(self):
        return await self.web.client()


class _Unreachable(Temporal):
    """Temporal answered with an error: audit.source then serves the archive (as when it cannot connect)."""

    def __init__(self, settings: Any, error: Exception) -> None:
        super().__init__(settings)
        self.error = error

    async def client(self):
        raise RuntimeError(str(self.error))


async def _from_sources(web: Web, fetch):
    """`fetch(temporal)` with Temporal through the dashboard's client, the archive as the fallback; failures as
    HTTP errors."""
    try:
        try:
            return await fetch(_WebTemporal(web))
        except TemporalError as err:  # connected, but Temporal failed the call (e.g. it went away)
            return await fetch(_Unreachable(web.settings, err))
    except source.NothingFound:
        raise HTTPException(
            status_code=404, detail="workflow_id: no history for this process in Temporal or in the archive"
        ) from None
    except source.TemporalUnavailable:
        raise HTTPException(
            status_code=503, detail="Temporal cannot be reached, and the archive has no copy of this history yet"
        ) from None
    except (ArchiveTampered, HistoryFormatError) as err:
        raise HTTPException(status_code=500, detail=f"the archived history cannot be used: {err}") from None


def _origin(web: Web, origin: str) -> str:
    """Where the history came from, in words, without the server's file paths."""
    return origin.replace(f"{Archive.for_settings(web.settings).root}; ", "").replace(
        f" ({Archive.for_settings(web.settings).root})", ""
    )


async def history_text(web: Web, workflow_id: str) -> tuple[str, str]:
    """The export document as `sendclock audit export` writes it, and where it came from."""
    text, loaded = await _from_sources(web, lambda temporal: export.export(web.settings, workflow_id, temporal))
    return text, _origin(web, loaded.origin)


@dataclass
class Replayed:
    workflow_id: str
    origin: str
    verdict: replay.Verdict
    timeline: timeline_mod.Timeline | None  # None when the history could not be decoded


def _replay_and_build(runs: list[RunHistory], converter: Any) -> tuple[replay.Verdict, timeline_mod.Timeline]:
    """In a thread of its own, with its own event loop: the replay is CPU-bound and must not stall the server."""
    with _REPLAYS:
        verdict = asyncio.run(replay.verdict(runs, converter, replay_workflows()))
        return verdict, timeline_mod.build(runs, converter)


async def replayed(web: Web, workflow_id: str) -> Replayed:
    loaded = await _from_sources(web, lambda temporal: source.from_workflow(workflow_id, web.settings, temporal))
    origin = _origin(web, loaded.origin)
    try:
        decoded = await source.decoded(loaded, web.settings)
    except EncryptedHistoryError as err:
        return Replayed(
            workflow_id,
            origin,
            replay.Verdict(
                workflow_id=workflow_id,
                runs=len(loaded.runs),
                events=sum(len(r.events) for r in loaded.runs),
                reproduced=False,
                problem=str(err),
            ),
            None,
        )
    own = [r for r in decoded.runs if r.workflow_id == workflow_id]
    verdict, timeline = await asyncio.to_thread(_replay_and_build, own, data_converter(web.settings))
    return Replayed(workflow_id, origin, verdict, timeline)


# --- in words and as JSON ------------------------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def timeline_json(t: timeline_mod.Timeline, roles: render.Roles) -> dict[str, Any]:
    titles = {s.rule_id: s.title for s in t.steps}
    return {
        "workflow_id": t.workflow_id,
        "case_ref": t.case_ref,
        "process": t.process_kind,
        "la": t.la,
        "received_on": _iso(t.received_on),
        "status": t.status,
        "outcome": t.outcome,
        "closed": t.closed,
        "closed_at": _iso(t.closed_at),
        "runs": t.runs,
        "events": t.events,
        "steps": [
            {
                "rule_id": s.rule_id,
                "instance": s.instance,
                "title": s.title,
                "basis": s.basis,
                "anchor": _iso(s.anchor),
                "due": _iso(s.due),
                "target": _iso(s.target),
                "explanation": s.explanation,
                "owner": s.owner,
                "status": s.status,
                "exempt": s.exempt,
                "exemption_ground": s.exemption_ground,
                "completed_on": _iso(s.completed_on),
                "on_time": s.on_time,
                "days_late": s.days_late,
                "reminders": [
                    {"on": _iso(r.on), "kind": r.data.get("kind"), "recipients": r.data.get("recipients")}
                    for r in s.reminders
                ],
            }
            for s in t.steps
        ],
        "entries": [
            {
                "on": _iso(e.on),
                "at": _iso(e.at),
                "kind": e.kind,
                "rule_id": e.rule_id,
                "actor": e.actor,
                "text": render.describe(e, roles, titles),
                "event_id": e.event_id,
            }
            for e in t.entries
        ],
        "notices": [
            {
                "on": _iso(n.on),
                "at": _iso(n.at),
                "kind": n.kind,
                "rule_id": n.rule_id,
                "key": n.key,
                "failed": n.failed,
                "event_id": n.event_id,
                "text": render.notice_sentence(n, roles, titles),
                "deliveries": [{"recipient": d.recipient, "channel": d.channel, "status": d.status} for d in n.told],
            }
            for n in t.notices
        ],
    }


def replay_json(result: Replayed, roles: render.Roles) -> dict[str, Any]:
    return {
        "workflow_id": result.workflow_id,
        "origin": result.origin,
        "verdict": result.verdict.as_dict() | {"text": result.verdict.text()},
        "timeline": timeline_json(result.timeline, roles) if result.timeline else None,
    }


def _download(text: str, workflow_id: str) -> Response:
    return Response(
        text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{workflow_id}-history.json"'},
    )


# --- pages -------------------------------------------------------------------------------------------------------


@router.get("/cases/{case_ref}/processes/{workflow_id}/history.json", include_in_schema=False)
async def history_download(
    case_ref: str, workflow_id: str, web: Web = Depends(get_web), user: User = Depends(auditor)
) -> Response:
    process_of(web, user, workflow_id, case_ref)
    text, _ = await history_text(web, workflow_id)
    return _download(text, workflow_id)


@router.get("/cases/{case_ref}/processes/{workflow_id}/replay", response_class=HTMLResponse, include_in_schema=False)
async def replay_page(
    request: Request, case_ref: str, workflow_id: str, web: Web = Depends(get_web), user: User = Depends(auditor)
) -> HTMLResponse:
    process = process_of(web, user, workflow_id, case_ref)
    result = await replayed(web, workflow_id)
    roles = render.Roles(school_web(web, process.school).settings.staff)  # the process's school's staff
    t = result.timeline
    titles = {s.rule_id: s.title for s in t.steps} if t else {}
    return render_page(
        request,
        "audit_replay.html",
        {
            "case_ref": case_ref,
            "process": process,
            "label": PROCESS_LABELS.get(process.kind, process.kind),
            "result": result,
            "verdict": result.verdict,
            "t": t,
            "d": render.d,
            "steps": [render.step_lines(s, roles) for s in t.steps] if t else [],
            "entries": [
                {
                    "on": render.d(e.on),
                    "at": e.at.strftime("%H:%M UTC"),
                    "text": render.describe(e, roles, titles),
                    "event_id": e.event_id,
                }
                for e in t.entries
            ]
            if t
            else [],
            "notices": [
                {
                    "on": render.d(n.on),
                    "at": render.local_time(n.at),
                    "text": render.notice_sentence(n, roles, titles),
                    "event_id": n.event_id,
                }
                for n in t.notices
            ]
            if t
            else [],
        },
    )


@router.get("/audit/sign-ins", response_class=HTMLResponse, include_in_schema=False)
def sign_ins_page(request: Request, web: Web = Depends(get_web), user: User = Depends(auditor)) -> HTMLResponse:
    school = scope_of(user).school
    with web.sessionmaker() as session:
        # A school's: its accounts' sign-ins only (a name no account has is nobody's school, and not shown to it).
        events = (
            recent_sign_ins(session, limit=SIGN_INS_SHOWN)
            if school is None
            else sign_ins_at(session, school, limit=SIGN_INS_SHOWN)
        )
    return render_page(
        request, "sign_ins.html", {"events": events, "zone": web.zone, "words": OUTCOME_WORDS, "shown": SIGN_INS_SHOWN}
    )


SIGN_INS_SHOWN = 200


# --- the case's audit report ---------------------------------------------------------------------------------------

_CASE_REF = re.compile(CASE_REF_PATTERN)


def case_processes(web: Web, user: User, case_ref: str) -> list[str]:
    """The case's processes (the database's, and any the archive still has) at the schools the user reads (a process
    the database no longer has: the school its workflow id names): 422 for a malformed reference, 404 for a case
    nobody knows (or another school's)."""
    if not _CASE_REF.match(case_ref):
        raise HTTPException(status_code=422, detail="case_ref: not a case reference (letters, digits, '.', '_', '-')")
    ids = [wid for wid in report_mod.workflow_ids(web.settings, case_ref, web.sessionmaker) if WORKFLOW_ID.match(wid)]
    scope = scope_of(user)
    if scope.school is not None:
        with web.sessionmaker() as session:
            known = schools_of(session, ids)
        ids = [wid for wid in ids if scope.sees_school(known.get(wid, school_of(wid)))]
    if not ids:
        raise HTTPException(status_code=404, detail=f"case_ref: no case {case_ref}")
    return ids


def _assemble(case_ref: str, loaded: dict[str, source.Loaded], converter: Any, sessions) -> report_mod.CaseReport:
    """In a thread of its own, with its own event loop: every process is replayed (CPU-bound)."""
    with _REPLAYS:
        return asyncio.run(report_mod.assemble(case_ref, loaded, converter, sessions, replay_workflows()))


async def case_report(web: Web, user: User, case_ref: str) -> report_mod.CaseReport:
    """The report of the case (its processes at the user's schools), from Temporal through the dashboard's client, or
    the archive."""
    loaded = {}
    for workflow_id in case_processes(web, user, case_ref):
        found = await _from_sources(
            web, lambda temporal, wid=workflow_id: source.from_workflow(wid, web.settings, temporal)
        )
        try:
            decoded = await source.decoded(found, web.settings)
        except EncryptedHistoryError as err:
            raise HTTPException(status_code=503, detail=f"the history of {workflow_id} cannot be read: {err}") from None
        loaded[workflow_id] = source.Loaded(decoded.runs, _origin(web, decoded.origin))
    return await asyncio.to_thread(_assemble, case_ref, loaded, data_converter(web.settings), web.sessionmaker)


def _report_name(case_ref: str, extension: str) -> str:
    return f"{case_ref}-audit-report.{extension}"


@router.get("/cases/{case_ref}/audit-report", response_class=HTMLResponse, include_in_schema=False)
async def report_page(case_ref: str, web: Web = Depends(get_web), user: User = Depends(auditor)) -> HTMLResponse:
    built = await case_report(web, user, case_ref)
    base = f"/cases/{quote(case_ref)}"
    nav = {
        f"Back to case {case_ref}": base,
        "Download the report (PDF)": f"{base}/audit-report.pdf",
        "Download the report (HTML)": f"{base}/audit-report.html",
    }
    return HTMLResponse(report_mod.html(built, render.Roles(web.settings.staff), viewer=user.reads_as, nav=nav))


@router.get("/cases/{case_ref}/audit-report.html", include_in_schema=False)
async def report_html(case_ref: str, web: Web = Depends(get_web), user: User = Depends(auditor)) -> Response:
    built = await case_report(web, user, case_ref)
    return Response(
        report_mod.html(built, render.Roles(web.settings.staff), viewer=user.reads_as),
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_report_name(case_ref, "html")}"'},
    )


def _print(built: report_mod.CaseReport, roles: render.Roles, viewer: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "report.pdf"
        report_mod.pdf(built, roles, target, viewer)
        return target.read_bytes()


@router.get("/cases/{case_ref}/audit-report.pdf", include_in_schema=False)
async def report_pdf(case_ref: str, web: Web = Depends(get_web), user: User = Depends(auditor)) -> Response:
    built = await case_report(web, user, case_ref)
    try:
        data = await asyncio.to_thread(_print, built, render.Roles(web.settings.staff), user.reads_as)
    except report_mod.PdfUnavailable as err:
        raise HTTPException(status_code=503, detail=f"{err}; the HTML report prints from any browser") from None
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_report_name(case_ref, "pdf")}"'},
    )


# --- the API -------------------------------------------------------------------------------------------------------


@router.get(
    "/api/processes/{workflow_id}/history",
    tags=["api"],
    summary="A process's full Temporal history (every run), as `sendclock audit export` writes it (senco and auditor)",
)
async def api_history(workflow_id: str, web: Web = Depends(get_web), user: User = Depends(auditor)) -> Response:
    process_of(web, user, workflow_id)
    text, _ = await history_text(web, workflow_id)
    return _download(text, workflow_id)


@router.get(
    "/api/processes/{workflow_id}/replay",
    tags=["api"],
    summary="Replay a process's history against the current code: the verdict, and the statutory timeline "
    "from the history alone (senco and auditor)",
)
async def api_replay(workflow_id: str, web: Web = Depends(get_web), user: User = Depends(auditor)) -> dict[str, Any]:
    process = process_of(web, user, workflow_id)
    roles = render.Roles(school_web(web, process.school).settings.staff)
    return replay_json(await replayed(web, workflow_id), roles)
