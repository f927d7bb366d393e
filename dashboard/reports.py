"""The compliance page (a chart and tables per rule and per LA, the termly reviews), the CSV export of every step and
that of the termly review figures."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.access import CheckedRoute, all_reader
from dashboard.auth import User
from dashboard.compliance_view import bar_chart, compliance_for, percent_text, steps_csv_response, termly_csv_response
from dashboard.context import Web, get_web
from dashboard.la_scorecard_view import compliance_lines
from dashboard.render import render
from dashboard.views import title_of
from store.compliance import CONCLUDED_KEY, MEETING_KEY

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


@router.get("/compliance", response_class=HTMLResponse)
def compliance_page(
    request: Request,
    year: int | None = Query(None, ge=2014, le=2100),
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> HTMLResponse:
    view = compliance_for(web, year)
    f = view.figures
    titles = {r.key: title_of(r.key) for r in f.by_rule}  # each rule by its plain title
    return render(
        request,
        "compliance.html",
        {
            "view": view,
            "figures": f,
            "pct": percent_text,
            "label": f"{f.year}-{(f.year + 1) % 100:02d}",
            "chart_rule": bar_chart(
                f.by_rule, f"On-time rate per step, academic year {f.year}-{f.year + 1}", "by-rule", titles
            ),
            "titles": titles,
            "chart_la": bar_chart(f.by_la, f"On-time rate per LA, academic year {f.year}-{f.year + 1}", "by-la"),
            "meeting": f.review(MEETING_KEY),
            "concluded": f.review(CONCLUDED_KEY),
            "backdating_days": web.settings.audit.backdating_working_days,
            "termly": view.termly,
            "las": compliance_lines(web, f.year),  # the LA scorecard, a line per LA (dashboard/la_scorecard_view.py)
        },
    )


@router.get("/steps.csv")
def steps_export(web: Web = Depends(get_web), user: User = Depends(all_reader)) -> Response:
    return steps_csv_response(web)


@router.get("/compliance/termly.csv")
def termly_export(
    year: int | None = Query(None, ge=2014, le=2100), web: Web = Depends(get_web), user: User = Depends(all_reader)
) -> Response:
    return termly_csv_response(web, year)
