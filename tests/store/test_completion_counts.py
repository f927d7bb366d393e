"""The completed steps counted as they are written (migration 0013): after any mix of inserts, completions, reopenings,
withdrawals, changed due dates, exemptions and outcomes, a process's LA or school changed, and deletes, the counts
are what counting the step table gives. On SQLite and PostgreSQL. Fictional case references only."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from store.compliance import academic_year_of
from store.models import CompletionCount, Process, Step
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

RULES = ("ehc-advice", "review-report", "final-plan")
LAS = ("Kent", "Medway", "Surrey")
SCHOOLS = ("oak", "elm")


def counted_by_triggers(session) -> Counter:
    return Counter(
        {
            (c.school, c.year, c.rule_id, c.la, bool(c.exempt), bool(c.on_time)): c.n
            for c in session.scalars(select(CompletionCount))
            if c.n != 0
        }
    )


def counted_here(session) -> Counter:
    found: Counter = Counter()
    for s in session.scalars(select(Step).where(Step.status == "completed")):
        on_time = s.on_time if s.on_time is not None else (s.completed_on is not None and s.completed_on <= s.due)
        found[(s.school, academic_year_of(s.due), s.rule_id, s.la, bool(s.exempt), bool(on_time))] += 1
    return found


def completed(rng: random.Random, due: date) -> dict:
    done = due + timedelta(days=rng.randint(-10, 10))
    on_time = rng.choice([done <= due, None, None])  # a completion written without its judgement: by its dates
    return dict(status="completed", completed_on=rng.choice([done, done, None]), on_time=on_time)


def test_the_counts_follow_every_change(session_factory) -> None:
    rng = random.Random(13)
    with session_factory.begin() as session:
        for n in range(30):
            p = add_process(
                session, f"ehc-advice-request-EHC-{n:04d}", f"EHC-{n:04d}", la=LAS[n % 3], school=SCHOOLS[n % 2]
            )
            for rule_id in rng.sample(RULES, 2):
                due = date(2026, 8, 20) + timedelta(days=rng.randint(0, 30))  # either side of 1 September
                fields = completed(rng, due) if rng.random() < 0.6 else {}
                add_step(session, p, rule_id, due=due, target=due, exempt=rng.random() < 0.2, **fields)
    with session_factory() as session:
        assert counted_by_triggers(session) == counted_here(session)

    for round_ in range(4):
        with session_factory.begin() as session:
            steps = list(session.scalars(select(Step).order_by(Step.id)))
            for s in rng.sample(steps, 12):
                change = rng.choice(["complete", "reopen", "withdraw", "due", "exempt", "on_time"])
                if change == "complete":
                    values = completed(rng, s.due)
                elif change == "reopen":
                    values = dict(status="open", completed_on=None, on_time=None)
                elif change == "withdraw":
                    values = dict(status="withdrawn")
                elif change == "due":
                    values = dict(due=s.due + timedelta(days=rng.choice([-20, 20])))
                elif change == "exempt":
                    values = dict(exempt=not s.exempt)
                else:
                    values = dict(on_time=rng.choice([True, False, None]))
                session.execute(update(Step).where(Step.id == s.id).values(**values))
            moved = f"ehc-advice-request-EHC-{round_:04d}"
            session.execute(
                update(Process).where(Process.workflow_id == moved).values(la=LAS[(round_ + 1) % 3], school="ash")
            )
            session.execute(delete(Step).where(Step.id == rng.choice(steps).id))
        with session_factory() as session:
            assert counted_by_triggers(session) == counted_here(session), f"round {round_}"

    with session_factory.begin() as session:  # a process deleted takes its steps with it
        session.execute(delete(Step).where(Step.process_id == "ehc-advice-request-EHC-0010"))
        session.execute(delete(Process).where(Process.workflow_id == "ehc-advice-request-EHC-0010"))
    with session_factory() as session:
        assert counted_by_triggers(session) == counted_here(session)
        completed_steps = session.scalar(select(func.count()).select_from(Step).where(Step.status == "completed"))
        assert sum(counted_by_triggers(session).values()) == completed_steps
