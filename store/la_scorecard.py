"""The LA scorecard: how each local authority meets its own deadlines, per rule and per school year, with and without
exemptions. The evidence a SENCO brings when escalating to the LA (issue 25).

What counts: the steps of a rule whose duty-holder is the LA alone (statutory/rules.py, `Holder.LA`: its decision to
assess, the final plan, its decision after a review, an amended plan, ...), read from the rule book, never listed by
hand. The annual review itself ("LA with the school") is the school's and the LA's together: the compliance page
counts it, in two parts; this scorecard does not. Processes with no LA (SEN support, PEP reviews and the school's
duties: LA "none") are left out.

A step counts in the school year its statutory due date falls in (1 September to 31 August, statutory/terms.py), as
it stands today:
- *answered on time*: completed on or before its due date;
- *answered late*: completed after it, by `days_late` days (calendar days after the due date);
- *overdue, no answer yet*: still open after its due date, overdue by today minus the due date so far;
- *not yet due*: still open, its due date today or later;
- withdrawn and cancelled steps are not counted at all.
Days late (median and worst) are given apart for answers that came late and for the steps still waiting past their
date, and for both together: an LA that never answers would otherwise look better than one that answers late.
Each figure is kept twice, for steps with and without an exemption recorded (reg 5(4)/13(3) and the like: the time
limit did not bind the LA); the page shows them all together and excluding exemptions.

The database does the counting (GROUP BY LA, school year, rule and exemption): the counts in one query, and the
days late as a histogram (how many steps were late by each number of days), from which the medians come, since a
median is not written the same way in SQLite and PostgreSQL. Nothing here loads a step's row. Nothing here writes.

Each query takes `school` (issue 25): one school's processes only (Process.school), None every school's (a trust's
view, or a single-school deployment).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from statutory.rules import Holder, get_rule, rule_ids
from statutory.terms import school_year_bounds
from store.compliance_sql import step_schools
from store.models import Process, Step
from store.skip_scan import distinct_values

# The LA's own deadlines, in rule book order (statutory/rules.py): every rule whose duty-holder is the LA alone.
LA_RULES: tuple[str, ...] = tuple(r for r in rule_ids() if get_rule(r).holder is Holder.LA)
# The LA of a process that has none (workflows.models.NO_LA: SEN support, PEP reviews, the school's duties). The
# store may not import workflows/, so the word is repeated here; tests/store/test_la_scorecard.py holds them equal.
NO_LA = "none"
OPEN, COMPLETED = "open", "completed"


def school_year_label(start: int) -> str:
    """2026 -> "2026-27", as statutory/terms.py writes a school year."""
    return f"{start}-{(start + 1) % 100:02d}"


# --- figures ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Days:
    """How many steps were late by how many days: a histogram, ((days, how many), ...) sorted by days."""

    counts: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, counter: Counter[int]) -> Days:
        return cls(tuple(sorted((d, n) for d, n in counter.items() if n)))

    def plus(self, other: Days) -> Days:
        return Days.of(Counter(dict(self.counts)) + Counter(dict(other.counts)))

    @property
    def n(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def worst(self) -> int | None:
        return self.counts[-1][0] if self.counts else None

    @property
    def median(self) -> float | None:
        """The middle value (the mean of the two middle ones for an even number), as statistics.median gives it."""
        total = self.n
        if not total:
            return None
        return (self._nth(total // 2 - (total % 2 == 0)) + self._nth(total // 2)) / 2

    def _nth(self, index: int) -> int:
        """The index-th value (from 0) in order."""
        seen = 0
        for days, n in self.counts:
            seen += n
            if index < seen:
                return days
        raise IndexError(index)


@dataclass(frozen=True)
class Figures:
    """One group of steps: how the LA met their deadlines (see the module docstring)."""

    on_time: int = 0  # answered on or before the due date
    late: int = 0  # answered after it
    overdue: int = 0  # no answer yet, the due date passed
    not_yet_due: int = 0  # no answer yet, the due date not passed
    late_days: Days = field(default_factory=Days)  # answered late: by how many days (days_late)
    overdue_days: Days = field(default_factory=Days)  # no answer yet: how many days overdue so far, as of today

    def plus(self, other: Figures) -> Figures:
        return Figures(
            on_time=self.on_time + other.on_time,
            late=self.late + other.late,
            overdue=self.overdue + other.overdue,
            not_yet_due=self.not_yet_due + other.not_yet_due,
            late_days=self.late_days.plus(other.late_days),
            overdue_days=self.overdue_days.plus(other.overdue_days),
        )

    @property
    def answered(self) -> int:
        return self.on_time + self.late

    @property
    def due_by_today(self) -> int:
        """The deadlines that have come: answered (on time or late) or overdue."""
        return self.on_time + self.late + self.overdue

    @property
    def total(self) -> int:
        return self.due_by_today + self.not_yet_due

    @property
    def percent_on_time(self) -> float | None:
        """Answered on time, of the deadlines that have come (an overdue one counts as not on time)."""
        return 100 * self.on_time / self.due_by_today if self.due_by_today else None

    @property
    def all_late_days(self) -> Days:
        """Answered late and overdue so far, together."""
        return self.late_days.plus(self.overdue_days)


@dataclass(frozen=True)
class Line:
    """One LA's steps of one rule in one school year (`rule_id` None: all its deadlines that year), those without an
    exemption and those with one apart."""

    rule_id: str | None
    plain: Figures = field(default_factory=Figures)  # no exemption recorded
    exempt: Figures = field(default_factory=Figures)  # an exemption recorded

    @property
    def all(self) -> Figures:
        return self.plain.plus(self.exempt)

    @property
    def excluding_exemptions(self) -> Figures:
        return self.plain

    @property
    def exempted(self) -> int:
        """How many steps had an exemption recorded (all of them: answered, overdue and not yet due)."""
        return self.exempt.total

    def plus(self, other: Line) -> Line:
        return Line(self.rule_id, self.plain.plus(other.plain), self.exempt.plus(other.exempt))


@dataclass(frozen=True)
class YearCard:
    """One LA in one school year: a line per rule with steps (rule book order), and the year's total."""

    school_year: str  # "2026-27"
    rules: tuple[Line, ...]

    @property
    def total(self) -> Line:
        found = Line(None)
        for line in self.rules:
            found = found.plus(Line(None, line.plain, line.exempt))
        return found

    @property
    def first_day(self) -> date:
        return school_year_bounds(self.school_year)[0]

    @property
    def last_day(self) -> date:
        return school_year_bounds(self.school_year)[1]


