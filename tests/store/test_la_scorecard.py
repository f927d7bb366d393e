"""The LA scorecard (store/la_scorecard.py): for each LA, per rule and per school year, its deadlines answered on time,
answered late (days late: median and worst), overdue with no answer yet (days overdue so far: median and worst) and
not yet due, all steps and excluding exemptions. A generated year of cases (and a little of the years either side)
is counted here independently, step by step in plain Python, and every figure compared; on SQLite and PostgreSQL.
Fictional case references only, no personal data."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from statutory.rules import Holder, get_rule
from statutory.terms import school_year_of
from store.la_scorecard import (
    LA_RULES,
    NO_LA,
    Days,
    Figures,
    deadline_years,
    la_known,
    las_in_processes,
    school_year_label,
    scorecards,
)
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

TODAY = date(2027, 5, 14)  # in the summer term of 2026-27: some deadlines still to come
LAS = ("Kent", "Medway", "Brighton & Hove")
# Steps that must not count: the school's own, the annual review (the LA with the school), the parent's window.
NOT_THE_LAS = ("ehc-advice", "annual-review-due", "draft-plan-representations", "review-report")


def test_the_las_deadlines_are_the_rules_the_la_holds_alone() -> None:
    assert set(LA_RULES) == {
        "ehc-assessment-decision",
        "ehc-no-plan-notice",
        "ehc-final-plan",
        "review-la-decision",
        "amended-plan-final",
        "reassessment-decision",
        "reassessment-final",
    }
    assert all(get_rule(r).holder is Holder.LA for r in LA_RULES)
    assert get_rule("annual-review-due").holder is Holder.SHARED and "annual-review-due" not in LA_RULES


def test_no_la_is_the_word_the_processes_use() -> None:
    from workflows.models import NO_LA as WORKFLOWS_NO_LA

    assert NO_LA == WORKFLOWS_NO_LA


def test_days_median_and_worst_are_those_of_the_list() -> None:
    rng = random.Random(7)
    for _ in range(200):
        values = [rng.randint(1, 60) for _ in range(rng.randint(1, 12))]
        days = Days.of(Counter(values))
        assert days.median == statistics.median(values) and days.worst == max(values) and days.n == len(values)
    assert Days().median is None and Days().worst is None


@dataclass
class Made:
    """One step as generated: what the independent count reads."""

    la: str
    rule_id: str
    status: str
    due: date
    exempt: bool
    completed_on: date | None
    on_time: bool | None
    days_late: int | None
    school: str = "oak"


def generate(session, seed: int = 2026) -> list[Made]:
    """A school year of cases (due dates from mid-August 2026 to mid-September 2027, so the years either side have a
    few) across three LAs: every LA-held rule, answered on time, late (some with the step's own on_time and
    days_late missing, as a completion might have been written), open past due or not yet due, exempted, withdrawn
    and cancelled; beside them steps that must not count: the school's, the annual review, a process with no LA."""
    rng = random.Random(seed)
    made: list[Made] = []
    first = date(2026, 8, 15)
    for n in range(240):
        la = LAS[n % 3] if n < 235 else NO_LA
        school = ("oak", "elm")[n % 2]
        process = add_process(session, f"generated-{n:04d}", f"GEN-{n:04d}", la=la, school=school)
        for rule_id in rng.sample(LA_RULES, rng.randint(1, 4)) + rng.sample(NOT_THE_LAS, 1):
            due = TODAY if rng.random() < 0.03 else first + timedelta(days=rng.randint(0, 395))  # today: not overdue
            exempt = rng.random() < 0.15
            outcome = rng.choices(["on-time", "late", "open", "withdrawn", "cancelled"], [5, 4, 3, 1, 1])[0]
            if outcome in ("open", "withdrawn", "cancelled") or due > TODAY:
                status = "open" if outcome in ("on-time", "late") else outcome
                completed_on, on_time, days_late = None, None, None
            else:
                status = "completed"
                completed_on = due - timedelta(days=rng.choice([0, 0, 1, 2, 5, 10, 20]))  # 0: on the day
                if outcome == "late":
                    completed_on = min(due + timedelta(days=rng.choice([1, 2, 3, 5, 8, 13, 21, 40, 90])), TODAY)
                on_time, days_late = completed_on <= due, max(0, (completed_on - due).days)
                if rng.random() < 0.2:  # a completion written without its judgement: counted from its dates
                    on_time, days_late = None, None
            add_step(
                session,
                process,
                rule_id,
                due=due,
                target=due,
                status=status,
                exempt=exempt,
                exemption_ground="la-closure" if exempt else None,
                completed_on=completed_on,
                on_time=on_time,
                days_late=days_late,
            )
            made.append(Made(la, rule_id, status, due, exempt, completed_on, on_time, days_late, school))
    # an LA named by a process with none of the LA's deadlines
    add_step(
        session,
        add_process(session, "generated-quiet", "GEN-QUIET", la="Surrey"),
        "ehc-advice",
        due=date(2027, 1, 1),
        target=date(2027, 1, 1),
    )
    return made


