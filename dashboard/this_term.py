"""This term: everything falling due in a school term, for the whole school or one member of staff, week by week.

SEN support reviews, PEP reviews, annual reviews (with the other EHC steps) and the school's own duties side by side:
each step by its plain title, its case, owner, due date and where it stands in words (done on time, done late,
overdue, due; the LA's dates and the parent's windows said as what they are, never the school's overdue work). At the
top: how many are done, due and overdue, the same per kind, and the register's size (pupils on SEN support, with an
EHC plan, looked after).

The term is the school's (settings calendar.terms; config/school_calendar.py), or the England pattern for a school
year with none set, which the page says. A term's steps are those due from the day after the term before it ended
to its last day (store/term_queries.py): a step due in the holidays is the next term's.

Who sees what (dashboard/scope.py): a staff account its own steps, always; the SENCO, leadership and auditors every
step, or one member of staff's (?staff=ID), of their school. `?term=` picks another term: `next`, `previous`, or a
date in it. A trust role (several schools, issue 25) sees every school's steps by the trust's calendar, each with its
school, or one school's by that school's terms (?school=ID), and then one member of its staff.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from config.school_calendar import school_calendar
from dashboard.access import CheckedRoute, reader
from dashboard.auth import User
from dashboard.context import PROCESS_LABELS, Web, get_web
from dashboard.render import render
from dashboard.scope import NOBODY, scope_of
from dashboard.views import kind_of, plural, school_choices, shows_schools, title_of
from statutory.actions import StepKind
from statutory.clock import fmt
from statutory.terms import SchoolTerms, Term
from store.term_queries import (
    ANNUAL_REVIEW,
    PEP,
    SEN_SUPPORT,
    TermStep,
    previous_term,
    register_size,
    set_aside,
    term_span,
    term_steps,
)

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)

# Where a step stands: done (on time, late, or a step that is never late), the school's own duty overdue, the LA
# late on its own date, or due (not yet past its date; an earliest date, a window still open).
Status = Literal["done-on-time", "done-late", "done", "overdue", "la-late", "due"]
# The kinds of process side by side, in the page's order; any other process kind is an EHC one.
GROUPS = {
    SEN_SUPPORT: "SEN support reviews",
    PEP: "PEP reviews",
    ANNUAL_REVIEW: "Annual reviews",
    "ehc": "Other EHC steps",
    "school-duty": "School duties",
}
# The register's size, by code, in the SENCO's words.
REGISTER = {
    SEN_SUPPORT: "On SEN support (K)",
    ANNUAL_REVIEW: "With an EHC plan (E)",
    PEP: "Looked after (PEP reviews)",
}
SCHOOL_DUTY = "school-duty"
# A step's kind of process, where the registry's label names the series ("SEN support reviews") rather than it.
ROW_KINDS = {SEN_SUPPORT: "SEN support", PEP: "PEP", SCHOOL_DUTY: "School duty"}


def group_of(process_kind: str) -> str:
    return process_kind if process_kind in GROUPS else "ehc"


@dataclass(frozen=True)
class Row:
    """One step as the page shows it."""

    step: TermStep
    title: str  # the rule's plain title
    kind: StepKind
    status: Status
    state: str  # the status in words, with its date or days
    owner_name: str
    process_label: str
    group: str  # a key of GROUPS
    case_text: str  # the case reference; "Whole school" for a school duty (whose reference is its rule id)

    @property
    def overdue(self) -> bool:
        return self.status in ("overdue", "la-late")


@dataclass(frozen=True)
class Week:
    monday: date
    rows: list[Row]
    this_week: bool
    before_term: bool  # in the holiday before the term (its steps count with the term)


@dataclass(frozen=True)
class Counts:
    done: int = 0
    on_time: int = 0
    due: int = 0
    overdue: int = 0
    la_late: int = 0

    @property
    def total(self) -> int:
        return self.done + self.due + self.overdue + self.la_late


def count(rows: list[Row]) -> Counts:
    by = Counter(r.status for r in rows)
    return Counts(
        done=by["done-on-time"] + by["done-late"] + by["done"],
        on_time=by["done-on-time"],
        due=by["due"],
        overdue=by["overdue"],
        la_late=by["la-late"],
    )


@dataclass(frozen=True)
class TermPage:
    term: Term
    span: tuple[date, date]  # the due dates counted with the term
    last_school_day: date
    today: date
    current: bool  # the term today falls in (or, in a holiday, the one after it)
    previous: Term
    next: Term
    everything: bool  # the user sees every step (and may pick a member of staff)
    staff: str  # the member of staff shown ("" : the whole school)
    staff_name: str
    staff_options: list[tuple[str, str]]
    weeks: list[Week]
    counts: Counts
    by_group: list[tuple[str, Counts]]  # (label, counts), each kind with a step this term
    register: list[tuple[str, str, int]]  # (kind, label, pupils)
    set_aside: int  # withdrawn or cancelled: no longer due
    show_schools: bool = False  # a trust role's page: each step's school, and a choice of school
    school: str = ""  # the school a trust role chose ("": every school)
    school_options: list[tuple[str, str]] = field(default_factory=list)

    def link(self, term: Term | None = None) -> str:
        """This page for `term` (None: the current term), keeping the school and the member of staff shown."""
        query = {"term": term.start.isoformat()} if term is not None else {}
        if self.school and self.show_schools:
            query["school"] = self.school
        if self.staff and self.everything:
            query["staff"] = self.staff
        return "/this-term" + (f"?{urlencode(query)}" if query else "")


def status_of(step: TermStep, kind: StepKind, today: date) -> tuple[Status, str]:
    """Where a step stands, and that in words."""
    if step.status == "completed":
        done = f"on {fmt(step.completed_on)}" if step.completed_on else ""
        if kind in ("prompt", "window") or step.on_time is None:  # never late: done, or closed
            return "done", f"Done {done}".strip()
        if step.on_time:
            return "done-on-time", f"Done on time, {done}" if done else "Done on time"
        late = f" ({plural(step.days_late, 'day')})" if step.days_late else ""
        return "done-late", f"Done late{late}" + (f", {done}" if done else "")
    days = (step.due - today).days
    if kind == "window":  # the parent's period: it closes by itself
        if days < 0:
            return "done", "Closed"
        return "due", "Closes today" if days == 0 else f"Open until {fmt(step.due)}"
    if kind == "prompt":  # an earliest date: never late
        return "due", "Can be done now" if days <= 0 else f"From {fmt(step.due)}"
    if kind == "chase":  # the LA's own date
        if days < 0:
            return "la-late", f"The LA is {plural(-days, 'day')} late"
        return "due", "Due from the LA today" if days == 0 else f"Due from the LA in {plural(days, 'day')}"
    if days < 0:
        return "overdue", f"Overdue by {plural(-days, 'day')}"
    return "due", "Due today" if days == 0 else f"Due in {plural(days, 'day')}"


def row_of(web: Web, step: TermStep, today: date) -> Row:
    kind = kind_of(step.rule_id)
    status, state = status_of(step, kind, today)
    return Row(
        step=step,
        title=title_of(step.rule_id),
        kind=kind,
        status=status,
        state=state,
        owner_name=web.staff_name(step.owner, step.school),
        process_label=ROW_KINDS.get(step.process_kind) or PROCESS_LABELS.get(step.process_kind, step.process_kind),
        group=group_of(step.process_kind),
        case_text="Whole school" if step.process_kind == SCHOOL_DUTY else step.case_ref,
    )


def chosen_term(terms: SchoolTerms, today: date, wanted: str) -> Term:
    """The term asked for: "" (or "current") the one today falls in, "next", "previous", or the term a date is in
    (a day in the holidays: the term after them)."""
    current = terms.term_of(today)
    if wanted in ("", "current"):
        return current
    if wanted == "next":
        return terms.next_term(current)
    if wanted == "previous":
        return previous_term(terms, current)
    try:
        day = date.fromisoformat(wanted)
    except ValueError:
        raise HTTPException(status_code=422, detail="term: next, previous or a date (YYYY-MM-DD)") from None
    if not date(2014, 9, 1) <= day <= date(2100, 8, 31):
        raise HTTPException(status_code=422, detail="term: a date from 2014-09-01 to 2100-08-31")
    return terms.term_of(day)


def weeks_of(rows: list[Row], today: date, term: Term) -> list[Week]:
    """The rows by week (Monday to Sunday), in order; a week with no step is left out."""
    by_monday: dict[date, list[Row]] = {}
    for row in rows:  # already by due date
        by_monday.setdefault(row.step.due - timedelta(days=row.step.due.weekday()), []).append(row)
    this_monday = today - timedelta(days=today.weekday())
    return [
        Week(monday=m, rows=rs, this_week=m == this_monday, before_term=m + timedelta(days=6) < term.start)
        for m, rs in sorted(by_monday.items())
    ]


def term_page(web: Web, user: User, term_wanted: str, staff_wanted: str) -> TermPage:
    today = web.clock.today()
    calendar = school_calendar(web.settings)
    terms = calendar.terms
    term = chosen_term(terms, today, term_wanted)
    first, last = term_span(terms, term)
    scope = scope_of(user)
    trust = shows_schools(web, user)
    # Staff ids are each school's own: a trust role picks a member of staff once it has picked the school.
    whole_trust = trust and scope.school is None
    # Staff: their own, whatever was asked. Everyone else: the school, or the member of staff picked.
    staff = (staff_wanted or "") if scope.everything and not whole_trust else (user.staff_id or "")
    owner = scope.owner if not scope.everything else (staff or None)
    if owner == NOBODY:  # a staff account with no staff id owns nothing (and PostgreSQL refuses the NUL in NOBODY)
        steps, aside, register = [], 0, dict.fromkeys(REGISTER, 0)
    else:
        with web.sessionmaker() as session:
            steps = term_steps(session, first, last, owner=owner, school=scope.school)
            aside = set_aside(session, first, last, owner=owner, school=scope.school)
            register = register_size(session, owner=owner, school=scope.school)
    rows = [row_of(web, s, today) for s in steps]
    groups = {g: [r for r in rows if r.group == g] for g in GROUPS}
    options = sorted(((sid, m.name) for sid, m in web.settings.staff.items()), key=lambda o: o[1].lower())
    if whole_trust:
        options = []
    if staff and staff not in {sid for sid, _ in options}:
        options.append((staff, staff))
    return TermPage(
        term=term,
        span=(first, last),
        last_school_day=calendar.last_school_day(term),
        today=today,
        current=term == terms.term_of(today),
        previous=previous_term(terms, term),
        next=terms.next_term(term),
        everything=scope.everything,
        staff=staff,
        staff_name=web.staff_name(staff),
        staff_options=options,
        weeks=weeks_of(rows, today, term),
        counts=count(rows),
        by_group=[(GROUPS[g], count(rs)) for g, rs in groups.items() if rs],
        register=[(kind, label, register[kind]) for kind, label in REGISTER.items()],
        set_aside=aside,
        show_schools=trust,
        school=(scope.school or "") if trust else "",
        school_options=school_choices(web) if trust else [],
    )


@router.get("/this-term", response_class=HTMLResponse)
def this_term(
    request: Request,
    term: str = Query("", max_length=10, pattern=r"^(|current|next|previous|\d{4}-\d{2}-\d{2})$"),
    staff: str = Query("", max_length=32, pattern=r"^(|[a-z0-9][a-z0-9_-]{0,31})$"),
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> HTMLResponse:
    return render(request, "this_term.html", {"page": term_page(web, user, term, staff), "title": "This term"})
