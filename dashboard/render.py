"""Rendering a page with what the base layout needs (school, signed-in user, CSRF token, navigation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from dashboard.auth import User, csrf_token
from dashboard.context import PROCESS_LABELS, TEMPLATES, Web
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
    web: Web = request.app.state.web
    user: User | None = getattr(request.state, "user", None)
    base = {
        "school_name": web.settings.school_name,
        "path": request.url.path,
        "temporal_ui_url": web.ui_url if web.sees_temporal(user) else "",  # senco and auditor only
        "user": user,
        "csrf_token": csrf_token(request),
        "due_soon_days": web.web.due_soon_days,
        "user_name": web.staff_name(user.staff_id) if user and user.staff_id else (user.username if user else ""),
    }
    return TEMPLATES.TemplateResponse(request, name, base | context, status_code=status_code)