def count(made: list[Made], la: str, school_year: str, rule_id: str | None, exempt: bool | None) -> dict:
    """The figures of one LA's steps due in one school year (of one rule, or all; with an exemption, without, or
    both), counted one step at a time."""
    found: dict = {"on_time": 0, "late": 0, "overdue": 0, "not_yet_due": 0, "late_days": [], "overdue_days": []}
    for s in made:
        if s.la != la or school_year_of(s.due) != school_year or (rule_id is not None and s.rule_id != rule_id):
            continue
        if (exempt is not None and s.exempt != exempt) or s.rule_id not in LA_RULES:
            continue
        if s.status not in ("open", "completed"):
            continue
        if s.status == "completed":
            assert s.completed_on is not None
            on_time = s.on_time if s.on_time is not None else s.completed_on <= s.due
            if on_time:
                found["on_time"] += 1
            else:
                found["late"] += 1
                found["late_days"].append(s.days_late if s.days_late is not None else (s.completed_on - s.due).days)
        elif s.due < TODAY:
            found["overdue"] += 1
            found["overdue_days"].append((TODAY - s.due).days)
        else:
            found["not_yet_due"] += 1
    return found


def same(f: Figures, expected: dict, where: str) -> None:
    def median(values: list[int]) -> float | None:
        return statistics.median(values) if values else None

    got = {
        "on_time": f.on_time,
        "late": f.late,
        "overdue": f.overdue,
        "not_yet_due": f.not_yet_due,
        "late median": f.late_days.median,
        "late worst": f.late_days.worst,
        "overdue median": f.overdue_days.median,
        "overdue worst": f.overdue_days.worst,
        "together median": f.all_late_days.median,
        "together worst": f.all_late_days.worst,
    }
    together = expected["late_days"] + expected["overdue_days"]
    want = {
        "on_time": expected["on_time"],
        "late": expected["late"],
        "overdue": expected["overdue"],
        "not_yet_due": expected["not_yet_due"],
        "late median": median(expected["late_days"]),
        "late worst": max(expected["late_days"], default=None),
        "overdue median": median(expected["overdue_days"]),
        "overdue worst": max(expected["overdue_days"], default=None),
        "together median": median(together),
        "together worst": max(together, default=None),
    }
    assert got == want, where


def test_a_generated_year_of_cases_matches_a_count_made_here(session_factory) -> None:
    with session_factory.begin() as session:
        made = generate(session)
    with session_factory() as session:
        cards = scorecards(session, TODAY)
    assert [c.la for c in cards] == ["Brighton & Hove", "Kent", "Medway"]  # by name; no "none", no Surrey
    years_seen = 0
    for card in cards:
        expected_years = sorted(
            {
                school_year_of(s.due)
                for s in made
                if s.la == card.la and s.rule_id in LA_RULES and s.status in ("open", "completed")
            },
            reverse=True,
        )
        assert [y.school_year for y in card.years] == expected_years
        for year in card.years:
            years_seen += 1
            rules = [line.rule_id for line in year.rules]
            assert rules == [r for r in LA_RULES if r in rules], "rule book order"
            assert set(rules) == {
                s.rule_id
                for s in made
                if s.la == card.la
                and school_year_of(s.due) == year.school_year
                and s.rule_id in LA_RULES
                and s.status in ("open", "completed")
            }
            for line in [*year.rules, year.total]:
                where = f"{card.la} {year.school_year} {line.rule_id or 'all'}"
                of = (made, card.la, year.school_year, line.rule_id)
                same(line.all, count(*of, exempt=None), f"{where}, all steps")
                same(line.excluding_exemptions, count(*of, exempt=False), f"{where}, excluding exemptions")
                exempted = count(*of, exempt=True)
                assert line.exempted == sum(exempted[k] for k in ("on_time", "late", "overdue", "not_yet_due"))
    assert years_seen >= 6  # three LAs, 2026-27 and a year either side at least
    # The generated year has every kind of figure somewhere.
    main = [y.total.all for c in cards for y in c.years if y.school_year == "2026-27"]
    assert all(f.on_time and f.late and f.overdue and f.not_yet_due for f in main)
    assert all(y.total.exempted for c in cards for y in c.years if y.school_year == "2026-27")


