"""Message text, from Jinja2 templates under config/templates/ (a school can reword them).

One notice renders as a subject, a plain-text body (the outbox record and plain channels), an HTML e-mail body and
a Teams Adaptive Card. The opening sentence lives once, in lead.txt.j2. Only *.html.j2 templates are autoescaped:
an LA called "Brighton & Hove" reads as written in the text and is escaped in the HTML; the card template puts
every value through `tojson`.

What staff read (issue 19): plain titles, never a rule id or an exemption ground (a ground can say why the pupil
missed something: it stays behind sign-in); a subject of at most SUBJECT_MAX characters that leads with the case
reference, the action and a date; past dates said to be past; the target as the date to work to and the statutory
date as the legal limit; one link, to the step's record form (it survives sign-in: the login page's `next=` keeps
the path and query), or for an LA deadline that has passed, to its chase letter. A notice goes to the step's owner
("owner" copy) and, for escalations and prompts, to the SENCO ("copy" audience): the SENCO's copy says whose step it
is and what the SENCO is asked to do.

Privacy: a message names the case by its reference only; the pupil's initials are added when the school turns
`notifications.include_initials` on and the notice carries them. Never a name, birth date or need: the context a
workflow passes (NoticeContext) has no field for them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from statutory.clock import fmt
from statutory.rules import Holder, get_rule
from workflows.models import NoticeContext, NotifyInput

TEMPLATES = Path(__file__).resolve().parent.parent / "config" / "templates"
SUBJECT_MAX = 60  # a phone inbox shows about 40: the reference, the action and the date come first
Audience = Literal["owner", "copy"]
# Kinds that ask the reader to record the step: their button opens the step's record form.
ACTION_KINDS = {"assigned", "reminder", "overdue", "asap", "exemption", "prompt", "rescheduled"}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str | None  # None: not rendered (nobody to send it to: `message(rich=False)`)
    card: dict[str, Any] | None


def short_day(d: date) -> str:
    """'16 Mar' (a subject's date: the year is not worth the characters)."""
    return f"{d.day} {d:%b}" if isinstance(d, date) else ""


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def template_environment(templates: Path = TEMPLATES) -> Environment:
    """The school's templates (config/templates/): HTML autoescaped, missing values an error, dates as "3 Mar 2027"
    (filter `day`), "3 Mar" (filter `short`). Notices and the weekly digest render through it."""
    env = Environment(
        # Templates are read once per process, not checked for changes at every notice (a stat of each file per
        # render): a school that rewords one restarts the worker, as for any other setting.
        loader=FileSystemLoader(templates),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        auto_reload=False,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
    )
    env.filters["day"] = lambda d: fmt(d) if isinstance(d, date) else ""
    env.filters["short"] = short_day
    env.filters["days"] = lambda n: plural(int(n or 0), "day")
    return env


def step_url(dashboard_url: str, context: NoticeContext) -> str:
    """The step on the dashboard: its case's timeline, at the rule."""
    return f"{dashboard_url.rstrip('/')}/cases/{quote(context.case_ref)}#{quote(context.rule_id)}"


def case_url(dashboard_url: str, context: NoticeContext) -> str:
    return f"{dashboard_url.rstrip('/')}/cases/{quote(context.case_ref)}"


# Steps recorded by a form of their own, not "Record a step as done" (dashboard/commands.py ACTIONS): a termly review
# is recorded as held, with who took part.
RECORD_FORMS = {"sen-support-review": "support-review-held", "pep-review": "pep-review-held"}


def record_url(dashboard_url: str, context: NoticeContext) -> str:
    """The step's record form ("Record a step as done", dashboard/forms.py, or the step's own), the rule preselected.
    A path and a query, no #anchor: the sign-in page carries it in `next=` and lands there after sign-in."""
    form = RECORD_FORMS.get(context.rule_id, "step-done")
    return (
        f"{dashboard_url.rstrip('/')}/processes/{quote(context.workflow_id, safe='')}/{form}"
        f"?rule={quote(context.rule_id, safe='')}"
    )


def chase_url(dashboard_url: str, context: NoticeContext) -> str:
    """The chase letter of an overdue LA step (dashboard/chase_view.py): a path, no #anchor, so it survives sign-in."""
    return (
        f"{dashboard_url.rstrip('/')}/processes/{quote(context.workflow_id, safe='')}"
        f"/chase/{quote(context.rule_id, safe='')}"
    )


def chase_ready(kind: str, context: NoticeContext) -> bool:
    """Whether the notice is about an LA deadline that has passed, so a chase letter waits on the dashboard
    (commands/chase.py drafts one for an open step the rule book gives to the LA, once its statutory date is past)."""
    if kind != "overdue" or context.style != "chase" or context.due >= context.on:
        return False
    try:
        return get_rule(context.rule_id).holder is Holder.LA
    except ValueError:  # a rule no longer in the rule book: no letter is drafted for it
        return False


def days_left_text(context: NoticeContext) -> str:
    if context.days_overdue:
        return f"{plural(context.days_overdue, 'day')} overdue"
    left = context.days_to_target if context.days_to_target is not None else (context.target - context.on).days
    if left == 0:
        return "due today"
    if left < 0:
        return f"target passed {plural(-left, 'day')} ago"
    return f"{plural(left, 'day')} to target"


def when(d: date, on: date) -> str:
    """A date as staff read it on `on`: "Tue 24 Nov", "Tue 24 Nov, today", "Tue 24 Nov, 8 days ago"."""
    gap = (on - d).days
    if gap > 0:
        return f"{fmt(d)}, {plural(gap, 'day')} ago"
    if gap == 0:
        return f"{fmt(d)}, today"
    return fmt(d)


def holder_of(context: NoticeContext) -> str:
    """Who holds the duty, as a noun phrase: the rule's duty-holder text without its bracketed note ("LA (school
    chases it)" -> "LA"; "parent / young person" -> "parent or young person")."""
    holder = re.sub(r"\s*\([^)]*\)", "", context.duty_holder or "").replace(" / ", " or ").strip()
    if not holder:
        holder = {"chase": "local authority", "window": "parent or young person"}.get(context.style, "school")
    return holder


class MessageRenderer:
    def __init__(
        self,
        dashboard_url: str,
        templates: Path = TEMPLATES,
        *,
        include_initials: bool = False,
        staff_names: Mapping[str, str] | None = None,
        subject_prefix: str | None = None,
    ) -> None:
        self.dashboard_url = dashboard_url
        self.include_initials = include_initials
        self.staff_names = dict(staff_names or {})
        self.subject_prefix = (subject_prefix or "").strip()
        self.env = template_environment(templates)

    def render(self, notice: NotifyInput, *, audience: Audience = "owner") -> tuple[str, str]:
        """Subject and plain text (the shape older callers use)."""
        message = self.message(notice, audience=audience)
        return message.subject, message.text

    def name_of(self, staff_id: str | None) -> str | None:
        if not staff_id:
            return None
        return self.staff_names.get(staff_id) or staff_id

    def values(self, notice: NotifyInput, audience: Audience = "owner") -> dict[str, Any]:
        context = notice.context
        action = notice.kind in ACTION_KINDS and context.style != "window"
        chase = chase_ready(notice.kind, context)
        if chase:  # the LA's deadline has passed: the button opens the chase letter (the case page links it too)
            button_url, button_label = chase_url(self.dashboard_url, context), "Read the chase letter"
        elif action:
            button_url, button_label = record_url(self.dashboard_url, context), "Record it as done"
        else:
            button_url, button_label = case_url(self.dashboard_url, context), "Open the case in sendclock"
        return {
            "kind": notice.kind,
            "context": context,
            "dashboard_url": self.dashboard_url,
            "audience": audience,
            "owner_name": self.name_of(context.owner),
            "holder": holder_of(context),
            "step_url": step_url(self.dashboard_url, context),
            "button_url": button_url,
            "button_label": button_label,
            "chase_ready": chase,
            "target_when": when(context.target, context.on),
            "due_when": when(context.due, context.on),
            "target_passed": context.target < context.on,
            "due_passed": context.due < context.on,
            "days_left_text": days_left_text(context),
            "initials": context.initials if self.include_initials else None,
        }

    def subject(self, values: dict[str, Any]) -> str:
        """ "{ref}: {action and date}", then the step's title as far as SUBJECT_MAX allows."""
        head = " ".join(self.env.get_template("subject.txt.j2").render(values).split())
        if self.subject_prefix:
            head = f"{self.subject_prefix} {head}"
        title = values["context"].rule_title
        room = SUBJECT_MAX - len(head) - 3
        if room >= len(title):
            return f"{head} - {title}"
        if room >= 12:
            return f"{head} - {title[: room - 1].rstrip()}…"
        return head if len(head) <= SUBJECT_MAX else head[: SUBJECT_MAX - 1].rstrip() + "…"

    def message(self, notice: NotifyInput, *, rich: bool = True, audience: Audience = "owner") -> Message:
        """The notice's subject and plain text, and with `rich` its HTML e-mail body and Teams card (only a channel
        sends those: a notice to staff with no channel is kept in the outbox as its subject and text). `audience`:
        "owner" (the step's owner) or "copy" (anyone else, e.g. the SENCO's escalation copy)."""
        values = self.values(notice, audience)
        subject = self.subject(values)
        values["subject"] = subject
        values["heading"] = self.env.get_template("heading.txt.j2").render(values).strip()
        text = self.env.get_template("body.txt.j2").render(values).strip() + "\n"
        if not rich:
            return Message(subject=subject, text=text, html=None, card=None)
        html = self.env.get_template("body.html.j2").render(values).strip() + "\n"
        card = json.loads(self.env.get_template("teams_card.json.j2").render(values))
        return Message(subject=subject, text=text, html=html, card=card)

    def fallback_note(self, *, recipient_name: str, channels: str, error: str) -> str:
        return (
            self.env.get_template("fallback.txt.j2")
            .render(recipient_name=recipient_name, channels=channels, error=error)
            .strip()
            + "\n\n"
        )