@dataclass(frozen=True)
class LaCard:
    """One LA: its school years with LA deadlines, newest first (none: no LA deadline recorded yet)."""

    la: str
    years: tuple[YearCard, ...] = ()

    def year(self, school_year: str) -> YearCard | None:
        return next((y for y in self.years if y.school_year == school_year), None)


# --- the queries --------------------------------------------------------------------------------------------------

# The school year a due date falls in, named by the year it starts (2026 for 1 Sep 2026 to 31 Aug 2027).
# Its constants are written into the SQL (literal_column), not bound: PostgreSQL matches a selected expression to its
# GROUP BY by text, and two bound parameters are two different expressions to it.
_YEAR = cast(extract("year", Step.due), Integer) - case(
    (cast(extract("month", Step.due), Integer) < literal_column("9"), literal_column("1")), else_=literal_column("0")
)
# Answered on time: on_time as the step recorded it, or (a completion without it) completed by the due date. Never
# NULL, so "not on time" is its plain negation.
_ON_TIME = or_(
    Step.on_time.is_(True),
    and_(Step.on_time.is_(None), Step.completed_on.is_not(None), Step.completed_on <= Step.due),
)
_COMPLETED = Step.status == COMPLETED
_LATE = and_(_COMPLETED, not_(_ON_TIME))


