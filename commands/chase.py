"""Chasing the LA (issue 25): the letter about one of its deadlines that has passed, drafted from the school's
templates (config/templates/chase_*.txt.j2), read and confirmed by the SENCO, then sent by the process
(workflows/chase.py) to the LA's SEN team mailbox (las.<name>.mailbox), with a follow-up step N school working days
later (las.<name>.chase_follow_up_working_days).

`draft` is what the page and `GET /api/processes/{id}/chase/{rule}` show; `prepare` checks a confirmed letter (the
SENCO's words, or the draft's when none are given) and returns the change to send. The letter goes only to the
LA's configured mailbox: never to an address typed in a form.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from commands import checks
from commands.base import Actor, Change, Command, Context
from commands.errors import INVALID, NOT_FOUND, NOT_OPEN
from config.school_calendar import school_calendar
from config.settings import Settings
from statutory.clock import fmt
from statutory.conventions import compute_due
from statutory.rules import Holder, get_rule
from workflows.models.common import RuleId

TEMPLATES = Path(__file__).resolve().parent.parent / "config" / "templates"
FOLLOW_UP = "la-chase-follow-up"  # workflows/chase.py
# The draft's line for the LA's own reference: sendclock knows no names, and a letter the LA cannot match to a child
# is no chase. The SENCO replaces it (or removes the line) before sending; a letter that still has it is refused.
YOUR_REFERENCE = "[add the LA's reference for this child]"


class ChaseIn(Command):
    """A chase letter confirmed: the LA step it chases and, when the SENCO reworded it, the subject and text (left
    out: the draft's)."""

    rule_id: RuleId
    subject: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class ChaseDraft:
    """A chase letter ready to read: where it goes and what it says, and the facts it is built on."""

    rule_id: str
    title: str
    la: str
    to: str | None  # the LA's SEN team mailbox; None: the SENCO sends it from their own
    portal_url: str | None
    subject: str
    body: str
    due: date
    days_overdue: int
    reply_by: date
    follow_up_working_days: int
    chased_before: date | None


def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(loader=FileSystemLoader(templates), undefined=StrictUndefined, autoescape=False)
    env.filters["day"] = lambda d: fmt(d) if isinstance(d, date) else ""
    env.filters["days"] = lambda n: f"{int(n)} day{'' if int(n) == 1 else 's'}"
    return env


def follow_up_days(settings: Settings, la: str) -> int:
    """How many school working days the LA has to answer a chase: its profile's, else the rule book's default."""
    practice = settings.la_practice(la)
    if practice is not None:
        return practice.chase_follow_up_working_days
    amount = get_rule(FOLLOW_UP).amount
    assert amount is not None
    return amount


def chaseable_steps(steps: Sequence[Any], today: date) -> list[Any]:
    """The open LA deadlines (store.models.Step rows) whose statutory date has passed: what may be chased today."""
    return [s for s in steps if s.status == "open" and s.due < today and _held_by_la(s.rule_id, s.anchor)]


def _held_by_la(rule_id: str, on: date) -> bool:
    try:
        return get_rule(rule_id, on=on).holder is Holder.LA
    except ValueError:  # a rule no longer in the rule book (a row from an older sendclock): never chased
        return False


def draft(settings: Settings, process: Any, steps: Sequence[Any], rule_id: str, today: date) -> ChaseDraft:
    """The chase letter for the open LA step `rule_id` of `process` (store rows), as of `today`; refused (with the
    field and the reason) when there is no such step or its date has not passed."""
    step = next((s for s in steps if s.rule_id == rule_id and s.status == "open"), None)
    if step is None:
        checks.refuse("rule_id", f"this case has no open step {rule_id!r} to chase", NOT_FOUND, status=404)
    rule = get_rule(step.rule_id, on=step.anchor)
    if rule.holder is not Holder.LA:
        checks.refuse("rule_id", f"{rule.title} is not the LA's own deadline: only an LA deadline is chased", NOT_OPEN)
    if step.due >= today:
        checks.refuse(
            "rule_id",
            f"The LA has until {fmt(step.due)} for {_lower(rule.title)}: chase it after that date",
            NOT_OPEN,
        )
    practice = settings.la_practice(process.la)
    n = follow_up_days(settings, process.la)
    reply_by = compute_due(get_rule(FOLLOW_UP), today, calendar=school_calendar(settings), working_days=n)
    earlier = [
        date.fromisoformat(c["sent_on"])
        for c in (process.facts or {}).get("la_chases", [])
        if c["rule_id"] == rule_id and c.get("status") != "failed"
    ]
    senco = settings.staff.get(settings.reminders.escalate_to)
    words = {
        "la": process.la,
        "case_ref": process.case_ref,
        "your_reference": YOUR_REFERENCE,
        "title_lower": _lower(rule.title),
        "summary": rule.summary,
        "basis": rule.basis,
        "anchor_text": rule.anchor[0].lower() + rule.anchor[1:],
        "anchor": step.anchor,
        "due": step.due,
        "today": today,
        "days_overdue": (today - step.due).days,
        "reply_by": reply_by,
        "chased_before": max(earlier) if earlier else None,
        "senco_name": senco.name if senco else "The SENCO",
        "school_name": settings.school_name,
        "reply_to": settings.notifications.reply_to or (senco.email if senco and senco.email else None),
    }
    env = environment()
    return ChaseDraft(
        rule_id=rule_id,
        title=rule.title,
        la=process.la,
        to=str(practice.mailbox) if practice is not None and practice.mailbox else None,
        portal_url=str(practice.portal_url) if practice is not None and practice.portal_url else None,
        subject=" ".join(env.get_template("chase_subject.txt.j2").render(words).split()),
        body=env.get_template("chase_letter.txt.j2").render(words).strip() + "\n",
        due=step.due,
        days_overdue=(today - step.due).days,
        reply_by=reply_by,
        follow_up_working_days=n,
        chased_before=max(earlier) if earlier else None,
    )


def prepare(
    ctx: Context,
    cmd: ChaseIn,
    actor: Actor,
    *,
    process: Any,
    steps: Sequence[Any],
    open_rules: Collection[str] | None = None,
) -> Change:
    """A confirmed chase letter: the draft's words unless the SENCO gave their own, checked before it goes."""
    import starter.processes
    from workflows.models import LaChase

    checks.known_rule(cmd.rule_id, open_rules)
    letter = draft(ctx.settings, process, steps, cmd.rule_id, ctx.today())
    body = cmd.body if cmd.body is not None else letter.body
    if YOUR_REFERENCE in body:
        checks.refuse(
            "body",
            f"replace {YOUR_REFERENCE} with the LA's reference for this child (or remove that line) so the LA can "
            "tell which child the letter is about",
            INVALID,
        )
    chase = checks.build(
        LaChase,
        None,
        rule_id=cmd.rule_id,
        to=letter.to,
        subject=cmd.subject if cmd.subject is not None else letter.subject,
        body=body,
        by=actor.by,
        recorded_by=actor.recorded_by,
    )
    checks.staff(ctx.settings, by=actor.by)
    return Change(chase, lambda *a: starter.processes.chase_la(*a))


def _lower(title: str) -> str:
    return title[0].lower() + title[1:] if title[:2] != "LA" else title
