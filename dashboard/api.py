"""The JSON API under /api/: everything the pages do, for scripts and flows (e.g. Power Automate starting a process
when an LA e-mail arrives). Its OpenAPI schema is at /api/openapi.json.

Authentication: the session cookie (then unsafe methods need the X-CSRF-Token header, see GET /api/me) or an API
key (`Authorization: Bearer KEY`, from `sendclock user api-key`). Roles apply as on the pages. Bad input: 422 with
`detail` a list of {loc: ["body", field], msg}. Starting is idempotent: 201 when a process was started, 200 when it
already existed (the same case and date give the same workflow).
"""

# No `from __future__ import annotations`: the route factories below annotate with local variables.

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from dashboard.auth import User, all_reader, auditor, check_api_csrf, csrf_token, reader, senco_only, writer
from dashboard.commands import ACTIONS, START_COMMANDS, Command, FieldErrors, Forbidden, Unavailable, record, start
from dashboard.compliance_view import compliance_for, steps_csv_response
from dashboard.context import Web, get_web
from dashboard.views import VIEWS, Filters, case_timeline, outbox_rows, step_list, timeline_json
from store.web_queries import recent_events

router = APIRouter(prefix="/api", tags=["api"])


def field_errors_response(err: FieldErrors) -> JSONResponse:
    return JSONResponse(status_code=err.status, content={
        "detail": [{"loc": ["body", name], "msg": msg, "type": "value_error"} for name, msg in err.errors.items()]})


@router.get("/me", summary="The signed-in account, and the CSRF token for cookie-authenticated changes")
def me(request: Request, user: User = Depends(reader)) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "staff_id": user.staff_id,
            "csrf_token": csrf_token(request)}


@router.get("/steps", summary="Open statutory steps (view: open, overdue or due-soon), with counts per status")
def steps(view: str = Query("open", pattern="^(open|overdue|due-soon)$"), la: str = "", owner: str = "",
          rule: str = "", process: str = "", sort: str = Query("", pattern="^(|due|target|case|la|owner|rule|process)$"),
          desc: bool = False, web: Web = Depends(get_web), user: User = Depends(reader)) -> dict[str, Any]:
    listing = step_list(web, user, view, Filters(la=la, owner=owner, rule=rule, process=process, sort=sort,
                                                 desc=desc))
    return {"view": view, "title": VIEWS[view], "today": listing.today.isoformat(),
            "due_soon_days": web.web.due_soon_days, "counts": listing.counts,
            "steps": [r.as_json() for r in listing.rows]}


@router.get("/cases/{case_ref}", summary="A case's timeline: every process, step and event")
def case(case_ref: str, web: Web = Depends(get_web), user: User = Depends(reader)) -> dict[str, Any]:
    views = case_timeline(web, user, case_ref)
    if views is None:
        raise HTTPException(status_code=403, detail="case_ref: none of this case's steps is yours")
    if not views:
        raise HTTPException(status_code=404, detail=f"case_ref: no processes for case {case_ref}")
    return {"case_ref": case_ref, "processes": timeline_json(views, web.clock(), web)}


@router.get("/outbox", summary="Notifications and their delivery state, failures first")
def outbox(web: Web = Depends(get_web), user: User = Depends(reader)) -> list[dict[str, Any]]:
    return [r | {"created": r["created"].isoformat()} for r in outbox_rows(web, user)]


@router.get("/audit", summary="The event log of every process, newest first (senco and auditor)")
def audit(limit: int = Query(500, ge=1, le=5000), web: Web = Depends(get_web),
          user: User = Depends(auditor)) -> list[dict[str, Any]]:
    with web.sessionmaker() as session:
        events = recent_events(session, limit)
    return [{"occurred_at": e.occurred_at.isoformat(), "workflow_id": e.workflow_id, "case_ref": e.case_ref,
             "kind": e.kind, "rule_id": e.rule_id, "actor": e.actor, "data": e.data} for e in events]


@router.get("/compliance", summary="On-time rates per rule and per LA for an academic year, and for annual reviews "
                                   "the meeting (the school's part) and the review concluded (the LA's decision)")
