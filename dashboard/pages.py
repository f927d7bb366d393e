"""The read-only pages: open, overdue and due-soon steps, the case timeline, the outbox, the audit log. What each
shows is the user's scope (dashboard/scope.py): staff see their own steps and notices, and of a case only their
steps; a case with none of their steps is "not found", as an unknown one; nobody sees another school's (a trust
role every school's, each row with its school, or one school's with ?school=ID)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from audit.render import ground_words
from dashboard.access import CheckedRoute, auditor, reader
from dashboard.auth import User
from dashboard.case_words import CaseWords, counted_detail, plain_dates
from dashboard.chase_view import chase_lines, chase_links
from dashboard.commands import available_actions
from dashboard.context import Web, get_web
from dashboard.render import render
from dashboard.scope import scope_of
from dashboard.views import (
    MAX_PAGE,
    PAGE_SIZE,
    VIEWS,
    Filters,
    case_timeline,
    event_label,
    outbox_rows,
    rule_title,
    school_web,
    step_list,
    step_state_text,
    transfer_warning,
)
from statutory.clock import fmt
from store.chain_heads import current_head, fingerprint, last_published, published_problem
from store.step_list import BadCursor
from store.web_queries import recent_events

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


def filters_from(
    la: str = "", owner: str = "", rule: str = "", process: str = "", sort: str = "", desc: str = "", school: str = ""
) -> Filters:
    return Filters(
        la=la, owner=owner, rule=rule, process=process, sort=sort, desc=desc in ("1", "true", "on"), school=school
    )


def _steps_page(request: Request, web: Web, user: User, view: str, filters: Filters) -> HTMLResponse:
    cursor, limit, start = page_params(request)
    try:
        listing = step_list(web, user, view, filters, cursor=cursor, limit=limit, start=start)
    except BadCursor as err:
        raise HTTPException(
            status_code=422, detail=f"cursor: this page's link is out of date ({err}); start again from the first page"
        ) from None
    return render(
        request,
        "steps.html",
        {
            "title": VIEWS[view],
            "listing": listing,
            "filters": filters,
            "view": view,
            "today": listing.today,
            "rows": listing.rows,
            "counts": listing.counts,
            "next_query": filters.query(cursor=listing.next_cursor, start=str(listing.end + 1), limit=limit_text(limit))
            if listing.next_cursor
            else None,
            "first_query": filters.query(limit=limit_text(limit)) if cursor else None,
        },
    )


def page_params(request: Request) -> tuple[str | None, int, int]:
    """A step list page's place in the list: its cursor (from the page before's "next" link), its size (?limit=,
    PAGE_SIZE by default) and the number of its first row (?start=, only for the page to say)."""
    params = request.query_params
    cursor = params.get("cursor") or None
    if cursor is not None and len(cursor) > 600:
        raise HTTPException(status_code=422, detail="cursor: this page's link is out of date; start again")
    limit = _number(params.get("limit"), "limit", PAGE_SIZE, 1, MAX_PAGE)
    start = _number(params.get("start"), "start", 1, 1, 10**9) if cursor else 1
    return cursor, limit, start


def _number(text: str | None, name: str, default: int, low: int, high: int) -> int:
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise HTTPException(status_code=422, detail=f"{name}: give a whole number from {low} to {high}")
    return int(text)


def limit_text(limit: int) -> str:
    return "" if limit == PAGE_SIZE else str(limit)


@router.get("/", response_class=HTMLResponse)
def index(
    request: Request,
    filters: Filters = Depends(filters_from),
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> HTMLResponse:
    return _steps_page(request, web, user, "open", filters)


@router.get("/overdue", response_class=HTMLResponse)
def overdue(
    request: Request,
    filters: Filters = Depends(filters_from),
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> HTMLResponse:
    return _steps_page(request, web, user, "overdue", filters)


@router.get("/due-soon", response_class=HTMLResponse)
def due_soon(
    request: Request,
    filters: Filters = Depends(filters_from),
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> HTMLResponse:
    return _steps_page(request, web, user, "due-soon", filters)


@router.get("/cases/{case_ref}", response_class=HTMLResponse)
def case(request: Request, case_ref: str, web: Web = Depends(get_web), user: User = Depends(reader)) -> HTMLResponse:
    views = case_timeline(web, user, case_ref)
    if not views:  # no such case, or (staff) none of its steps is theirs, or another school's: the same answer
        raise HTTPException(status_code=404, detail=f"case_ref: no processes for case {case_ref}")
    schools = list(dict.fromkeys(v.process.school for v in views))
    if len(schools) > 1:  # a trust role, and two schools use the reference: which school's pupil?
        choices = [(school, web.school_name(school)) for school in schools]
        return render(request, "case.html", {"case_ref": case_ref, "choices": choices, "views": []})
    web = school_web(web, schools[0])  # the case's school: its staff's names, its calendar
    today = web.clock.today()
    actions = {v.process.workflow_id: available_actions(user, v.process, v.steps) for v in views}
    return render(
        request,
        "case.html",
        {
            "case_ref": case_ref,
            "views": views,
            # every process's events in one list, oldest first: a pupil's SEN support, PEP and plan side by side
            "timeline": sorted(((v, e) for v in views for e in v.events), key=lambda pair: pair[1].occurred_at),
            "today": today,
            "actions": actions,
            "state_text": step_state_text,
            "event_label": event_label,
            "transfer_warning": transfer_warning,
            "rule_title": rule_title,
            "everything": scope_of(user).everything,
            "zone": web.zone,
            "message": request.query_params.get("done"),
            "words": CaseWords(web.staff_name, web.zone),  # the page in a SENCO's words (dashboard/case_words.py)
            "plain_dates": plain_dates,
            "counted_detail": counted_detail,
            "ground_words": ground_words,
            "fmt": fmt,
            "chase_links": {v.process.workflow_id: chase_links(v.process, v.steps, today) for v in views},
            "chase_lines": chase_lines,
        },
    )


@router.get("/outbox", response_class=HTMLResponse)
def outbox(request: Request, web: Web = Depends(get_web), user: User = Depends(reader)) -> HTMLResponse:
    from dashboard.views import OUTBOX_LIMIT

    return render(request, "outbox.html", {"rows": outbox_rows(web, user), "limit": OUTBOX_LIMIT})


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, web: Web = Depends(get_web), user: User = Depends(auditor)) -> HTMLResponse:
    scope = scope_of(user)
    # The fingerprint seals the whole record, every school's: shown to whoever reads every school (a school's auditor
    # in a trust is told who holds it).
    whole = scope.school is None
    with web.sessionmaker() as session:
        events = recent_events(session, school=scope.school)
        head = current_head(session) if whole else None  # the record's fingerprint now, and the last sent (issue 21)
        published = last_published(session) if whole else None
        problem = published_problem(session, published) if published else None
    return render(
        request,
        "audit.html",
        {
            "events": events,
            "event_label": event_label,
            "zone": web.zone,
            "head": head,
            "published": published,
            "problem": problem,
            "fmt": fmt,
            "fingerprint": fingerprint,
            "whole_record": whole,
        },
    )
