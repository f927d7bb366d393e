"""Read-side queries by school term: the steps falling due in a term (the This term page), the register's size by
code, and the termly review figures (SEN support and PEP reviews held, with the parents, missed) for compliance.

A term's steps are those due from the day after the term before it ended to the term's own last day: a date in the
holidays belongs to the term after them, as statutory/terms.py's SchoolTerms.term_of says, so every step falls in
exactly one term and none is lost between two. Each query is bounded by those dates (the step table's index on
status and due date), never every step of all time. Each takes `school` (issue 25): one school's processes only
(Process.school), None every school's. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, distinct, exists, func, literal, select
from sqlalchemy.orm import Session

from statutory.terms import SchoolTerms, Term, school_year_bounds, school_year_of
from store.models import Event, Process, Step

OPEN, COMPLETED, CANCELLED, WITHDRAWN = "open", "completed", "cancelled", "withdrawn"
# A process still tracked: open, or stopped outside sendclock (store/reconcile.py), whose steps still count.
TRACKED = ("open", "stopped")

# The register's codes, by the process kind that tracks each (workflows/registry.py): a pupil on SEN support (K), a
# pupil with an EHC plan (E, its annual reviews), a looked-after pupil (the PEP reviews).
SEN_SUPPORT, ANNUAL_REVIEW, PEP = "sen-support", "annual-review", "pep-review"
REGISTER_KINDS = (SEN_SUPPORT, ANNUAL_REVIEW, PEP)
# The termly reviews the compliance page counts per term (statutory/rules.py, "School commitments").
SEN_SUPPORT_REVIEW, PEP_REVIEW = "sen-support-review", "pep-review"
TERMLY_RULES = (SEN_SUPPORT_REVIEW, PEP_REVIEW)


# --- terms as spans of due dates --------------------------------------------------------------------------------


def previous_term(terms: SchoolTerms, term: Term) -> Term:
    """The term before `term` (the last of the school year before, before the first)."""
    earlier = [t for t in terms.of_year(term.school_year) if t.start < term.start]
    if earlier:
        return earlier[-1]
    first_day, _ = school_year_bounds(term.school_year)
    return terms.of_year(school_year_of(first_day - timedelta(days=1)))[-1]


def term_span(terms: SchoolTerms, term: Term) -> tuple[date, date]:
    """The due dates counted with `term`: from the day after the term before it ended, to its own last day."""
    return previous_term(terms, term).end + timedelta(days=1), term.end


# --- the steps of a term ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermStep:
    """One step due in a term, open or done, with what the page needs of its process. No personal data."""

    workflow_id: str
    process_kind: str
    case_ref: str
    la: str
    rule_id: str
    due: date
    target: date
    owner: str
    status: str  # open | completed
    completed_on: date | None
    on_time: bool | None
    days_late: int | None
    exempt: bool
    stopped: bool  # its process was stopped outside sendclock: the step counts, no reminders go
    school: str = "default"  # its process's school (Process.school)


def _in_span(first: date, last: date, statuses: tuple[str, ...], owner: str | None) -> list[ColumnElement[bool]]:
    """The steps with one of `statuses` due from `first` to `last`, and `owner`'s only when given."""
    found = [Step.status.in_(statuses), Step.due >= first, Step.due <= last]
    return found if owner is None else [*found, Step.owner == owner]


def _of_school(school: str | None) -> list[ColumnElement[bool]]:
    """One school's processes (the query joins Process), or none to add for every school."""
    return [] if school is None else [Process.school == school]


def term_steps(
    session: Session, first: date, last: date, *, owner: str | None = None, school: str | None = None
) -> list[TermStep]:
    """The open and completed steps due from `first` to `last` (inclusive), by due date, case reference and step;
    `owner` (a staff id): only theirs; `school`: that school's. Withdrawn and cancelled steps are no longer due: see
    set_aside."""
    query = (
        select(
            Process.workflow_id,
            Process.kind,
            Process.case_ref,
            Process.la,
            Step.rule_id,
            Step.due,
            Step.target,
            Step.owner,
            Step.status,
            Step.completed_on,
            Step.on_time,
            Step.days_late,
            Step.exempt,
            Process.status,
            Process.school,
        )
        .join(Process, Process.workflow_id == Step.process_id)
        .where(*_in_span(first, last, (OPEN, COMPLETED), owner), *_of_school(school))
        .order_by(Step.due, Process.case_ref, Step.id)
    )
    rows: Iterable[Any] = session.execute(query)
    # *row[:-2] fills TermStep's fields up to exempt, in order (mypy cannot count a slice), then the process status
    # and school.
    return [TermStep(*row[:-2], stopped=row[-2] == "stopped", school=row[-1]) for row in rows]  # type: ignore[misc]


def set_aside(session: Session, first: date, last: date, *, owner: str | None = None, school: str | None = None) -> int:
    """How many steps due from `first` to `last` were withdrawn or cancelled (no longer needed)."""
    query = select(func.count(Step.id)).where(*_in_span(first, last, (WITHDRAWN, CANCELLED), owner))
    if school is not None:
        query = query.join(Process, Process.workflow_id == Step.process_id).where(Process.school == school)
    return int(session.scalar(query) or 0)


