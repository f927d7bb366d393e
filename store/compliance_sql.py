"""The compliance figures of one academic year counted in the database (issue 26): the same Compliance objects as
store.compliance.compliance() makes from every step (the reference, and the tests' yardstick: tests/store/
test_compliance_sql.py), without loading every step.

In SQL, read from the step table and what the database keeps beside it, never the event or process tables:
  - the decided steps by school, rule, LA, exemption and outcome: the completed ones as the triggers have counted
    them (completion_count, migration 0013: a few hundred rows a year, whatever the number of steps), the open ones
    past their due date (late) counted over the year's open steps (due from 1 September to 31 August: a range on an
    index of the step table);
  - the annual reviews by school, exemption and meeting_outcome, over the year's reviews, the meeting date read where
    all_steps reads it (the step's copies, migration 0012: its completion's `meeting_held_on`, or while the step is
    open its process's `held_on`; else the completion date).
A few hundred grouped rows come back and are added up here into the Rates. Which rules are never late (an earliest
date, a parent's window: not counted) is the caller's to say, from the rule book (never_late_rules), never written
here.

Two things stay in Python, each on a few rows:
  - backdating (audit/backdating.py) needs the school calendar. The database picks the only completions that could
    be flagged (Backdating: recorded on a later day than the date given, and either later than the limit allows or
    after an overdue notice of the process; read from a partial index of the late-recorded completions), those are
    read as all_steps reads them, judged by the caller exactly as the pages judge every step, and their counts added;
  - a recorded meeting date not written as a calendar date YYYY-MM-DD (all_steps reads it with date.fromisoformat,
    which takes other forms too, and says nothing of one it cannot read): such steps are read and counted one by one.

Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Interval,
    and_,
    case,
    cast,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from statutory import rule_ids
from store.compliance import (
    CONCLUDED_KEY,
    MEETING_KEY,
    Compliance,
    Rate,
    academic_year_bounds,
    academic_year_of,
    judged,
)
from store.models import LATE_RECORDED, LATE_RECORDED_AFTER, CompletionCount, Event, Step
from store.skip_scan import distinct_values
from store.web_queries import (
    ESCALATION,
    REVIEW_DUE,
    StepFact,
    _meeting_on,
    among,
    batches_of,
    steps_where,
    with_notices,
)

OPEN, COMPLETED = "open", "completed"
Schools = str | Sequence[str] | None  # one school's steps, those of several, or every step
DAY = timedelta(days=1)


@cache
def never_late_rules() -> frozenset[str]:
    """The rule book's rules whose steps are never on time or late (store.compliance.judged): an earliest date, a
    window the parent holds. Every other rule id, one the rule book does not know included, is counted."""
    return frozenset(r for r in rule_ids() if not judged(r))


@lru_cache(maxsize=64)
def largest_utc_offset(zone: str) -> timedelta:
    """The furthest ahead of UTC `zone` is or will be, by its rules from 1970 (before any record) to 2100, looked at
    weekly (every summer time lasts weeks): Europe/London, one hour."""
    tz, day, last, found = ZoneInfo(zone), datetime(1970, 1, 1, 12, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), None
    while day < last:
        offset = day.astimezone(tz).utcoffset()
        if offset is not None and (found is None or offset > found):
            found = offset
        day += 7 * DAY
    return found or timedelta(0)


@dataclass(frozen=True)
class Backdating:
    """How the caller judges backdating, and what the database may leave out before it does.

    `judge`: whether each of the steps, in their order, is flagged (dashboard/compliance_view.py,
    flagged_by_school: each by its school's calendar, limit and time zone). `zones`: the time zones of those
    schools; `working_days`: the smallest limit among them (audit.backdating_working_days); `system_actor`: the
    actor of completions never judged (audit.backdating.SYSTEM_ACTOR). The database then leaves out every
    completion that cannot be flagged: recorded on its date given (in any of the zones), or recorded within
    `working_days` days of it when no overdue notice of its process went out; of the rest, those made by the system
    are left out before judging."""

    judge: Callable[[list[StepFact]], list[bool]]
    zones: tuple[str, ...] = ("Europe/London",)
    working_days: int = 5
    system_actor: str | None = None

    def lag(self, days: int) -> timedelta:
        """How long after the start (midnight UTC) of its date given a completion recorded `days` days after it, in
        the school's time zone, was at the earliest recorded."""
        return days * DAY - max(largest_utc_offset(z) for z in self.zones)


# --- counting ----------------------------------------------------------------------------------------------------


@dataclass
class _Tally:
    on_time: int = 0
    counted: int = 0
    on_time_excl: int = 0
    counted_excl: int = 0
    backdated: int = 0
    backdated_on_time: int = 0

    def add(self, on_time: int, counted: int, on_time_excl: int, counted_excl: int) -> None:
        self.on_time += on_time
        self.counted += counted
        self.on_time_excl += on_time_excl
        self.counted_excl += counted_excl

    def rate(self, key: str) -> Rate:
        return Rate(
            key=key,
            on_time=self.on_time,
            counted=self.counted,
            on_time_excl=self.on_time_excl,
            counted_excl=self.counted_excl,
            exempt=self.counted - self.counted_excl,
            backdated=self.backdated,
            backdated_on_time=self.backdated_on_time,
        )


@dataclass
class _Figures:
    """One school's counts (or every school's together) as they are added up."""

    total: _Tally = field(default_factory=_Tally)
    by_rule: dict[str, _Tally] = field(default_factory=dict)
    by_la: dict[str, _Tally] = field(default_factory=dict)
    meeting: _Tally = field(default_factory=_Tally)
    concluded: _Tally = field(default_factory=_Tally)

    def decided(self, rule_id: str, la: str) -> list[_Tally]:
        """The tallies a decided step of `rule_id` at `la` counts in."""
        found = [self.total, self.by_rule.setdefault(rule_id, _Tally()), self.by_la.setdefault(la, _Tally())]
        return [*found, self.concluded] if rule_id == REVIEW_DUE else found

    def compliance(self, year: int) -> Compliance:
        return Compliance(
            year=year,
            total=self.total.rate("all"),
            by_rule=[self.by_rule[k].rate(k) for k in sorted(self.by_rule)],
            by_la=[self.by_la[k].rate(k) for k in sorted(self.by_la)],
            reviews=[self.meeting.rate(MEETING_KEY), self.concluded.rate(CONCLUDED_KEY)],
        )


def year_compliance(
    session: Session,
    year: int,
    today: date,
    *,
    never_late: Collection[str],
    school: str | None = None,
    backdating: Backdating | None = None,
) -> Compliance:
    """store.compliance.compliance(all_steps(session, school=school) judged by `backdating`, year, today), counted in
    the database. `never_late`: the rule ids never counted (never_late_rules()). Without `backdating`, nothing counts
    as backdated (as with steps nobody judged)."""
    return (
        _count(session, year, today, never_late, school, backdating, by_school=False)
        .get(None, _Figures())
        .compliance(year)
    )


def year_compliance_by_school(
    session: Session,
    year: int,
    today: date,
    *,
    never_late: Collection[str],
    school: str | None = None,
    backdating: Backdating | None = None,
) -> dict[str, Compliance]:
    """store.compliance.compliance_by_school, counted in the database: each school with a step counted (or a meeting)
    in the year, by id. A school left out has no figures: compliance([], year, today)."""
    found = _count(session, year, today, never_late, school, backdating, by_school=True)
    return {str(k): figures.compliance(year) for k, figures in found.items()}


def _count(
    session: Session,
    year: int,
    today: date,
    never_late: Collection[str],
    school: str | None,
    backdating: Backdating | None,
    *,
    by_school: bool,
) -> dict[str | None, _Figures]:
    start, end = academic_year_bounds(year)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # for this transaction: compiling these short queries (JIT) would cost more than running them
        session.execute(text("SET LOCAL jit = off"))
    schools: Schools = school if school is not None else step_schools(session)
    found: dict[str | None, _Figures] = {}

    def figures(key: str) -> _Figures:
        return found.setdefault(key if by_school else None, _Figures())

    for key, rule_id, la, exempt, ok, n in session.execute(_outcomes(start, end, today, list(never_late), schools)):
        for tally in figures(key).decided(rule_id, la):
            tally.add(ok * n, n, 0 if exempt else ok * n, 0 if exempt else n)
    odd = False
    for key, exempt, met, n in session.execute(_meetings(start, end, today, schools, postgres)):
        if met == ODD:
            odd = True
        elif met is not None:
            figures(key).meeting.add(met * n, n, 0 if exempt else met * n, 0 if exempt else n)
    if odd:
        for key, exempt, met in _odd_meetings(session, start, end, today, schools, postgres):
            if met is not None:
                figures(key).meeting.add(met, 1, 0 if exempt else met, 0 if exempt else 1)
    if backdating is not None:
        for step in _flagged(session, start, end, never_late, schools, backdating, postgres):
            for tally in figures(step.school).decided(step.rule_id, step.la):
                tally.backdated += 1
                tally.backdated_on_time += _on_time(step)
    return found


def _on_time(step: StepFact) -> bool:
    """store.compliance.outcome of a completed step that counts."""
    return (
        step.on_time if step.on_time is not None else (step.completed_on is not None and step.completed_on <= step.due)
    )


# --- the SQL -------------------------------------------------------------------------------------------------------


def _in_year(start: date, end: date, school: str | Sequence[str] | None) -> list[ColumnElement[bool]]:
    """The year's open and completed steps of `school` (a list: of those schools, every school's as _count passes)."""
    where = [Step.due >= start, Step.due <= end, Step.status.in_((OPEN, COMPLETED))]
    if school is None:
        return where
    return [*where, Step.school == school] if isinstance(school, str) else [*where, Step.school.in_(school)]


def step_schools(session: Session) -> list[str]:
    """Every school some step belongs to, by id: a skip scan along ix_step_school_status_due, one index seek per
    school. The year's counts of every school read each school's run of that index (_count): an index without a
    school in front would have to hold every column the counts read a second time."""
    return distinct_values(session, Step.school)


def _outcomes(start: date, end: date, today: date, never_late: list[str], school: Schools) -> Any:
    """The year's decided steps (store.compliance.outcome not None) by school, rule, LA, exempt and outcome (1 on
    time, 0 late): (school, rule_id, la, exempt, on_time, how many), a key perhaps twice. The completed steps as the
    triggers have counted them (completion_count, migration 0013: a few hundred rows a year), the open steps past
    their due date, late, counted here (along ix_step_school_status_due)."""
    c = CompletionCount
    counted = select(c.school, c.rule_id, c.la, c.exempt, case((c.on_time == true(), 1), else_=0), func.sum(c.n)).where(
        c.year == academic_year_of(start), c.n != 0
    )
    if school is not None:
        counted = counted.where(c.school == school if isinstance(school, str) else c.school.in_(school))
    if never_late:
        counted = counted.where(c.rule_id.not_in(never_late))
    counted = counted.group_by(c.school, c.rule_id, c.la, c.exempt, c.on_time)
    keys = (Step.school, Step.rule_id, Step.la, Step.exempt)
    late: Any = (
        select(*keys, literal_column("0"), func.count())
        .where(*_in_year(start, end, school), Step.status == OPEN, Step.due < today)
        .where(*([Step.rule_id.not_in(never_late)] if never_late else []))
        .group_by(*keys)
    )
    return union_all(counted, late)


ODD = 2  # _meetings: a meeting written as something other than a calendar date, read in Python (_odd_meetings)

# The meeting of an annual review as all_steps reads it (web_queries._MEETING): the step's copy of its completion's
# for a completed annual review, of its process's facts for an open one (migration 0012): on the rule/due index.
_MEETING_TEXT = func.coalesce(
    case((Step.status == COMPLETED, Step.meeting_held_on)),
    case((Step.status == OPEN, Step.process_held_on)),
)


def _reviews(start: date, end: date, school: Schools) -> Any:
    """The year's annual reviews, open or completed, with their meeting text: materialized, so that each step's text
    is looked up once, not again for each expression that reads it (as inlining the query would make it)."""
    return (
        select(
            Step.school.label("school"),
            Step.status.label("status"),
            Step.due.label("due"),
            Step.completed_on.label("completed_on"),
            Step.exempt.label("exempt"),
            _MEETING_TEXT.label("meeting"),
        )
        .where(*_in_year(start, end, school), Step.rule_id == REVIEW_DUE)
        .cte("reviews")
        .prefix_with("MATERIALIZED")
    )


def _calendar_date(text: Any, postgres: bool) -> ColumnElement[bool]:
    """Whether `text` is a date written YYYY-MM-DD that the calendar has (date.fromisoformat reads it): never NULL.
    Counted out by hand, the same on both databases (SQLite's date() keeps 30 February as written, in some versions)."""
    shaped = and_(
        func.length(text) == 10,
        text.regexp_match("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        if postgres
        else text.op("GLOB")("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"),
    )
    year, month, day = (cast(func.substr(text, first, n), Integer) for first, n in ((1, 4), (6, 2), (9, 2)))
    leap = and_(year % 4 == 0, or_(year % 100 != 0, year % 400 == 0))
    days = case((month == 2, case((leap, 29), else_=28)), (month.in_((4, 6, 9, 11)), 30), else_=31)
    # The digits are read as numbers only once the shape is known: a CASE, as PostgreSQL may evaluate AND either way.
    valid = case((and_(year >= 1, month >= 1, month <= 12, day >= 1, day <= days), 1), else_=0)
    return case((shaped, valid), else_=0) == 1


def _meetings(start: date, end: date, today: date, school: Schools, postgres: bool) -> Any:
    """The year's annual reviews by school, exempt and meeting_outcome (1 on time, 0 late, None not counted, ODD: read
    in Python): (school, exempt, met, how many)."""
    r = _reviews(start, end, school).c
    written = cast(r.meeting, Date) if postgres else r.meeting  # SQLite keeps a date as its ISO text
    none_held = case((and_(r.status == OPEN, r.due < today), 0))  # none known by a due date that has passed: late
    met = case(
        (
            or_(r.meeting.is_(None), r.meeting == ""),  # not written: the completion's date (before issue 18)
            case(
                (and_(r.status == COMPLETED, r.completed_on.is_not(None)), case((r.completed_on <= r.due, 1), else_=0)),
                else_=none_held,
            ),
        ),
        (_calendar_date(r.meeting, postgres), case((written <= r.due, 1), else_=0)),  # nested: read once known a date
        else_=ODD,
    ).label("met")
    keys = (r.school, r.exempt, met)
    return select(*keys, func.count()).group_by(*keys)


def _odd_meetings(
    session: Session, start: date, end: date, today: date, school: Schools, postgres: bool
) -> Iterable[tuple[str, bool, int | None]]:
    """The annual reviews of the year whose meeting is written as something other than a calendar date, each as
    (school, exempt, meeting_outcome as 1, 0 or None), the text read as all_steps reads it."""
    r = _reviews(start, end, school).c
    query = select(r.school, r.exempt, r.status, r.due, r.completed_on, r.meeting).where(
        r.meeting.is_not(None), r.meeting != "", not_(_calendar_date(r.meeting, postgres))
    )
    for key, exempt, status, due, completed_on, written in session.execute(query):
        meeting = _meeting_on(REVIEW_DUE, status, completed_on, written)
        if meeting is not None:
            yield key, exempt, int(meeting <= due)
        else:
            yield key, exempt, (0 if status == OPEN and due < today else None)


def _at_least(recorded: Any, given: Any, lag: timedelta, postgres: bool) -> ColumnElement[bool]:
    """`recorded` (an instant, naive UTC: store/types.py) at least `lag` after the start (midnight UTC) of `given`."""
    seconds = int(lag.total_seconds())
    if postgres:
        return recorded >= given + literal_column(f"interval '{seconds} seconds'", Interval)
    return recorded >= func.datetime(given, f"{seconds:+d} seconds")  # SQLite: text, 'YYYY-MM-DD HH:MM:SS' both


def _candidates(
    start: date, end: date, never_late: Collection[str], school: Schools, backdating: Backdating, postgres: bool
) -> Any:
    """The ids of the year's counted completions that could be flagged as backdated (Backdating)."""
    query = (
        select(Step.id.label("id"), Step.completed_on.label("given"), Step.recorded_at.label("recorded"))
        .where(*_in_year(start, end, school), Step.status == COMPLETED, Step.completed_on.is_not(None))
        .where(*([Step.rule_id.not_in(list(never_late))] if never_late else []))
    )
    if backdating.lag(1) >= LATE_RECORDED_AFTER:
        # Recorded 23 hours or more after the start of the date given: true of every candidate below when no school
        # is more than an hour ahead of UTC, and what keeps the read on ix_step_late_recorded (written as it is).
        query = query.where(text(LATE_RECORDED["postgresql" if postgres else "sqlite"]))
    completions = query.cte("completions").prefix_with("MATERIALIZED")  # each completion read once
    c = completions.c
    # An overdue notice of the process, looked up by its index for a completion recorded a day late or more: its
    # process by the step's id, then a notice of it (a LIMIT: PostgreSQL would otherwise read every notice of every
    # process into a hash table first).
    process_id = select(Step.process_id).where(Step.id == c.id).correlate(completions).scalar_subquery()
    notice = (
        select(literal_column("1"))
        .where(Event.process_id == process_id, Event.kind == ESCALATION)
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    return select(c.id).where(
        or_(
            _at_least(c.recorded, c.given, backdating.lag(max(backdating.working_days, 0) + 1), postgres),
            and_(_at_least(c.recorded, c.given, backdating.lag(1), postgres), notice),
        )
    )


def _flagged(
    session: Session,
    start: date,
    end: date,
    never_late: Collection[str],
    school: Schools,
    backdating: Backdating,
    postgres: bool,
) -> list[StepFact]:
    """The counted completions of the year the caller judges backdated: the candidates read as all_steps reads them
    (in batches: store.web_queries.batches_of), the system's own left out, and the rest judged."""
    ids = list(session.scalars(_candidates(start, end, never_late, school, backdating, postgres)))
    found: list[StepFact] = []
    for batch in batches_of(session, ids):
        steps = steps_where(session, among(session, Step.id, batch, Integer), notices=False)
        if backdating.system_actor is not None:
            steps = [s for s in steps if s.recorded_actor != backdating.system_actor]
        # Judged first without the overdue notices: a notice can only add a flag, never take one away, so those
        # flagged already (recorded over the limit) are flagged; only the rest need their notices read.
        flags = backdating.judge(steps)
        found += (s for s, flag in zip(steps, flags, strict=True) if flag)
        rest = with_notices(session, [s for s, flag in zip(steps, flags, strict=True) if not flag])
        found += (s for s, flag in zip(rest, backdating.judge(rest), strict=True) if flag)
    return found


# --- the year picker ------------------------------------------------------------------------------------------------


def years_with_steps(session: Session, *, school: str | None = None) -> list[int]:
    """The academic years some step (of `school`) is due in, oldest first, never reading every step, in three queries:
    the statuses the steps have (a skip scan along (school,) status, one index seek each), the first and last due
    date of each status (a seek each), then for each academic year between, whether a step is due in it (a look-up
    each, on (school,) status, due)."""
    where = [] if school is None else [Step.school == school]
    statuses = distinct_values(session, Step.status, *where)
    if not statuses:
        return []
    ends = [
        select(agg(Step.due)).where(*where, Step.status == s).scalar_subquery()
        for s in statuses
        for agg in (func.min, func.max)
    ]
    dates = [d for d in session.execute(select(*ends)).one() if d is not None]
    if not dates:
        return []
    between = list(range(academic_year_of(min(dates)), academic_year_of(max(dates)) + 1))
    checks = []
    for year in between:
        start, end = academic_year_bounds(year)
        checks.append(
            select(Step.id)
            .where(*where, Step.status.in_(statuses), Step.due >= start, Step.due <= end)
            .limit(1)
            .exists()
        )
    return [y for y, found_one in zip(between, session.execute(select(*checks)).one(), strict=True) if found_one]