def _counted(
    rule_id: str, la: str | None, school_year: str | None, school: str | None = None
) -> list[ColumnElement[bool]]:
    """The steps the scorecard reads: the LA's own rules, answered or open, of a process with an LA (of `school`)."""
    # The step's own copies of its process's LA and school (migration 0011): the step table alone is read.
    # One rule at a time: an equality on the rule is what keeps SQLite's planner on ix_step_rule_due (which covers
    # every column read here); with the LA rules as one IN list it took a status index and read most open and
    # completed steps (36 ms against 3 for a school year at 100k steps, issue 26).
    where = [Step.rule_id == rule_id, Step.status.in_((OPEN, COMPLETED)), Step.la != NO_LA]
    if school is not None:
        where.append(Step.school == school)
    if la is not None:
        where.append(Step.la == la)
    if school_year is not None:
        first, last = school_year_bounds(school_year)
        where += [Step.due >= first, Step.due <= last]
    return where


# How a counted step stands today: one of the four figures (the module docstring).
ON_TIME, LATE, OVERDUE, TO_COME = "on_time", "late", "overdue", "to_come"


def scorecards(
    session: Session,
    today: date,
    *,
    la: str | None = None,
    school_year: str | None = None,
    school: str | None = None,
) -> list[LaCard]:
    """Every LA with LA deadlines (or only `la`; only the school year `school_year`, "2026-27"; only `school`'s
    processes), by name, each with its school years newest first and their rules in rule book order. `today` decides
    what is overdue, and by how many days so far.

    One grouped pass over the steps counted (the step table alone, along ix_step_rule_due): each group is steps of
    one LA, school year, rule and exemption that stand alike today; a late answer's group also holds its days late
    (as recorded, or its completion and due dates where it has none), an overdue step's its due date, so that the
    histograms of days come from the same rows as the counts."""
    overdue = and_(Step.status == OPEN, Step.due < today)
    standing = case(
        (and_(_COMPLETED, _ON_TIME), literal(ON_TIME)),
        (_LATE, literal(LATE)),
        (overdue, literal(OVERDUE)),
        else_=literal(TO_COME),
    )
    missing = and_(_LATE, Step.days_late.is_(None))
    days_late = case((_LATE, Step.days_late))
    done = case((missing, Step.completed_on))
    due = case((or_(missing, overdue), Step.due))
    keys = (Step.la, _YEAR, Step.rule_id, Step.exempt, standing, days_late, done, due)
    # A grouped query per rule (each along the index: see _counted), sent as one statement.
    per_rule = [
        select(*keys, func.count()).where(*_counted(rule_id, la, school_year, school)).group_by(*keys)
        for rule_id in LA_RULES
    ]
    rows: Iterable[Any] = session.execute(union_all(*per_rule)) if per_rule else []
    counts: dict[tuple[str, int, str, bool], Counter[str]] = {}
    late_days: dict[tuple[str, int, str, bool], Counter[int]] = {}
    overdue_days: dict[tuple[str, int, str, bool], Counter[int]] = {}
    for name, year, rule_id, exempt, stands, days, completed_on, due_on, n in rows:
        key = (name, int(year), rule_id, bool(exempt))
        counts.setdefault(key, Counter())[stands] += int(n)
        if stands == LATE:
            if days is None and completed_on is not None:
                days = max(0, (completed_on - due_on).days)
            if days is not None:  # a late answer with no date: counted late, its days unknown
                late_days.setdefault(key, Counter())[int(days)] += int(n)
        elif stands == OVERDUE:
            overdue_days.setdefault(key, Counter())[(today - due_on).days] += int(n)
    return _cards(
        {
            key: Figures(
                c[ON_TIME],
                c[LATE],
                c[OVERDUE],
                c[TO_COME],
                Days.of(late_days.get(key, Counter())),
                Days.of(overdue_days.get(key, Counter())),
            )
            for key, c in counts.items()
        }
    )


