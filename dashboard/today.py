"""Today: what to do today and this week, in a SENCO's words; the landing page for the SENCO and staff.

Each open step the user may see is said as a sentence (statutory/actions.py) and sorted by what kind of step it is:
- "Overdue": the school's own duties past their due date, most overdue first;
- "This week": duties due, or aimed for, within the week (by the target date, the school's aim);
- "You can do now": earliest dates that have come (a re-assessment request the LA cannot refuse as too soon);
- "Waiting for others": the LA's deadlines (due on a date; late: chase them) and the parent's windows (open until
  they close); never the school's overdue work.
A duty further ahead is left to the Open steps page, and counted here. Each item links to the form that records it
(the change's own form where one completes that step, else "Record a step as done" with the step chosen), to the
user who may record it. Every step is of the user's school (a trust role: every school's, each item naming its school).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dashboard.access import CheckedRoute, reader
from dashboard.auth import User
from dashboard.commands import ACTIONS
from dashboard.context import PROCESS_LABELS, Web, get_web
from dashboard.render import render
from dashboard.scope import scope_of
from dashboard.views import BEFORE_MEETING, kind_of, plural, shows_schools, title_of
from statutory.actions import SENTENCES, StepKind, sentence
from statutory.clock import fmt
from store.queries import OpenStep, open_steps
from store.web_queries import process_facts

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
WEEK = 7  # "this week": due, or aimed for, within the next seven days


@dataclass(frozen=True)
class Item:
    """One step as Today says it."""

    sentence: str  # what to do, or what is awaited
    when: str  # its dates, in words
    state: str  # where it stands: "3 days overdue", "due today", "closes in 4 days" ...
    urgent: bool  # overdue, or (a look-out) the other body is late
    kind: StepKind
    case_ref: str
    title: str  # the rule's plain title (its id and citation are on the case page)
    basis: str
    owner_name: str
    process_label: str
    record_url: str | None  # the form that records it, for a user who may
    record_label: str | None
    school: str = ""  # its school's id and name, on a trust role's page ("": one school, named nowhere)
    school_name: str = ""


@dataclass(frozen=True)
class Today:
    today: date
    overdue: list[Item]
    this_week: list[Item]
    can_do: list[Item]
    waiting: list[Item]
    later: int  # open duties beyond this week (on the Open steps page)


def _record(user: User, step: OpenStep, kind: StepKind) -> tuple[str | None, str | None]:
    """The form that records the step done (or the other body's part in it), if the user may record it."""
    if not user.can_write or kind == "window":  # a window closes by itself
        return None, None
    if not user.is_senco and step.owner != user.staff_id:
        return None, None
    own = next(
        (a for a in ACTIONS.values() if a.rule == step.rule_id and step.process_kind in a.kinds),
        None,
    )
    if own is not None:
        return f"/processes/{step.workflow_id}/{own.name}", own.title
    label = "Record it as done" if kind in ("duty", "prompt") else "Record what the LA did"
    return f"/processes/{step.workflow_id}/step-done?{urlencode({'rule': step.rule_id})}", label


def short_notice_text(step: OpenStep, facts: dict[str, Any]) -> str | None:
    """A review's notice or advice step when short notice of the meeting was agreed: said as such. The law's two
    weeks could not be given, so the step counts as late, as the law counts it; it is still to be done at once."""
    if step.rule_id not in BEFORE_MEETING or not facts.get("short_notice") or not facts.get("meeting_on"):
        return None
    return f"Short notice was agreed for the meeting on {fmt(date.fromisoformat(facts['meeting_on']))}"


def _item(web: Web, user: User, step: OpenStep, today: date, facts: dict[str, Any] | None = None) -> Item:
    kind = kind_of(step.rule_id)
    days = step.days_left
    due, target = fmt(step.due), fmt(step.target)
    if kind == "duty":
        when = f"due {due}" + (f", aim for {target}" if step.target != step.due else "")
        state = (
            f"{plural(-days, 'day')} overdue"
            if days < 0
            else "due today"
            if days == 0
            else f"{plural(days, 'day')} left"
        )
    elif kind == "chase":
        la = step.la
        when = f"{la} is due to act by {due}"
        state = (
            f"{la} is {plural(-days, 'day')} late: chase them"
            if days < 0
            else (f"due today from {la}" if days == 0 else f"{plural(days, 'day')} left for {la}")
        )
    elif kind == "window":
        when = f"open until {due}"
        state = "closes today" if days == 0 else f"closes in {plural(days, 'day')}" if days > 0 else "closed"
    else:  # an earliest date
        when = f"from {target}"
        state = "you can do it now" if step.target <= today else f"from {plural((step.target - today).days, 'day')}"
    if (short := short_notice_text(step, facts or {})) is not None:
        state = f"{state}: {short[0].lower()}{short[1:]}, so the law's two weeks could not be given; do it now"
    url, label = _record(user, step, kind)
    return Item(
        sentence=sentence(step.rule_id, step.case_ref, step.la)
        if step.rule_id in SENTENCES
        else title_of(step.rule_id),
        when=when,
        state=state,
        urgent=days < 0 and kind in ("duty", "chase"),
        kind=kind,
        case_ref=step.case_ref,
        title=title_of(step.rule_id),
        basis=step.basis,
        owner_name=web.staff_name(step.owner, step.school),
        process_label=PROCESS_LABELS.get(step.process_kind, step.process_kind),
        record_url=url,
        record_label=label,
        school=step.school if shows_schools(web, user) else "",
        school_name=web.school_name(step.school) if shows_schools(web, user) else "",
    )


def today_for(web: Web, user: User) -> Today:
    today = web.clock.today()
    week_end = today + timedelta(days=WEEK)
    with web.sessionmaker() as session:
        scope = scope_of(user)
        steps = open_steps(session, today, owner=scope.owner, school=scope.school)
        facts = process_facts(session, (s.workflow_id for s in steps if s.rule_id in BEFORE_MEETING))
    overdue, this_week, can_do, waiting, later = [], [], [], [], 0
    for step in steps:
        kind = kind_of(step.rule_id)
        if kind in ("chase", "window"):
            waiting.append((step.due, _item(web, user, step, today)))
        elif kind == "prompt":
            if step.target <= week_end:
                can_do.append((step.target, _item(web, user, step, today)))
            else:
                later += 1
        elif step.overdue:
            overdue.append((step.due, _item(web, user, step, today, facts.get(step.workflow_id))))
        elif step.target <= week_end or step.due <= week_end:
            this_week.append((min(step.target, step.due), _item(web, user, step, today, facts.get(step.workflow_id))))
        else:
            later += 1
    return Today(
        today=today,
        overdue=[i for _, i in sorted(overdue, key=lambda p: p[0])],
        this_week=[i for _, i in sorted(this_week, key=lambda p: p[0])],
        can_do=[i for _, i in sorted(can_do, key=lambda p: p[0])],
        waiting=[i for _, i in sorted(waiting, key=lambda p: p[0])],
        later=later,
    )


@router.get("/today", response_class=HTMLResponse)
def today_page(request: Request, web: Web = Depends(get_web), user: User = Depends(reader)) -> HTMLResponse:
    return render(request, "today.html", {"day": today_for(web, user), "fmt": fmt})
