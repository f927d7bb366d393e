"""Finding a case by its reference from any page (the search box in the header): the references that start with
what was typed, case-insensitive; one match opens its case page. Staff find only the cases with a step of theirs,
as the case page shows them no other, and nobody another school's cases (dashboard/scope.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dashboard.access import CheckedRoute, reader
from dashboard.auth import User
from dashboard.context import Web, get_web
from dashboard.render import render
from dashboard.scope import scope_of
from store.web_queries import case_refs_starting

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
LIMIT = 50


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    q: str = Query("", max_length=40),
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> Response:
    typed = q.strip()
    found: list[str] = []
    if typed:
        with web.sessionmaker() as session:
            scope = scope_of(user)
            found = case_refs_starting(session, typed, owner=scope.owner, limit=LIMIT + 1, school=scope.school)
    if len(found) == 1:
        narrowed = f"?{urlencode({'school': user.school})}" if user.is_trust and user.school else ""
        return RedirectResponse(f"/cases/{found[0]}{narrowed}", status_code=303)
    return render(request, "search.html", {"q": typed, "found": found[:LIMIT], "more": len(found) > LIMIT})
