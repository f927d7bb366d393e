"""The termly review figures (store/term_queries.py termly_reviews, shown on the compliance page and in its CSV): per
term of a school year and for the year, SEN support reviews held against those due, held with the parents (the
completion's `with_parents`), missed (open past the due date, or cancelled after it), and PEP reviews the same. A
review withdrawn, or cancelled by its due date, was not due. The figures are checked against a count made here, over
rows built in the database (fictional case references, no personal data)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from dashboard.compliance_view import TERMLY_CSV_FIELDS, termly_csv, termly_rows
from statutory.terms import SchoolTerms, Term
from store.models import Event, Process
from store.term_queries import PEP_REVIEW, SEN_SUPPORT_REVIEW, termly_reviews, year_totals
from store.web_queries import step_prefix
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

AUTUMN = Term(name="Autumn term", start=date(2026, 9, 3), end=date(2026, 12, 18))
SPRING = Term(name="Spring term", start=date(2027, 1, 4), end=date(2027, 3, 26))
SUMMER = Term(name="Summer term", start=date(2027, 4, 12), end=date(2027, 7, 21))
TERMS = SchoolTerms([AUTUMN, SPRING, SUMMER])
TODAY = date(2027, 3, 10)  # in the spring term
# The due dates each term counts, written out here (the day after the term before ended, to its own last day).
SPANS = {
    AUTUMN.title: (date(2026, 8, 1), date(2026, 12, 18)),
    SPRING.title: (date(2026, 12, 19), date(2027, 3, 26)),
    SUMMER.title: (date(2027, 3, 27), date(2027, 7, 21)),
}
AT = datetime(2026, 9, 3, 9, 0, tzinfo=UTC)


def review(session, n: int, rule: str, due: date, outcome: str, *, instance: int = 1) -> None:
    """One termly review of a fictional pupil, with its completion or cancellation record as the workflow writes it.
    outcome: open | held (with the parents) | held-without | held-late | cancelled:YYYY-MM-DD | withdrawn."""
    kind = "sen-support" if rule == SEN_SUPPORT_REVIEW else "pep-review"
    workflow_id = f"{kind}-T-{n:04d}-20260903"
    process = (
        add_process(session, workflow_id, f"T-{n:04d}", kind=kind)
        if instance == 1
        else session.get(Process, workflow_id)  # the pupil's next term: the same process
    )
    status = outcome.split(":")[0].replace("held-without", "completed").replace("held-late", "completed")
    status = status.replace("held", "completed")
    fields: dict = {"status": status, "instance": instance}
    data: dict | None = None
    if status == "completed":
        late = outcome == "held-late"
        done = due + timedelta(days=3) if late else due - timedelta(days=5)
        fields |= {"completed_on": done, "on_time": not late, "days_late": 3 if late else 0}
        parents = None if rule == PEP_REVIEW else outcome != "held-without"
        data = {"completed_on": done.isoformat(), "on_time": not late, "with_parents": parents, "why_not": None}
        if parents is False:
            data["why_not"] = "the parents could not come"
    elif status == "cancelled":
        data = {"cancelled_on": outcome.split(":")[1], "reason": "the pupil left the school"}
    add_step(session, process, rule, due=due, target=due, **fields)
    if data is not None:
        session.flush()
        suffix = "completed" if status == "completed" else "cancelled"
        session.add(
            Event(
                key=f"{step_prefix(workflow_id, rule, instance)}{suffix}",
                process_id=workflow_id,
                kind=suffix,
                rule_id=rule,
                occurred_at=AT,
                data=data,
            )
        )


def test_a_term_by_hand(session_factory) -> None:
    with session_factory.begin() as session:
        review(session, 1, SEN_SUPPORT_REVIEW, AUTUMN.end, "held")
        review(session, 2, SEN_SUPPORT_REVIEW, AUTUMN.end, "held-without")
        review(session, 3, SEN_SUPPORT_REVIEW, AUTUMN.end, "open")  # never held: missed
        review(session, 4, SEN_SUPPORT_REVIEW, AUTUMN.end, "cancelled:2027-01-08")  # ended after its date: missed
        review(session, 5, SEN_SUPPORT_REVIEW, AUTUMN.end, "cancelled:2026-11-02")  # left before: not due
        review(session, 6, SEN_SUPPORT_REVIEW, AUTUMN.end, "withdrawn")
        review(session, 7, SEN_SUPPORT_REVIEW, AUTUMN.end, "held-late")
        review(session, 8, PEP_REVIEW, AUTUMN.end, "held")
        review(session, 1, SEN_SUPPORT_REVIEW, date(2027, 3, 25), "open", instance=2)  # spring's: still to come
        review(session, 9, SEN_SUPPORT_REVIEW, date(2027, 12, 17), "held")  # 2027-28: another year
    with session_factory() as session:
        figures = termly_reviews(session, TERMS, "2026-27", TODAY)
    autumn = {f.rule_id: f for f in figures if f.term == AUTUMN}
    support = autumn[SEN_SUPPORT_REVIEW]
    assert (support.due, support.held, support.held_on_time, support.with_parents, support.missed) == (5, 3, 2, 2, 2)
    assert support.to_come == 0
    pep = autumn[PEP_REVIEW]
    assert (pep.due, pep.held, pep.with_parents, pep.missed) == (1, 1, 0, 0)
    spring = {f.rule_id: f for f in figures if f.term == SPRING}[SEN_SUPPORT_REVIEW]
    assert (spring.due, spring.to_come, spring.missed) == (1, 1, 0)
    assert [(f.term.title if f.term else None, f.rule_id) for f in figures] == [
        (t.title, rule) for t in (AUTUMN, SPRING, SUMMER) for rule in (SEN_SUPPORT_REVIEW, PEP_REVIEW)
    ]
    year = year_totals(figures)[SEN_SUPPORT_REVIEW]
    assert (year.term, year.due, year.held, year.with_parents, year.missed, year.to_come) == (None, 6, 3, 2, 2, 1)


OUTCOMES = ["open", "held", "held-without", "held-late", "withdrawn", "cancelled-before", "cancelled-after"]


def test_the_figures_match_a_count_made_here(session_factory) -> None:
    """Many reviews, due on any day from before the year to after it (holidays too), with every outcome: each term's
    figures are what counting the rows one by one gives."""
    rng = random.Random(24)
    made: list[tuple[str, date, str, str | None]] = []  # (rule, due, outcome, cancelled_on)
    with session_factory.begin() as session:
        for n in range(1, 121):
            rule = rng.choice((SEN_SUPPORT_REVIEW, PEP_REVIEW))
            due = date(2026, 6, 1) + timedelta(days=rng.randrange(500))  # 1 Jun 2026 to mid Oct 2027
            outcome = rng.choice(OUTCOMES)
            cancelled = None
            if outcome.startswith("cancelled"):
                shift = rng.randrange(1, 40)
                cancelled = (due + timedelta(days=shift if outcome == "cancelled-after" else -shift)).isoformat()
                if rng.random() < 0.2:
                    cancelled = due.isoformat()  # cancelled on its due date: not yet missed
                review(session, n, rule, due, f"cancelled:{cancelled}")
            else:
                review(session, n, rule, due, outcome)
            made.append((rule, due, outcome, cancelled))
    with session_factory() as session:
        figures = termly_reviews(session, TERMS, "2026-27", TODAY)

    expected: dict[tuple[str, str], dict[str, int]] = {}
    for title, (first, last) in SPANS.items():
        for rule in (SEN_SUPPORT_REVIEW, PEP_REVIEW):
            count = dict.fromkeys(("due", "held", "on_time", "parents", "missed", "to_come"), 0)
            for r, due, outcome, cancelled in made:
                if r != rule or not first <= due <= last:
                    continue
                if outcome.startswith("held"):
                    count["held"] += 1
                    count["on_time"] += outcome != "held-late"
                    count["parents"] += rule == SEN_SUPPORT_REVIEW and outcome != "held-without"
                elif outcome == "open":
                    count["missed" if due < TODAY else "to_come"] += 1
                elif cancelled is not None and cancelled > due.isoformat():
                    count["missed"] += 1
                else:
                    continue  # withdrawn, or cancelled by its due date: not due
                count["due"] += 1
            expected[(title, rule)] = count
    found = {
        (f.term.title, f.rule_id): {
            "due": f.due,
            "held": f.held,
            "on_time": f.held_on_time,
            "parents": f.with_parents,
            "missed": f.missed,
            "to_come": f.to_come,
        }
        for f in figures
        if f.term is not None
    }
    assert found == expected
    assert sum(c["due"] for c in expected.values()) > 30  # the year holds a good share of them
    totals = year_totals(figures)
    for rule in (SEN_SUPPORT_REVIEW, PEP_REVIEW):
        assert totals[rule].due == sum(c["due"] for (_, r), c in expected.items() if r == rule)
        assert totals[rule].missed == sum(c["missed"] for (_, r), c in expected.items() if r == rule)


def test_a_year_with_no_terms_set_counts_by_the_england_pattern(session_factory) -> None:
    with session_factory.begin() as session:
        review(session, 1, SEN_SUPPORT_REVIEW, date(2028, 12, 15), "held")  # 2028-29: no terms set
        review(session, 2, SEN_SUPPORT_REVIEW, date(2029, 1, 3), "open")  # the spring term of the England pattern
    with session_factory() as session:
        figures = termly_reviews(session, TERMS, "2028-29", date(2028, 12, 20))
    assert all(f.term is not None and f.term.default for f in figures)
    support = [(f.term.name, f.held, f.missed) for f in figures if f.rule_id == SEN_SUPPORT_REVIEW and f.term]
    assert support == [("Autumn term", 1, 0), ("Spring term", 0, 0), ("Summer term", 0, 0)]
    assert [f.to_come for f in figures if f.rule_id == SEN_SUPPORT_REVIEW] == [0, 1, 0]


def test_the_page_rows_and_the_csv_say_the_same(session_factory) -> None:
    with session_factory.begin() as session:
        review(session, 1, SEN_SUPPORT_REVIEW, AUTUMN.end, "held")
        review(session, 2, SEN_SUPPORT_REVIEW, AUTUMN.end, "open")
        review(session, 3, PEP_REVIEW, SPRING.end, "held-late")
    with session_factory() as session:
        rows = termly_rows(termly_reviews(session, TERMS, "2026-27", date(2027, 4, 1)))
    assert [r.label for r in rows] == [AUTUMN.title, SPRING.title, SUMMER.title, "The whole year"]
    assert (rows[0].sen_support.held, rows[0].sen_support.due, rows[0].sen_support.missed) == (1, 2, 1)
    assert (rows[-1].pep.held, rows[-1].pep.held_on_time, rows[-1].first) == (1, 0, None)
    lines = termly_csv(2026, rows).splitlines()
    assert lines[0].split(",") == TERMLY_CSV_FIELDS
    assert len(lines) == 1 + 2 * len(rows)
    assert (
        lines[1] == "2026-27,Autumn term 2026-27,2026-09-03,2026-12-18,no,SEN support review with parents,2,1,1,1,1,0"
    )
    assert lines[-1] == "2026-27,The whole year,,,no,PEP review for a looked-after pupil,1,1,0,0,0,0"
