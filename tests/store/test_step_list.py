"""The open-steps lists in SQL (store/step_list.py): every view, filter and order, walked a page at a time by its
cursor, gives exactly the rows a plain Python reading of the same open steps gives, in the same order, none twice and
none missed; the counts and the filters' choices are those of the rows. On SQLite and PostgreSQL. Fictional case
references only."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from store.models import Process, Step
from store.step_list import (
    SORT_KEYS,
    BadCursor,
    Cursor,
    RuleKinds,
    StepQuery,
    count,
    facets,
    page,
    stopped_ids,
    stopped_rows,
)
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

TODAY = date(2027, 3, 10)
LAS = ("Kent", "medway", "Brighton & Hove")  # "medway": sorting by LA ignores case
OWNERS = ("senco", "ta", "head", "zed")
RULES = ("ehc-advice", "review-notice", "draft-plan-representations", "reassessment-earliest", "ehc-final-plan")
KINDS = RuleKinds(
    never_overdue=frozenset({"draft-plan-representations", "reassessment-earliest"}),
    never_due_soon=frozenset({"reassessment-earliest"}),
)
NAMES = {("default", "senco"): "Pat Example", ("default", "ta"): "Ari Example", ("default", "head"): "Bo Example"}
SOON = 14


@dataclass(frozen=True)
class Row:
    id: int
    workflow_id: str
    process_kind: str
    case_ref: str
    la: str
    rule_id: str
    due: date
    target: date
    owner: str
    exempt: bool
    stopped: bool

    @property
    def overdue(self) -> bool:
        return self.due < TODAY and self.rule_id not in KINDS.never_overdue

    @property
    def due_soon(self) -> bool:
        return TODAY <= self.due <= TODAY + timedelta(days=SOON) and self.rule_id not in KINDS.never_due_soon


def make_rows(session_factory, n_processes: int = 70, seed: int = 5) -> list[Row]:
    rng = random.Random(seed)
    with session_factory.begin() as session:
        for n in range(n_processes):
            status = "stopped" if n % 23 == 5 else "completed" if n % 11 == 3 else "open"
            p = add_process(
                session,
                f"proc-{n:03d}",
                f"EHC-{rng.randrange(40):04d}",  # case references repeat: the id breaks the tie
                la=rng.choice(LAS),
                kind=rng.choice(("ehc-advice-request", "annual-review")),
                status=status,
                owner=rng.choice(OWNERS),
            )
            for rule_id in rng.sample(RULES, rng.randrange(1, 4)):
                due = TODAY + timedelta(days=rng.randrange(-30, 40))
                add_step(
                    session,
                    p,
                    rule_id,
                    due=due,
                    target=due - timedelta(days=rng.randrange(0, 4)),
                    owner=rng.choice(OWNERS),
                    status=rng.choice(("open", "open", "open", "completed", "withdrawn")),
                    exempt=rng.random() < 0.2,
                )
    with session_factory() as session:
        found = session.execute(
            select(Step, Process).join(Process, Process.workflow_id == Step.process_id).where(Step.status == "open")
        )
        return [
            Row(
                s.id,
                p.workflow_id,
                p.kind,
                p.case_ref,
                p.la,
                s.rule_id,
                s.due,
                s.target,
                s.owner,
                s.exempt,
                p.status == "stopped",
            )
            for s, p in found
        ]


def owner_name(r: Row) -> str:
    return NAMES.get(("default", r.owner), r.owner).lower()


KEYS = {
    "due": lambda r: (r.due, r.case_ref, r.id),
    "target": lambda r: (r.target, r.case_ref, r.id),
    "case": lambda r: (r.case_ref, r.due, r.id),
    "la": lambda r: (r.la.lower(), r.due, r.case_ref, r.id),
    "owner": lambda r: (owner_name(r), r.due, r.case_ref, r.id),
    "rule": lambda r: (r.rule_id, r.due, r.case_ref, r.id),
    "process": lambda r: (r.process_kind, r.due, r.case_ref, r.id),
}


def expected(rows: list[Row], view: str, sort: str, desc: bool, **filters: str) -> list[int]:
    kept = [
        r
        for r in rows
        if not r.stopped
        and all(not v or getattr(r, k) == v for k, v in filters.items())
        and (view == "open" or (r.overdue if view == "overdue" else r.due_soon))
    ]
    if sort == "":  # store.queries.open_steps: overdue first, most overdue first, then by target date
        return [
            r.id
            for r in sorted(
                kept, key=lambda r: (r.due >= TODAY, r.due if r.due < TODAY else TODAY, r.target, r.case_ref, r.id)
            )
        ]
    return [r.id for r in sorted(kept, key=KEYS[sort], reverse=desc)]


def walk(session_factory, query: StepQuery, view: str, sort: str, desc: bool, limit: int) -> list[int]:
    ids: list[int] = []
    after = None
    for _ in range(1000):
        with session_factory() as session:
            found = page(
                session,
                query,
                view,
                sort=sort,
                desc=desc,
                after=after,
                limit=limit,
                owner_names=NAMES,
                stopped=stopped_ids(session),
            )
        assert len(found.steps) <= limit
        assert len(found.ids) == len(found.steps)
        ids += found.ids
        if found.next is None:
            return ids
        # the cursor survives the round trip a link gives it
        after = Cursor.decode(found.next.encode(), sort, desc)
    raise AssertionError("the pages never ended")


def query(**filters: str) -> StepQuery:
    return StepQuery(today=TODAY, due_soon_days=SOON, kinds=KINDS, **filters)  # type: ignore[arg-type]


@pytest.fixture
def rows(session_factory) -> list[Row]:
    return make_rows(session_factory)


@pytest.mark.parametrize("view", ["open", "overdue", "due-soon"])
def test_every_order_walked_page_by_page_is_the_plain_reading(session_factory, rows, view) -> None:
    for sort in ("", *SORT_KEYS):
        for desc in (False, True) if sort else (False,):
            want = expected(rows, view, sort, desc)
            for limit in (1, 7, 500):
                got = walk(session_factory, query(), view, sort, desc, limit)
                assert got == want, (view, sort, desc, limit)


def test_filters_combine_and_keep_their_order(session_factory, rows) -> None:
    for filters in ({"la": "medway"}, {"owner": "ta"}, {"rule": "ehc-advice"}, {"process": "annual-review"}):
        for view in ("open", "overdue"):
            field = {"process": "process_kind", "rule": "rule_id"}.get(*filters, next(iter(filters)))
            value = next(iter(filters.values()))
            want = expected(rows, view, "due", False, **{field: value})
            assert walk(session_factory, query(**filters), view, "due", False, 5) == want
    # staff read their own steps only, whatever they filter by
    want = expected(rows, "open", "", False, owner="ta")
    assert walk(session_factory, query(scope_owner="ta"), "open", "", False, 4) == want
    assert walk(session_factory, query(scope_owner="ta", owner="senco"), "open", "", False, 4) == []


def test_counts_and_choices_are_those_of_the_rows(session_factory, rows) -> None:
    with session_factory() as session:
        groups = facets(session, query())
    assert sum(f.n for f in groups) == len(rows)
    counted = count(groups)
    assert counted.open == len(rows)
    assert counted.overdue == sum(r.overdue for r in rows)
    assert counted.due_soon == sum(r.due_soon for r in rows)
    assert counted.exempt == sum(r.exempt for r in rows)
    assert {f.la for f in groups} == {r.la for r in rows}
    assert {f.owner for f in groups} == {r.owner for r in rows}
    kent = count(f for f in groups if f.kept(query(la="Kent")))
    assert kent.open == sum(r.la == "Kent" for r in rows)


def test_the_steps_of_stopped_processes_come_apart(session_factory, rows) -> None:
    with session_factory() as session:
        stopped = stopped_rows(session, query(), "open", stopped_ids(session))
    assert sorted((s.workflow_id, s.rule_id, s.due) for s in stopped) == sorted(
        (r.workflow_id, r.rule_id, r.due) for r in rows if r.stopped
    )
    assert stopped and all(s.stopped for s in stopped)


def test_a_cursor_from_elsewhere_is_refused(session_factory, rows) -> None:
    with session_factory() as session:
        first = page(session, query(), "open", sort="due", limit=3)
    assert first.next is not None
    text = first.next.encode()
    with pytest.raises(BadCursor):
        Cursor.decode(text, "case", False)  # another order
    with pytest.raises(BadCursor):
        Cursor.decode(text, "due", True)  # the other direction
    for junk in ("", "x", "!!!", "W10", "WyJkdWUiLDAsMCxbXV0", "WyJkdWUiLDAsMCxbMSwyLDNdXQ"):
        with pytest.raises(BadCursor):
            Cursor.decode(junk, "due", False)