def _cards(figures: dict[tuple[str, int, str, bool], Figures]) -> list[LaCard]:
    order = {rule_id: i for i, rule_id in enumerate(LA_RULES)}
    lines: dict[str, dict[int, dict[str, Line]]] = {}
    for (name, year, rule_id, exempt), f in figures.items():
        rules = lines.setdefault(name, {}).setdefault(year, {})
        found = Line(rule_id, exempt=f) if exempt else Line(rule_id, plain=f)
        rules[rule_id] = rules[rule_id].plus(found) if rule_id in rules else found
    return [
        LaCard(
            la=name,
            years=tuple(
                YearCard(
                    school_year_label(year),
                    tuple(sorted(lines[name][year].values(), key=lambda line: order.get(line.rule_id or "", 99))),
                )
                for year in sorted(lines[name], reverse=True)
            ),
        )
        for name in sorted(lines, key=lambda n: (n.casefold(), n))
    ]


def _school(school: str | None) -> list[ColumnElement[bool]]:
    return [] if school is None else [Process.school == school]


def las_in_processes(session: Session, *, school: str | None = None) -> list[str]:
    """Every LA a process names (not "none"; of `school`'s processes), by name: an LA the school works with, with LA
    deadlines or not. Read as a skip scan along ix_process_la_school (or ix_process_school_la): one index seek per
    LA, however many processes name it."""
    where = [] if school is None else [Process.school == school]
    names = [n for n in distinct_values(session, Process.la, *where, above="") if n != NO_LA]
    return sorted(names, key=lambda n: (n.casefold(), n))


def la_known(session: Session, la: str, *, school: str | None = None) -> bool:
    """Whether any process (of `school`) names the LA `la` (as stored)."""
    if la == NO_LA:
        return False
    query = select(Process.workflow_id).where(Process.la == la, *_school(school)).limit(1)
    return session.scalar(query) is not None


@dataclass(frozen=True)
class DeadlineYears:
    """Which LAs have LA deadlines (of `school`'s processes), and the school years any fell due in."""

    las: frozenset[str]
    years: list[int]  # by the year each starts, oldest first


def deadline_years(session: Session, las: Iterable[str], *, school: str | None = None) -> DeadlineYears:
    """Which of `las` (las_in_processes) have LA deadlines, and the school years LA deadlines fell due in, without
    reading every deadline: an LA by a look-up of its steps along ix_step_open_facets (status, school, LA: one short
    run of the index for each status and school); a rule's years by its first and last due dates and a look-up for
    each school year between, along ix_step_rule_due. Two queries, whatever the number of steps."""
    schools = [school] if school is not None else step_schools(session)
    names = [n for n in las if n != NO_LA]
    having: set[str] = set()
    for first in range(0, len(names), 100):
        batch = names[first : first + 100]
        checks = [
            select(Step.id)
            .where(
                Step.status.in_((OPEN, COMPLETED)),
                Step.school.in_(schools),
                Step.la == name,
                Step.rule_id.in_(LA_RULES),
            )
            .limit(1)
            .exists()
            for name in batch
        ]
        if checks:
            having |= {n for n, found in zip(batch, session.execute(select(*checks)).one(), strict=True) if found}
    bounds = [
        select(agg(Step.due)).where(*_counted(rule_id, None, None, school)).scalar_subquery()
        for rule_id in LA_RULES
        for agg in (func.min, func.max)
    ]
    ends = list(session.execute(select(*bounds)).one()) if bounds else []
    asked: list[tuple[str, int]] = []
    for i, rule_id in enumerate(LA_RULES):
        low, high = ends[2 * i], ends[2 * i + 1]
        if low is not None and high is not None:
            first_year, last_year = _school_year_start(low), _school_year_start(high)
            asked += [(rule_id, y) for y in range(first_year, last_year + 1)]
    years: set[int] = set()
    for first in range(0, len(asked), 100):
        batch_years = asked[first : first + 100]
        checks = [
            select(Step.id).where(*_counted(rule_id, None, school_year_label(y), school)).limit(1).exists()
            for rule_id, y in batch_years
        ]
        years |= {y for (_, y), found in zip(batch_years, session.execute(select(*checks)).one(), strict=True) if found}
    return DeadlineYears(las=frozenset(having), years=sorted(years))


def _school_year_start(d: date) -> int:
    return d.year if d.month >= 9 else d.year - 1