def register_size(session: Session, *, owner: str | None = None, school: str | None = None) -> dict[str, int]:
    """The register's size by code: how many pupils (case references) have an open process of each kind in
    REGISTER_KINDS, counted in the database; `owner` (a staff id): only the pupils with a step of theirs; `school`:
    that school's pupils (two schools' same reference: two pupils)."""
    # A pupil is a case reference at a school: the same reference at two schools is two pupils.
    pupil = Process.case_ref if school is not None else Process.school + literal("~") + Process.case_ref
    query = (
        select(Process.kind, func.count(distinct(pupil)))
        .where(Process.kind.in_(REGISTER_KINDS), Process.status.in_(TRACKED), *_of_school(school))
        .group_by(Process.kind)
    )
    if owner is not None:
        query = query.where(exists().where(Step.process_id == Process.workflow_id, Step.owner == owner))
    found = {kind: int(n) for kind, n in session.execute(query)}
    return {kind: found.get(kind, 0) for kind in REGISTER_KINDS}


# --- termly review figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermlyReviews:
    """One kind of termly review (`rule_id`) in one term, or a school year (`term` None): how many fell due and what
    became of them. `due` = held + missed + to_come; a review withdrawn, or cancelled on or before its due date (the
    pupil left, the process ended before it was due), was not due and is not counted."""

    rule_id: str
    term: Term | None
    held: int = 0  # recorded as held (completed), on time or late
    held_on_time: int = 0
    with_parents: int = 0  # held, the parents taking part (the completion's `with_parents`)
    missed: int = 0  # open past its due date, or cancelled after it
    to_come: int = 0  # open, its due date not passed

    @property
    def due(self) -> int:
        return self.held + self.missed + self.to_come

    def plus(self, other: TermlyReviews) -> TermlyReviews:
        return TermlyReviews(
            rule_id=self.rule_id,
            term=self.term,
            held=self.held + other.held,
            held_on_time=self.held_on_time + other.held_on_time,
            with_parents=self.with_parents + other.with_parents,
            missed=self.missed + other.missed,
            to_come=self.to_come + other.to_come,
        )


def _event_key(suffix: str) -> ColumnElement[str]:
    """The key of a step's event in SQL (workflows/step.py: "{workflow_id}/{rule_id}[#n]/{suffix}")."""
    return (
        Step.process_id
        + literal("/")
        + Step.rule_id
        + case((Step.instance == 1, literal("")), else_=literal("#") + cast(Step.instance, String))
        + literal(f"/{suffix}")
    )


_HELD = Event.__table__.alias("held")
_CANCELLED = Event.__table__.alias("cancelled")


def termly_reviews(
    session: Session,
    terms: SchoolTerms,
    school_year: str,
    today: date,
    rules: Iterable[str] = TERMLY_RULES,
    *,
    school: str | None = None,
) -> list[TermlyReviews]:
    """Each rule's termly reviews in each term of `school_year` ("2026-27"), in term order, rule by rule within a
    term (of one `school`'s processes, by its terms, when given). The database groups the reviews by rule, due date
    and outcome (a term's reviews share one or two due dates, so a handful of rows); each due date is then put in its
    term."""
    year_terms = terms.of_year(school_year)
    spans = [(t, *term_span(terms, t)) for t in year_terms]
    rules = tuple(rules)
    with_parents = _HELD.c.data["with_parents"].as_boolean()
    cancelled_on = _CANCELLED.c.data["cancelled_on"].as_string()
    query = (
        select(Step.rule_id, Step.due, Step.status, Step.on_time, with_parents, cancelled_on, func.count(Step.id))
        .outerjoin(_HELD, and_(Step.status == COMPLETED, _HELD.c.key == _event_key("completed")))
        .outerjoin(_CANCELLED, and_(Step.status == CANCELLED, _CANCELLED.c.key == _event_key("cancelled")))
        .where(
            Step.rule_id.in_(rules),
            Step.status.in_((OPEN, COMPLETED, CANCELLED)),
            Step.due >= spans[0][1],
            Step.due <= spans[-1][2],
        )
        .group_by(Step.rule_id, Step.due, Step.status, Step.on_time, with_parents, cancelled_on)
    )
    if school is not None:
        query = query.join(Process, Process.workflow_id == Step.process_id).where(Process.school == school)
    figures = {(rule, t.start): TermlyReviews(rule_id=rule, term=t) for t in year_terms for rule in rules}
    for rule_id, due, status, on_time, parents, cancelled, n in session.execute(query):
        term = next(t for t, first, last in spans if first <= due <= last)
        if status == COMPLETED:
            found = TermlyReviews(
                rule_id, term, held=n, held_on_time=n if on_time else 0, with_parents=n if parents else 0
            )
        elif status == OPEN:
            found = TermlyReviews(rule_id, term, missed=n) if due < today else TermlyReviews(rule_id, term, to_come=n)
        elif _after(cancelled, due):
            found = TermlyReviews(rule_id, term, missed=n)
        else:
            continue
        key = (rule_id, term.start)
        figures[key] = figures[key].plus(found)
    return [figures[(rule, t.start)] for t in year_terms for rule in rules]


def _after(day: str | None, due: date) -> bool:
    """Whether a cancellation's date given (ISO text from its event) is after the due date: the review was missed
    before it was cancelled. No date recorded: not counted."""
    try:
        return day is not None and date.fromisoformat(day) > due
    except ValueError:
        return False


def year_totals(figures: Iterable[TermlyReviews]) -> dict[str, TermlyReviews]:
    """The school year's figures per rule: its terms' added up."""
    totals: dict[str, TermlyReviews] = {}
    for f in figures:
        totals[f.rule_id] = totals.get(f.rule_id, TermlyReviews(f.rule_id, None)).plus(f)  # keeps term None
    return totals
