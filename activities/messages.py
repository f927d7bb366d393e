"""Message text, from Jinja2 templates under config/templates/ (a school can reword them)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from statutory.clock import fmt
from workflows.models import NotifyInput

TEMPLATES = Path(__file__).resolve().parent.parent / "config" / "templates"


class MessageRenderer:
    def __init__(self, dashboard_url: str, templates: Path = TEMPLATES) -> None:
        self.dashboard_url = dashboard_url
        self.env = Environment(loader=FileSystemLoader(templates), undefined=StrictUndefined, autoescape=False,
                               keep_trailing_newline=False)
        self.env.filters["day"] = lambda d: fmt(d) if isinstance(d, date) else ""

    def render(self, notice: NotifyInput) -> tuple[str, str]:
        values = {"kind": notice.kind, "context": notice.context, "dashboard_url": self.dashboard_url}
        subject = " ".join(self.env.get_template("subject.txt.j2").render(values).split())
        body = self.env.get_template("body.txt.j2").render(values).strip() + "\n"
        return subject, body