def test_one_la_and_one_school_year_give_the_same_figures(session_factory) -> None:
    with session_factory.begin() as session:
        generate(session, seed=11)
    with session_factory() as session:
        everything = {c.la: c for c in scorecards(session, TODAY)}
        [kent] = scorecards(session, TODAY, la="Kent")
        year = scorecards(session, TODAY, school_year="2026-27")
        assert scorecards(session, TODAY, la="Surrey") == [] and scorecards(session, TODAY, la=NO_LA) == []
    assert kent == everything["Kent"]
    assert [c.la for c in year] == list(everything)
    for card in year:
        assert card.years == (everything[card.la].year("2026-27"),)


def test_every_la_the_processes_name_is_known(session_factory) -> None:
    with session_factory.begin() as session:
        generate(session, seed=3)
    with session_factory() as session:
        assert las_in_processes(session) == ["Brighton & Hove", "Kent", "Medway", "Surrey"]
        assert la_known(session, "Surrey") and la_known(session, "Kent")
        assert not la_known(session, "kent") and not la_known(session, NO_LA) and not la_known(session, "Nowhere")


def test_a_step_counts_by_its_due_date_on_the_school_years_edges(session_factory) -> None:
    """31 August is the last day of a school year, 1 September the first of the next; the due date itself is not
    yet overdue."""
    with session_factory.begin() as session:
        p = add_process(session, "edges", "EHC-0001", la="Kent")
        add_step(session, p, "ehc-final-plan", due=date(2026, 8, 31), target=date(2026, 8, 31))
        add_step(session, p, "ehc-assessment-decision", due=date(2026, 9, 1), target=date(2026, 9, 1))
        add_step(session, p, "review-la-decision", due=date(2026, 9, 2), target=date(2026, 9, 2))
    with session_factory() as session:
        [card] = scorecards(session, date(2026, 9, 2))
    assert [y.school_year for y in card.years] == ["2026-27", "2025-26"]
    new, old = card.years
    assert (old.total.all.overdue, old.total.all.overdue_days.worst) == (1, 2)
    assert (new.total.all.overdue, new.total.all.not_yet_due, new.total.all.overdue_days.counts) == (1, 1, ((1, 1),))


def test_figures_add_up(session_factory) -> None:
    with session_factory.begin() as session:
        made = generate(session, seed=5)
    with session_factory() as session:
        cards = scorecards(session, TODAY)
    totals: dict[str, int] = defaultdict(int)
    for card in cards:
        for year in card.years:
            f = year.total.all
            totals["counted"] += f.total
            assert f.due_by_today == f.answered + f.overdue and f.total == f.due_by_today + f.not_yet_due
            assert f.late_days.n <= f.late and f.overdue_days.n == f.overdue
    assert totals["counted"] == sum(
        1 for s in made if s.la != NO_LA and s.rule_id in LA_RULES and s.status in ("open", "completed")
    )


def test_the_school_years_of_each_las_deadlines(session_factory) -> None:
    with session_factory.begin() as session:
        made = generate(session, seed=9)
    counted = [s for s in made if s.la != NO_LA and s.rule_id in LA_RULES and s.status in ("open", "completed")]
    with session_factory() as session:
        found = deadline_years(session, [*LAS, "Surrey", "Nowhere Council", NO_LA])
        assert found.las == {s.la for s in counted}
        assert [school_year_label(y) for y in found.years] == sorted({school_year_of(s.due) for s in counted})
        for school in ("oak", "elm"):
            mine = [s for s in counted if s.school == school]
            of_school = deadline_years(session, LAS, school=school)
            assert of_school.las == {s.la for s in mine}
            assert [school_year_label(y) for y in of_school.years] == sorted({school_year_of(s.due) for s in mine})
