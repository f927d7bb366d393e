"""The open-steps lists (Open, Overdue, Due soon; the API's /api/steps) read in SQL, a page at a time (issue 26).

Three queries answer a page, whatever the number of open steps:
- `facets`: the open steps the reader may see, counted in groups (school, LA, owner, rule, process, overdue, due
  soon, exempt): the page's counts and its filters' choices come from these few hundred groups, not from the rows;
- `page`: one page of rows, filtered, sorted and cut in SQL, resumed after the last row of the page before (keyset
  paging: a `Cursor` holds that row's sort key, never an offset, so a page costs the same however deep it is);
- `stopped_rows`: the steps of processes stopped outside sendclock, which the first page shows before all others
  (store/reconcile.py: a clock nobody is keeping comes first).

A step's kind (statutory/actions.py) decides what "overdue" and "due soon" mean: a window or an earliest date is never
overdue, an earliest date is never "due soon". The caller reads the kinds from the rule book and passes them as lists
of rule ids (`RuleKinds`), applied to the counts' groups and to the Overdue and Due soon pages' rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, select, true, tuple_
from sqlalchemy.orm import Session

from store.models import Process, Step
from store.queries import OPEN, OpenStep
from store.reconcile import STOPPED

SORT_KEYS = ("due", "target", "case", "la", "owner", "rule", "process")


class BadCursor(ValueError):
    """A cursor this list did not make, or made for another order: the reader starts again from the first page."""


@dataclass(frozen=True)
class RuleKinds:
    """Which rules make steps that are never overdue (a window, an earliest date) and never "due soon" (an earliest
    date): from the rule book (statutory/actions.step_kind)."""

    never_overdue: frozenset[str] = frozenset()
    never_due_soon: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StepQuery:
    """Whose open steps, and which: the reader's scope (`school`, `scope_owner` for staff) and the page's filters."""

    today: date
    due_soon_days: int
    kinds: RuleKinds
    school: str | None = None  # the reader's school (None: every school), or a trust role's chosen one
    scope_owner: str | None = None  # staff read only their own steps
    la: str = ""
    owner: str = ""
    rule: str = ""
    process: str = ""

    @property
    def soon_end(self) -> date:
        return self.today + timedelta(days=self.due_soon_days)

    def overdue(self) -> ColumnElement[bool]:
        """Late: past its due date, and a duty or the LA's (a window closes and an earliest date comes: never late)."""
        condition = Step.due < self.today
        if self.kinds.never_overdue:
            condition = and_(condition, Step.rule_id.not_in(sorted(self.kinds.never_overdue)))
        return condition

    def due_soon(self) -> ColumnElement[bool]:
        condition = and_(Step.due >= self.today, Step.due <= self.soon_end)
        if self.kinds.never_due_soon:
            condition = and_(condition, Step.rule_id.not_in(sorted(self.kinds.never_due_soon)))
        return condition

    def scope(self) -> list[ColumnElement[bool]]:
        """What the reader may see: open steps, of their school, of their own (staff)."""
        where: list[ColumnElement[bool]] = [Step.status == OPEN]
        if self.school is not None:
            where.append(Step.school == self.school)
        if self.scope_owner is not None:
            where.append(Step.owner == self.scope_owner)
        return where

    def filtered(self, view: str) -> list[ColumnElement[bool]]:
        """The scope, the page's filters and the view's own condition."""
        where = self.scope()
        for value, column in (
            (self.la, Step.la),
            (self.owner, Step.owner),
            (self.rule, Step.rule_id),
            (self.process, Step.process_kind),
        ):
            if value:
                where.append(column == value)
        if view == "overdue":
            where.append(self.overdue())
        elif view == "due-soon":
            where.append(self.due_soon())
        return where


# --- counts and choices ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    """A group of open steps alike in everything a page counts or offers as a choice."""

    school: str
    la: str
    owner: str
    rule_id: str
    process_kind: str
    n: int  # open steps in the group
    overdue: int  # ... of which overdue
    due_soon: int  # ... due soon
    exempt: int  # ... with an exemption

    def kept(self, query: StepQuery) -> bool:
        return (
            (not query.la or self.la == query.la)
            and (not query.owner or self.owner == query.owner)
            and (not query.rule or self.rule_id == query.rule)
            and (not query.process or self.process_kind == query.process)
        )


@dataclass(frozen=True)
class Counts:
    overdue: int = 0
    due_soon: int = 0
    open: int = 0
    exempt: int = 0

    def of(self, view: str) -> int:
        return {"overdue": self.overdue, "due-soon": self.due_soon}.get(view, self.open)

    def as_dict(self) -> dict[str, int]:
        return {"overdue": self.overdue, "due_soon": self.due_soon, "open": self.open, "exempt": self.exempt}


