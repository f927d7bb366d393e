"""Rendering a page with what the base layout needs (school, signed-in user, CSRF token, navigation), and, for a
trust role in a deployment of several schools, the school of each row (`show_schools`, `school_label`, `case_url`:
a case page link that keeps the row's school)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from dashboard.auth import User, csrf_token
from dashboard.context import PROCESS_LABELS, TEMPLATES, Web, get_web
from statutory.clock import fmt


def fmt_date(value) -> str:
    """The one date format ("Mon 16 Mar 2026", statutory.clock.fmt); a time of day after it ("Mon 16 Mar 2026
    10:30") for an instant (already in the school's zone)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        return f"{fmt(value.date())} {value:%H:%M}"
    return fmt(value)


def capitalize_first(text: str) -> str:
    """A sentence's first letter in capitals, the rest as written (Jinja's capitalize lowers the rest: "Kent")."""
    return text[:1].upper() + text[1:]


def occurrence(rule_id: str, instance: int) -> str:
    """A step's n-th occurrence as a table names it after its title: a termly review's "(term 2)", a school duty's
    "(year 2)", an annual review's "(cycle 2)"; nothing for the first."""
    if instance <= 1:
        return ""
    from workflows.models import SCHOOL_DUTIES

    unit = "term" if rule_id in TERMLY_RULES else "year" if rule_id in SCHOOL_DUTIES else "cycle"
    return f" ({unit} {instance})"


TERMLY_RULES = ("sen-support-review", "pep-review")
TEMPLATES.env.filters["d"] = fmt_date
TEMPLATES.env.globals["occurrence"] = occurrence
TEMPLATES.env.filters["capitalize_first"] = capitalize_first
TEMPLATES.env.globals["PROCESS_LABELS"] = PROCESS_LABELS


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    web: Web = get_web(request)  # the school's (its name, its staff), or the trust's
    user: User | None = getattr(request.state, "user", None)
    show_schools = web.several_schools and bool(user and user.is_trust)

    def case_url(case_ref: str, school: str | None = None) -> str:
        """A case's page; on a trust role's list, at the row's school (two schools may use one reference)."""
        url = f"/cases/{quote(case_ref, safe='')}"
        return f"{url}?{urlencode({'school': school})}" if show_schools and school else url

    base = {
        "school_name": web.heading,
        "show_schools": show_schools,
        "school_label": web.school_name,
        "case_url": case_url,
        "trust_view": show_schools,  # the nav's link to /trust
        "path": request.url.path,
        "temporal_ui_url": web.ui_url if web.sees_temporal(user) else "",  # senco and auditor only
        "user": user,
        "csrf_token": csrf_token(request),
        "due_soon_days": web.web.due_soon_days,
        "user_name": web.staff_name(user.staff_id) if user and user.staff_id else (user.username if user else ""),
        "role_text": (user.role_text if user.is_trust else user.role) if user else "",
    }
    return TEMPLATES.TemplateResponse(request, name, base | context, status_code=status_code)
