"""Message text, from Jinja2 templates under config/templates/ (a school can reword them).

One notice renders as a subject, a plain-text body (the outbox record and plain channels), an HTML e-mail body and
a Teams Adaptive Card. The opening sentence lives once, in lead.txt.j2. Only *.html.j2 templates are autoescaped:
an LA called "Brighton & Hove" reads as written in the text and is escaped in the HTML; the card template puts
every value through `tojson`.

Privacy: a message names the case by its reference only; the pupil's initials are added when the school turns
`notifications.include_initials` on and the notice carries them. Never a name, birth date or need: the context a
workflow passes (NoticeContext) has no field for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from statutory.clock import fmt
from workflows.models import NoticeContext, NotifyInput

TEMPLATES = Path(__file__).resolve().parent.parent / "config" / "templates"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str | None  # None: not rendered (nobody to send it to: `message(rich=False)`)
    card: dict[str, Any] | None


def template_environment(templates: Path = TEMPLATES) -> Environment:
    """The school's templates (config/templates/): HTML autoescaped, missing values an error, dates as "3 Mar 2027"
    (filter `day`). Notices and the weekly digest render through it."""
    env = Environment(
        # Templates are read once per process, not checked for changes at every notice (a stat of each file per
        # render): a school that rewords one restarts the worker, as for any other setting.
        loader=FileSystemLoader(templates), undefined=StrictUndefined, keep_trailing_newline=False, auto_reload=False,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
    )
    env.filters["day"] = lambda d: fmt(d) if isinstance(d, date) else ""
    return env


def step_url(dashboard_url: str, context: NoticeContext) -> str:
    """The step on the dashboard: its case's timeline, at the rule."""
    return f"{dashboard_url.rstrip('/')}/cases/{quote(context.case_ref)}#{quote(context.rule_id)}"


def days_left_text(context: NoticeContext) -> str:
    if context.days_overdue:
        return f"{context.days_overdue} day{'s' if context.days_overdue != 1 else ''} overdue"
    left = context.days_to_target if context.days_to_target is not None else (context.target - context.on).days
    if left == 0:
        return "due today"
    if left < 0:
        return f"target passed {-left} day{'s' if left != -1 else ''} ago"
    return f"{left} day{'s' if left != 1 else ''} to target"


class MessageRenderer:
    def __init__(self, dashboard_url: str, templates: Path = TEMPLATES, *, include_initials: bool = False) -> None:
        self.dashboard_url = dashboard_url
        self.include_initials = include_initials
        self.env = template_environment(templates)

    def render(self, notice: NotifyInput) -> tuple[str, str]:
        """Subject and plain text (the shape older callers use)."""
        message = self.message(notice)
        return message.subject, message.text

    def message(self, notice: NotifyInput, *, rich: bool = True) -> Message:
        """The notice's subject and plain text, and with `rich` its HTML e-mail body and Teams card (only a channel
        sends those: a notice to staff with no channel is kept in the outbox as its subject and text)."""
        context = notice.context
        values = {"kind": notice.kind, "context": context, "dashboard_url": self.dashboard_url,
                  "step_url": step_url(self.dashboard_url, context), "days_left_text": days_left_text(context),
                  "initials": context.initials if self.include_initials else None}
        subject = " ".join(self.env.get_template("subject.txt.j2").render(values).split())
        values["subject"] = subject
        text = self.env.get_template("body.txt.j2").render(values).strip() + "\n"
        if not rich:
            return Message(subject=subject, text=text, html=None, card=None)
        html = self.env.get_template("body.html.j2").render(values).strip() + "\n"
        card = json.loads(self.env.get_template("teams_card.json.j2").render(values))
        return Message(subject=subject, text=text, html=html, card=card)

    def fallback_note(self, *, recipient_name: str, channels: str, error: str) -> str:
        return self.env.get_template("fallback.txt.j2").render(
            recipient_name=recipient_name, channels=channels, error=error).strip() + "\n\n"
