"""Chasing the LA on the dashboard (issue 25): the chase letter for an overdue LA step, to read, reword and send to
the LA's SEN team once the SENCO confirms (commands/chase.py drafts and checks it; workflows/chase.py sends it,
records it and opens the follow-up). The API mirrors it: `GET /api/processes/{id}/chase/{rule}` is the draft,
`POST /api/processes/{id}/la-chase` sends a confirmed letter (dashboard/api.py's record routes).

Only the SENCO chases: the letter speaks for the school. Staff and leadership see the chases on the case page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from commands import checks
from commands.chase import ChaseDraft, ChaseIn, chaseable_steps, draft
from commands.errors import Forbidden, Refused, Unavailable
from dashboard.access import CheckedRoute, senco_only
from dashboard.auth import User, read_form
from dashboard.case_words import title_lower
from dashboard.commands import load_process, record
from dashboard.context import PROCESS_LABELS, Web, get_web
from dashboard.render import render
from dashboard.scope import Scope, scope_of
from statutory.clock import fmt
from statutory.rules import get_rule
from workflows.models.common import RULE_ID_PATTERN

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
api_router = APIRouter(route_class=CheckedRoute)  # under /api/, in the OpenAPI document (api.py OTHER_ROUTES)
ACTION = "la-chase"  # dashboard/commands.py ACTIONS


def _loaded(web: Web, workflow_id: str, scope: Scope) -> tuple[Any, list[Any]]:
    loaded = load_process(web, workflow_id, scope)  # another school's process: none, as an unknown one
    if loaded is None:
        raise HTTPException(status_code=404, detail=f"workflow_id: no process {workflow_id}")
    return loaded


def _draft(web: Web, workflow_id: str, rule_id: str, scope: Scope) -> tuple[Any, list[Any], ChaseDraft]:
    process, steps = _loaded(web, workflow_id, scope)
    try:
        return process, steps, draft(web.settings, process, steps, rule_id, web.clock.today())
    except Refused as err:
        problem = err.problems[0]
        raise HTTPException(status_code=err.status, detail=f"{problem.field}: {problem.reason}") from None


def _page(request, web, process, letter: ChaseDraft, values: dict[str, Any], errors: dict[str, str], status_code=200):
    return render(
        request,
        "chase.html",
        {
            "process": process,
            "label": PROCESS_LABELS.get(process.kind, process.kind),
            "letter": letter,
            "values": values,
            "errors": errors,
            "fmt": fmt,
            "action": f"/processes/{process.workflow_id}/chase/{letter.rule_id}",
            "back": f"/cases/{process.case_ref}",
        },
        status_code=status_code,
    )


@router.get("/processes/{workflow_id}/chase/{rule_id}", response_class=HTMLResponse)
def chase_form(
    request: Request, workflow_id: str, rule_id: str, web: Web = Depends(get_web), user: User = Depends(senco_only)
) -> HTMLResponse:
    process, _, letter = _draft(web, workflow_id, rule_id, scope_of(user))
    return _page(request, web, process, letter, {"subject": letter.subject, "body": letter.body}, {})


@router.post("/processes/{workflow_id}/chase/{rule_id}")
async def chase_submit(
    request: Request, workflow_id: str, rule_id: str, web: Web = Depends(get_web), user: User = Depends(senco_only)
) -> Response:
    values = await read_form(request)
    scope = scope_of(user)
    _loaded(web, workflow_id, scope)  # no such process (or another school's): 404 before the input is read
    fields = {k: v for k, v in values.items() if k != "__lists__"}
    try:  # the input first (an unknown or emptied field is refused, never replaced by the draft's words) ...
        cmd = checks.parse(ChaseIn, {"subject": "", "body": "", **fields, "rule_id": rule_id})
    except Refused as err:
        try:
            process, _, letter = _draft(web, workflow_id, rule_id, scope)
        except HTTPException:
            raise HTTPException(status_code=err.status, detail=str(err)) from None
        return _page(request, web, process, letter, fields, err.by_field(), status_code=err.status)
    process, _, letter = _draft(web, workflow_id, rule_id, scope)  # ... then whether the step may be chased
    try:
        outcome = await record(web, user, workflow_id, ACTION, cmd, via="web")
    except Refused as err:
        return _page(request, web, process, letter, fields, err.by_field(), status_code=err.status)
    except Forbidden:
        raise HTTPException(status_code=403, detail="role: only the SENCO chases the LA") from None
    except Unavailable:
        errors = {"form": "Temporal cannot be reached; nothing was sent. Try again in a minute."}
        return _page(request, web, process, letter, fields, errors, status_code=503)
    last = (outcome.state.get("facts") or {}).get("la_chases", [{}])[-1]
    if last.get("status") == "failed":
        errors = {
            "form": f"The letter could not be sent ({last.get('error') or 'no reason given'}). Nothing was "
            "recorded as sent: try again, or send it from your own mailbox."
        }
        return _page(request, web, process, letter, fields, errors, status_code=502)
    return RedirectResponse(f"/cases/{outcome.case_ref}?done=la-chased", status_code=303)


class ChaseDraftOut(BaseModel):
    """A chase letter ready to read and confirm (POST /api/processes/{workflow_id}/la-chase with its rule_id, and its
    subject and body as sent: replace the line asking for the LA's reference first)."""

    rule_id: str
    title: str
    la: str
    to: str | None
    portal_url: str | None
    subject: str
    body: str
    due: date
    days_overdue: int
    reply_by: date
    follow_up_working_days: int
    chased_before: date | None


@api_router.get(
    "/api/processes/{workflow_id}/chase/{rule_id}",
    tags=["api"],
    summary="The chase letter for an overdue LA step of a process, to confirm and send (the SENCO)",
    response_model=ChaseDraftOut,
)
def api_chase_draft(
    workflow_id: str = Path(description="A process's workflow ID (workflows/registry.py)"),
    rule_id: str = Path(pattern=RULE_ID_PATTERN, description="The LA step's rule id"),
    web: Web = Depends(get_web),
    user: User = Depends(senco_only),
) -> ChaseDraftOut:
    _, _, letter = _draft(web, workflow_id, rule_id, scope_of(user))
    return ChaseDraftOut(**letter.__dict__)


def chase_links(process: Any, steps: list[Any], today: date) -> list[dict[str, Any]]:
    """The case page's "Chase the LA" links: each open LA step whose statutory date has passed."""
    if process.status != "open":
        return []
    return [
        {
            "href": f"/processes/{process.workflow_id}/chase/{s.rule_id}",
            "title": get_rule(s.rule_id, on=s.anchor).title,
            "days": (today - s.due).days,
        }
        for s in chaseable_steps(steps, today)
    ]


def chase_lines(process: Any) -> list[str]:
    """The case page's sentences about each chase of this process, oldest first."""
    lines = []
    for c in (process.facts or {}).get("la_chases", []):
        title = title_lower(c["rule_id"])
        sent_on = fmt(date.fromisoformat(c["sent_on"]))
        overdue = f"{c['days_overdue']} day{'' if c['days_overdue'] == 1 else 's'} overdue"
        if c["status"] == "sent":
            how = f"e-mailed to {c['to']}"
        elif c["status"] == "kept":
            how = "recorded as sent by hand (not e-mailed by sendclock)"
        else:
            lines.append(f"A chase letter about the {title} could not be sent on {sent_on}: {c.get('error') or ''}")
            continue
        lines.append(f"The LA was chased about the {title} on {sent_on} ({overdue}): {how}.")
    return lines