def count(facets: Iterable[Facet]) -> Counts:
    overdue = due_soon = total = exempt = 0
    for f in facets:
        total += f.n
        overdue += f.overdue
        due_soon += f.due_soon
        exempt += f.exempt
    return Counts(overdue=overdue, due_soon=due_soon, open=total, exempt=exempt)


def _sum(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def facets(session: Session, query: StepQuery) -> list[Facet]:
    """The open steps in the reader's scope, counted by everything the page filters by (one pass over the open steps
    along ix_step_open_facets, the step table alone); the page's filters are applied to the groups, so the choices
    stay whole."""
    keys = (Step.school, Step.la, Step.owner, Step.rule_id, Step.process_kind)  # ix_step_open_facets' order
    past, soon = Step.due < query.today, and_(Step.due >= query.today, Step.due <= query.soon_end)
    rows = session.execute(
        select(*keys, func.count(), _sum(past), _sum(soon), _sum(Step.exempt == true()))
        .where(*query.scope())
        .group_by(*keys)
    )
    kinds = query.kinds  # the rule is a key of the group: its kind is applied here, not row by row in SQL
    return [
        Facet(
            school=school,
            la=la,
            owner=owner,
            rule_id=rule_id,
            process_kind=process_kind,
            n=n,
            overdue=0 if rule_id in kinds.never_overdue else int(overdue or 0),
            due_soon=0 if rule_id in kinds.never_due_soon else int(due_soon or 0),
            exempt=int(exempt or 0),
        )
        for school, la, owner, rule_id, process_kind, n, overdue, due_soon, exempt in rows
    ]


# --- one page --------------------------------------------------------------------------------------------------

_ROW = (
    Step.process_id,
    Step.process_kind,
    Step.case_ref,
    Step.la,
    Step.rule_id,
    Step.basis,
    Step.due,
    Step.target,
    Step.owner,
    Step.exempt,
    Step.school,
    Step.id,
)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: its last row's sort key (`values`), in the `group` of the default order (0 overdue, 1 the
    rest), for one `sort` and direction. Opaque to readers: `encode` / `decode`."""

    sort: str
    desc: bool
    group: int
    values: tuple[Any, ...]

    def encode(self) -> str:
        values = [v.isoformat() if isinstance(v, date) else v for v in self.values]
        raw = json.dumps([self.sort, int(self.desc), self.group, values], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: str, desc: bool) -> Cursor:
        desc = desc and sort != ""  # as `page` reads it
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            made_sort, made_desc, group, values = raw
        except (ValueError, TypeError, binascii.Error):
            raise BadCursor("it is not a link this list made") from None
        if made_sort != sort or bool(made_desc) != desc:
            raise BadCursor("it was made for another order of the list") from None
        if group not in (0, 1) or not isinstance(values, list) or len(values) != len(_spec(sort, group)):
            raise BadCursor("it is not a link this list made")
        spec = _spec(sort, group)
        try:
            typed = tuple(kind(v) for kind, v in zip((k for _, k in spec), values, strict=True))
        except (ValueError, TypeError):
            raise BadCursor("it is not a link this list made") from None
        return cls(sort=sort, desc=desc, group=group, values=typed)


def _as_date(value: Any) -> date:
    if not isinstance(value, str):
        raise TypeError
    return date.fromisoformat(value)


def _as_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError
    return value


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


# Each order's sort key: (SQL expression, how its value is read back from a cursor). The last two keys of every
# order make it total (case reference, then the step's id), so a page always resumes exactly where the last ended.
# "owner" sorts by the owner's name, which only the settings know: a CASE over the staff directory (`_owner_name`).
_Spec = list[tuple[Any, Any]]


def _spec(sort: str, group: int, owner_name: Any = None) -> _Spec:
    case_ref: tuple[Any, Any] = (Step.case_ref, _as_str)
    step_id: tuple[Any, Any] = (Step.id, _as_int)
    due: tuple[Any, Any] = (Step.due, _as_date)
    target: tuple[Any, Any] = (Step.target, _as_date)
    if sort == "":  # overdue first, most overdue first; then by target date (store.queries.open_steps)
        return [due, target, case_ref, step_id] if group == 0 else [target, case_ref, step_id]
    first: _Spec = {
        "due": [due],
        "target": [target],
        "case": [case_ref, due],
        "la": [(func.lower(Step.la), _as_str), due],
        "owner": [(owner_name if owner_name is not None else Step.owner, _as_str), due],
        "rule": [(Step.rule_id, _as_str), due],
        "process": [(Step.process_kind, _as_str), due],
    }[sort]
    tail = [k for k in (case_ref, step_id) if k not in first]
    return [*first, *tail]


def owner_name_order(names: Mapping[tuple[str, str], str]) -> Any:
    """The owner's name, lower-cased, as SQL: `names` maps (school, staff id) to a name (the staff directories); an
    id the directory does not have sorts as itself (as the page shows it)."""
    if not names:
        return func.lower(Step.owner)
    whens = [
        (and_(Step.school == school, Step.owner == staff), literal(name.lower()))
        for (school, staff), name in sorted(names.items())
    ]
    return case(*whens, else_=func.lower(Step.owner))


@dataclass(frozen=True)
class Page:
    steps: list[OpenStep]
    next: Cursor | None  # where the next page starts; None: this is the last
    ids: list[int] = field(default_factory=list)  # the steps' own ids (Step.id), in the page's order


def _open_step(row: Any, today: date, stopped: bool = False) -> OpenStep:
    return OpenStep(
        workflow_id=row[0],
        process_kind=row[1],
        case_ref=row[2],
        la=row[3],
        rule_id=row[4],
        basis=row[5],
        due=row[6],
        target=row[7],
        owner=row[8],
        exempt=bool(row[9]),
        days_left=(row[6] - today).days,
        overdue=row[6] < today,
        stopped=stopped,
        school=row[10],
    )


def _base(query: StepQuery, view: str) -> Select[*tuple[Any, ...]]:
    return select(*_ROW).where(*query.filtered(view))


def stopped_ids(session: Session) -> list[str]:
    """The processes stopped outside sendclock (few, found along ix_process_stopped): their steps are kept apart."""
    return list(session.scalars(select(Process.workflow_id).where(Process.status == STOPPED)))


def page(
    session: Session,
    query: StepQuery,
    view: str,
    *,
    sort: str = "",
    desc: bool = False,
    after: Cursor | None = None,
    limit: int = 50,
    owner_names: Mapping[tuple[str, str], str] | None = None,
    stopped: Sequence[str] = (),
) -> Page:
    """Up to `limit` rows of the view in the order asked, after `after` (None: the first page), without the steps of
    the processes `stopped` (stopped_ids; `stopped_rows` gives their steps, first). The default order is two runs,
    each read along an index: the overdue steps by due date, then the rest by target date."""
    if sort not in ("", *SORT_KEYS):
        raise ValueError(f"sort: {sort!r} is not one of {', '.join(SORT_KEYS)}")
    owner_expr = owner_name_order(owner_names or {}) if sort == "owner" else None
    desc = desc and sort != ""  # the default order has no direction (the pages offer none)
    groups = [0, 1] if sort == "" else [0]
    if after is not None:
        groups = groups[groups.index(after.group) :] if after.group in groups else []
    found: list[Any] = []
    for group in groups:
        spec = _spec(sort, group, owner_expr)
        exprs = [e for e, _ in spec]
        select_ = _base(query, view).add_columns(*exprs)
        if stopped:
            select_ = select_.where(Step.process_id.not_in(sorted(stopped)))
        if sort == "":
            # The second run is read along the target-date index; said as "not overdue" (no range on `due` the
            # planner could prefer, then sorting every open step by target date: 63 ms against 10 at 100k steps).
            past = Step.due < query.today
            select_ = select_.where(past if group == 0 else past.is_(false()))
        if after is not None and group == after.group:
            key, bound = tuple_(*exprs), tuple_(*after.values)
            select_ = select_.where(key < bound if desc else key > bound)
        order = [e.desc() if desc else e for e in exprs]
        if sort not in ("", "target"):
            # Read late: the page's ids are found along ix_step_open_facets alone (it holds every column these
            # orders and the filters read, all but a stopped process's id), then only those rows are read. Sorting
            # the rows themselves read every filtered step's row first: 30,000 for one LA at 1,000,000 steps, the
            # query 100 ms against 31.
            ids = select_.with_only_columns(Step.id).order_by(*order).limit(limit + 1 - len(found)).subquery()
            select_ = select_.join(ids, ids.c.id == Step.id)
        select_ = select_.order_by(*order).limit(limit + 1 - len(found))
        rows = list(session.execute(select_))
        found += [(group, row) for row in rows]
        if len(found) > limit:
            break
    more = len(found) > limit
    found = found[:limit]
    cursor = None
    if more and found:
        group, row = found[-1]
        width = len(_ROW)
        cursor = Cursor(sort=sort, desc=desc, group=group, values=tuple(row[width:]))
    return Page(
        steps=[_open_step(row, query.today) for _, row in found], next=cursor, ids=[row[11] for _, row in found]
    )


def stopped_rows(session: Session, query: StepQuery, view: str, stopped: Sequence[str]) -> list[OpenStep]:
    """The view's steps of the processes `stopped` outside sendclock (few: a SENCO resumes them), in the default
    order."""
    if not stopped:
        return []
    overdue_first = case((Step.due < query.today, 0), else_=1)
    rows = session.execute(
        _base(query, view)
        .where(Step.process_id.in_(sorted(stopped)))
        .order_by(overdue_first, case((Step.due < query.today, Step.due)), Step.target, Step.case_ref, Step.id)
    )
    return [_open_step(row, query.today, stopped=True) for row in rows]
