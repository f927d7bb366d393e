"""The compliance page (a chart and tables per rule and per LA, the termly reviews), the CSV export of every step and
that of the termly review figures: of the reader's school, or (a trust role) every school's or the one of ?school=."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.access import CheckedRoute, all_reader
from dashboard.auth import User
from dashboard.compliance_view import bar_chart, compliance_for, percent_text, steps_csv_response, termly_csv_response
from dashboard.context import Web, get_web
from dashboard.la_scorecard_view import compliance_lines
from dashboard.render import render
from dashboard.scope import scope_of
from dashboard.views import school_choices, shows_schools, title_of
from store.compliance import CONCLUDED_KEY, MEETING_KEY

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


@router.get("/compliance", response_class=HTMLResponse)
def compliance_page(
    request: Request,
    year: int | None = Query(None, ge=2014, le=2100),
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> HTMLResponse:
    school = scope_of(user).school
    view = compliance_for(web, year, school)
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
            "las": compliance_lines(web, f.year, school),  # the LA scorecard, a line per LA (la_scorecard_view.py)
            "schools": school_choices(web) if shows_schools(web, user) else [],
            "school": (school or "") if shows_schools(web, user) else "",  # a trust role's choice, kept in links
        },
    )


@router.get("/steps.csv")
def steps_export(web: Web = Depends(get_web), user: User = Depends(all_reader)) -> Response:
    return steps_csv_response(web, scope_of(user).school, name_schools=shows_schools(web, user))


@router.get("/compliance/termly.csv")
def termly_export(
    year: int | None = Query(None, ge=2014, le=2100), web: Web = Depends(get_web), user: User = Depends(all_reader)
) -> Response:
    return termly_csv_response(web, year, scope_of(user).school)
