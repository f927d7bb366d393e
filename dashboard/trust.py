"""The trust view (issue 25): one deployment for a trust of several schools, seen from the trust's SEND lead's desk.

For the trust-wide roles (trust-leadership, trust-auditor), at /trust and /api/trust: every school at a glance (its
overdue, due-soon and open steps and its on-time rate this school year, its name linking to its own overdue list,
one click away), the overdue and due-soon steps of every school in one list each, and the compliance figures per
school and per step side by side, counted as each school's own compliance page counts them (store/compliance.py,
compliance_by_school; each completion judged for backdating by its school's calendar), counted in the database
over the year's steps (store/compliance_sql.py).

Any other role: 403 (dashboard/access.py). A deployment of one school has no trust view: 404, for everyone allowed
past the role check (its compliance page is the same figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from dashboard.access import CheckedRoute, trust_reader
from dashboard.auth import User
from dashboard.compliance_view import backdating_of, percent_text, rate_json, school_year_label
from dashboard.context import Web, get_web
from dashboard.render import render
from dashboard.scope import scope_of
from dashboard.views import Filters, StepRow, step_lists, title_of
from statutory.clock import fmt
from store.compliance import Compliance, Rate, academic_year_of, compliance
from store.compliance_sql import never_late_rules, year_compliance_by_school, years_with_steps
from store.step_list import Counts

TRUST_LIST = 50  # rows of each list on the trust view; the Overdue and Due soon pages page through the rest
router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
api_router = APIRouter(route_class=CheckedRoute)  # under /api/, in the OpenAPI document
YEAR = Query(None, ge=2014, le=2100, description="An academic year by the year it starts: 2026 for 2026-27")
ALL_STEPS = "All steps"


@dataclass(frozen=True)
class SchoolLine:
    """One school at a glance."""

    school: str  # its id (the API's; never on the page)
    name: str
    overdue: int
    due_soon: int
    open: int
    figures: Compliance  # its on-time rates in the academic year shown

    @property
    def href(self) -> str:
        """Its overdue steps: the school's page, one click away."""
        return "/overdue?" + urlencode({"school": self.school})

    @property
    def compliance_href(self) -> str:
        return f"/compliance?{urlencode({'school': self.school, 'year': self.figures.year})}"


@dataclass(frozen=True)
class RuleLine:
    """One step (rule) across the schools: its on-time rate at each, in the schools' order (None: no step of it)."""

    rule_id: str | None  # None: all steps
    title: str
    rates: list[Rate | None]


@dataclass(frozen=True)
class TrustView:
    today: date
    year: int
    years: list[int]
    schools: list[SchoolLine]
    overdue: list[StepRow]  # the first TRUST_LIST, most overdue first (the Overdue page has them all)
    due_soon: list[StepRow]  # the first TRUST_LIST, soonest first
    rules: list[RuleLine]  # all steps first, then each step by its title
    overdue_total: int = 0  # every school's overdue steps, listed or not
    due_soon_total: int = 0

    @property
    def label(self) -> str:
        return school_year_label(self.year)


def trust_view(web: Web, user: User, year: int | None) -> TrustView:
    """Every school the user reads (a trust role: every school of the deployment, or the one of ?school=)."""
    if not web.several_schools:
        raise HTTPException(status_code=404, detail="This deployment has one school: its pages are the school's own.")
    today = web.clock.today()
    year = year if year is not None else academic_year_of(today)
    scope = scope_of(user)
    # The first page of each list (most overdue first, then the soonest due); every school's counts over all pages.
    overdue, due_soon = step_lists(web, user, ("overdue", "due-soon"), Filters(), limit=TRUST_LIST)
    with web.sessionmaker() as session:
        figures = year_compliance_by_school(
            session, year, today, never_late=never_late_rules(), school=scope.school, backdating=backdating_of(web)
        )
        years = sorted({*years_with_steps(session, school=scope.school), academic_year_of(today)})
    ids = [s for s in web.root.settings.school_ids if scope.sees_school(s)]
    lines = [
        SchoolLine(
            school=school,
            name=web.school_name(school),
            overdue=overdue.by_school.get(school, Counts()).overdue,
            due_soon=overdue.by_school.get(school, Counts()).due_soon,
            open=overdue.by_school.get(school, Counts()).open,
            figures=figures.get(school) or compliance([], year, today),
        )
        for school in ids
    ]
    rule_ids = sorted({r.key for line in lines for r in line.figures.by_rule}, key=lambda r: title_of(r).lower())
    rules = [RuleLine(None, ALL_STEPS, [line.figures.total if line.figures.total.counted else None for line in lines])]
    for rule_id in rule_ids:
        rates = [next((r for r in line.figures.by_rule if r.key == rule_id), None) for line in lines]
        rules.append(RuleLine(rule_id, title_of(rule_id), rates))
    return TrustView(
        today=today,
        year=year,
        years=years,
        schools=lines,
        overdue=overdue.rows,
        due_soon=due_soon.rows,
        rules=rules,
        overdue_total=overdue.total,
        due_soon_total=due_soon.total,
    )


def rate_text(rate: Rate | None) -> str:
    """ "75% on time (3 of 4)", or "none counted"."""
    if rate is None or not rate.counted:
        return "none counted"
    return f"{percent_text(rate.percent)} on time ({rate.on_time} of {rate.counted})"


@router.get("/trust", response_class=HTMLResponse)
def trust_page(
    request: Request, year: int | None = YEAR, web: Web = Depends(get_web), user: User = Depends(trust_reader)
) -> HTMLResponse:
    view = trust_view(web, user, year)
    return render(
        request,
        "trust.html",
        {
            "view": view,
            "title": "The trust's schools",
            "trust_name": web.root.settings.trust.name or web.root.settings.school_name,
            "rate_text": rate_text,
            "fmt": fmt,
        },
    )


@api_router.get(
    "/api/trust",
    tags=["api"],
    summary="The trust view (trust-leadership and trust-auditor): every school's overdue, due-soon and open steps, and "
    "its on-time rates per step for an academic year; the first 50 overdue and due-soon steps of every school "
    "(their totals beside them; /api/steps pages through the rest)",
)
def trust_api(year: int | None = YEAR, web: Web = Depends(get_web), user: User = Depends(trust_reader)) -> Any:
    view = trust_view(web, user, year)
    return {
        "today": view.today.isoformat(),
        "academic_year": view.label,
        "year": view.year,
        "due_soon_days": web.web.due_soon_days,
        "schools": [
            {
                "school": line.school,
                "name": line.name,
                "overdue": line.overdue,
                "due_soon": line.due_soon,
                "open": line.open,
                "total": rate_json(line.figures.total),
                "by_rule": [rate_json(r) | {"title": title_of(r.key)} for r in line.figures.by_rule],
            }
            for line in view.schools
        ],
        "overdue": [r.as_json() for r in view.overdue],
        "overdue_total": view.overdue_total,
        "due_soon": [r.as_json() for r in view.due_soon],
        "due_soon_total": view.due_soon_total,
    }