def compliance(year: int | None = Query(None, ge=2014, le=2100), web: Web = Depends(get_web),
               user: User = Depends(all_reader)) -> dict[str, Any]:
    return compliance_for(web, year).as_json()


@router.get("/rules", summary="The rule book: every rule (and each earlier version) with its legal basis and counting")
def rules(user: User = Depends(reader)) -> list[dict[str, Any]]:
    from statutory import RULES

    return [rule.model_dump(mode="json") | {"holder": rule.holder.value} for rule in RULES]


@router.get("/deadline", summary="A rule's statutory date and working target from a date, explained (as `sendclock "
                                 "deadline`), on the school's calendar and readings",
            responses={422: {"description": "Bad input, by query parameter"}})
def deadline(rule: str = Query(..., max_length=40, description="A rule id (GET /api/rules)"),
             from_: date = Query(..., alias="from", description="The anchor date, YYYY-MM-DD"),
             post16: bool = Query(False, description="phase-transfer-meeting-by: plan back from the post-16 date"),
             la: str | None = Query(None, max_length=80, description="phase-transfer-meeting-by: this LA's own date"),
             reading: str | None = Query(None, pattern="^(clear|inclusive)$", description="Notice periods (C3)"),
             web: Web = Depends(get_web), user: User = Depends(reader)) -> Any:
    from starter.cli_format import deadline_json
    from starter.deadline import explain_deadline
    from starter.requests import RequestError

    try:
        found = explain_deadline(web.settings, rule, from_, post16=post16, la=la, reading=reading)
    except RequestError as err:
        field, _, reason = str(err).partition(": ")
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": ["query", field], "msg": reason, "type": "value_error"}]})
    return deadline_json(found)


@router.get("/steps.csv", summary="Every step of every process as CSV (the page /steps.csv, for API keys)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def steps_export(web: Web = Depends(get_web), user: User = Depends(all_reader)) -> Response:
    return steps_csv_response(web)


def _start_route(kind: str, model: type[Command]) -> None:
    async def start_process(request: Request, body: model = Body(...), web: Web = Depends(get_web),
                            user: User = Depends(senco_only)):
        check_api_csrf(request, user)
        try:
            outcome = await start(web, user, kind, body)
        except FieldErrors as err:
            return field_errors_response(err)
        except Forbidden:
            raise HTTPException(status_code=403, detail="role: only the SENCO starts processes") from None
        except Unavailable as err:
            raise HTTPException(status_code=503, detail=f"Temporal cannot be reached: {err}") from None
        return JSONResponse(status_code=201 if outcome.created else 200, content={
            "workflow_id": outcome.workflow_id, "case_ref": outcome.case_ref, "process": kind,
            "created": outcome.created, "state": outcome.state})

    start_process.__name__ = f"start_{kind.replace('-', '_')}"
    router.add_api_route(f"/processes/{kind}", start_process, methods=["POST"], status_code=201,
                         summary=f"Start: {model.__doc__.strip().splitlines()[0]}",
                         responses={200: {"description": "It already existed: returned as it stands"},
                                    422: {"description": "Bad input, by field"}})


def _record_route(name: str, model: type[Command], title: str) -> None:
    async def record_change(request: Request, workflow_id: str, body: model = Body(...),
                            web: Web = Depends(get_web), user: User = Depends(writer)):
        check_api_csrf(request, user)
        try:
            outcome = await record(web, user, workflow_id, name, body)
        except FieldErrors as err:
            return field_errors_response(err)
        except Forbidden:
            raise HTTPException(status_code=403, detail="rule_id: you may record only your own steps") from None
        except Unavailable as err:
            raise HTTPException(status_code=503, detail=f"Temporal cannot be reached: {err}") from None
        return {"workflow_id": outcome.workflow_id, "case_ref": outcome.case_ref, "process": outcome.kind,
                "state": outcome.state}

    record_change.__name__ = f"record_{name.replace('-', '_')}"
    router.add_api_route(f"/processes/{{workflow_id}}/{name}", record_change, methods=["POST"], summary=title,
                         responses={422: {"description": "Bad input, by field"}})


for _kind, _model in START_COMMANDS.items():
    _start_route(_kind, _model)
for _action in ACTIONS.values():
    _record_route(_action.name, _action.model, _action.title)
