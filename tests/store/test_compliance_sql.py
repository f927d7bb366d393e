"""The compliance figures counted in the database (store/compliance_sql.py, issue 26) are the figures the Python
reference counts from every step (store/compliance.py, over all_steps judged for backdating as the pages judge it),
on SQLite and PostgreSQL, for varied fictional data: several schools and LAs, exemptions, steps open past due and not
yet due, withdrawn and cancelled, completions with and without on_time, rules never late, annual reviews with and
without a meeting date (written well, badly, or not at all), completions recorded late (around midnight, after
overdue notices, by sendclock itself) and steps outside the year. The keyset batches of the CSV export read the same
steps as all_steps, in its order."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from audit.backdating import SYSTEM_ACTOR
from config.settings import CalendarSettings, ClosureSetting, Settings
from dashboard.compliance_view import judged, steps_csv, steps_csv_chunks
from store.compliance import academic_year_of, compliance, compliance_by_school
from store.compliance_sql import (
    Backdating,
    largest_utc_offset,
    never_late_rules,
    year_compliance,
    year_compliance_by_school,
    years_with_steps,
)
from store.models import Event, Process, Step
from store.web_queries import ESCALATION, REVIEW_DUE, all_steps, completion_key, step_prefix, steps_after

pytestmark = pytest.mark.databases

SCHOOLS = ("north", "south", "default")
LAS = ("Kent", "Surrey", "Essex")
# Duties of the school and of the LA, rules never late (an earliest date, a parent's window), one the rule book no
# longer has (counted, as store.compliance.judged counts it).
RULES = (
    "ehc-advice",
    "review-report",
    "reassessment-decision",
    "reassessment-earliest",
    "draft-plan-representations",
    "a-retired-rule",
)
# What a completion of an annual review may say of its meeting: a date, nothing, or something all_steps cannot read
# as a calendar date YYYY-MM-DD (a day February does not have, words, the basic form, a JSON null).
MEETING_TEXTS = ("", "2027-02-30", "not a date", "20270105", None, "2026-02-29", "2028-02-29", "0000-01-01")


def _instant(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def seed(sessions: sessionmaker[Session], rng: random.Random, processes: int = 120) -> None:
    """Fictional processes (case refs EHC-00001...) with steps due from June 2025 to October 2028."""
    first = date(2025, 6, 1)
    with sessions.begin() as session:
        for n in range(1, processes + 1):
            workflow_id = f"ehc-advice-request-EHC-{n:05d}"
            held = rng.choice([None, None, "2026-11-02", "2027-06-30", "2027-02-30", "soon", ""])
            process = Process(
                workflow_id=workflow_id,
                school=rng.choice(SCHOOLS),
                kind="ehc-advice-request",
                case_ref=f"EHC-{rng.randrange(1, processes // 2):05d}",  # two processes may share a case
                la=rng.choice(LAS),
                owner="senco",
                status="open",
                received_on=first,
                channel="email",
                opened_at=_instant(first, 9),
                facts={} if held is None else {"held_on": held},
            )
            session.add(process)
            session.flush()
            kinds = [(rule, 1) for rule in rng.sample(RULES, rng.randrange(1, 4))]
            kinds += [(REVIEW_DUE, i) for i in range(1, rng.randrange(1, 4))]
            for rule_id, instance in kinds:
                due = first + timedelta(days=rng.randrange(0, 1250))
                _step(session, rng, process, rule_id, instance, due)


def _step(session: Session, rng: random.Random, process: Process, rule_id: str, instance: int, due: date) -> None:
    status = rng.choices(["open", "completed", "withdrawn", "cancelled"], [30, 55, 10, 5])[0]
    completed_on = None
    if status == "completed" and rng.random() < 0.95:
        completed_on = due + timedelta(days=rng.randrange(-25, 25))
    on_time = None
    if completed_on is not None and rng.random() < 0.75:
        on_time = completed_on <= due if rng.random() < 0.85 else completed_on > due  # on_time is what counts
    session.add(
        Step(
            process_id=process.workflow_id,
            rule_id=rule_id,
            instance=instance,
            rule_version=date(2014, 9, 1),
            basis="fictional basis",
            anchor=due - timedelta(days=42),
            due=due,
            target=due - timedelta(days=2),
            explanation=["fictional test step"],
            owner="senco",
            status=status,
            exempt=rng.random() < 0.15,
            exemption_ground="reg-8-2" if rng.random() < 0.1 else None,
            completed_on=completed_on,
            on_time=on_time,
            days_late=None,
        )
    )
    prefix = step_prefix(process.workflow_id, rule_id, instance)
    given = completed_on or due
    # Overdue notices around the date given: some before it, some after it was recorded, some not delivered.
    for k in range(rng.choice([0, 0, 1, 2, 3])):
        on = given + timedelta(days=rng.randrange(-3, 6))
        at = _instant(on, 8, k)
        data = {"kind": "overdue", "on": on.isoformat(), "recipients": ["senco"], "delivered": rng.random() < 0.85}
        session.add(
            Event(
                key=f"{prefix}overdue/{at.isoformat()}",
                process_id=process.workflow_id,
                rule_id=rule_id,
                kind=ESCALATION,
                occurred_at=at,
                data=data,
            )
        )
    if status != "completed" or rng.random() < 0.05:  # a completion from before its record was kept
        return
    recorded = rng.choice(
        [
            _instant(given, 10),  # the same day
            _instant(given, 23, 30),  # the same UTC day, the next in London in summer
            _instant(given, 22, 59),
            _instant(given - timedelta(days=1), 23, 30),
            _instant(given + timedelta(days=1), 0, 30),
            _instant(given + timedelta(days=rng.randrange(1, 4)), 9),
            _instant(given + timedelta(days=rng.randrange(4, 12)), 14),
            _instant(given + timedelta(days=rng.randrange(12, 40)), 16),
        ]
    )
    data: dict = {"completed_on": completed_on.isoformat() if completed_on else None, "recorded_by": "web:senco"}
    if rule_id == REVIEW_DUE:
        choice = rng.random()
        if choice < 0.55:
            data["meeting_held_on"] = (due + timedelta(days=rng.randrange(-30, 20))).isoformat()
        elif choice < 0.85:
            data["meeting_held_on"] = rng.choice(MEETING_TEXTS)
    session.add(
        Event(
            key=completion_key(process.workflow_id, rule_id, instance),
            process_id=process.workflow_id,
            rule_id=rule_id,
            kind="completed",
            occurred_at=recorded,
            actor=rng.choice(["senco", "senco", "senco", SYSTEM_ACTOR, None]),
            data=data,
        )
    )


def settings_for(tmp_path: Path, zone: str, working_days: int) -> Settings:
    settings = Settings(var_dir=tmp_path, timezone=zone)
    settings.audit.backdating_working_days = working_days
    settings.calendar = CalendarSettings(
        closures=[ClosureSetting(start=date(2027, 2, 15), end=date(2027, 2, 19), label="February half term")]
    )
    return settings


@pytest.mark.parametrize("seed_value", [1, 2])
def test_the_sql_counts_are_the_python_reference(session_factory, tmp_path: Path, seed_value: int) -> None:
    seed(session_factory, random.Random(seed_value))
    never_late = never_late_rules()
    assert never_late == {"reassessment-earliest", "draft-plan-representations", "cease-appeal-window"}
    seen = {"backdated": 0, "by notice alone": 0, "meetings": 0, "exempt": 0}
    cases = [
        ("Europe/London", 5, date(2027, 3, 10)),
        ("Europe/London", 0, date(2026, 7, 1)),
        ("Pacific/Kiritimati", 2, date(2027, 9, 2)),
        ("America/New_York", 5, date(2028, 12, 1)),
    ]
    for zone, working_days, today in cases:
        settings = settings_for(tmp_path, zone, working_days)
        backdating = Backdating(
            judge=lambda steps, s=settings: [f.backdated is not None for f in judged(steps, s)],
            zones=(zone,),
            working_days=working_days,
            system_actor=SYSTEM_ACTOR,
        )
        with session_factory() as session:
            every = judged(all_steps(session), settings)
            for year in (2024, 2025, 2026, 2027, 2028):
                reference = compliance(every, year, today)
                assert year_compliance(session, year, today, never_late=never_late, backdating=backdating) == reference
                by_school = compliance_by_school(every, year, today)
                got = year_compliance_by_school(session, year, today, never_late=never_late, backdating=backdating)
                for school in SCHOOLS:
                    empty = compliance([], year, today)
                    assert got.get(school, empty) == by_school.get(school, empty), (zone, today, year, school)
                    alone = year_compliance(
                        session, year, today, never_late=never_late, school=school, backdating=backdating
                    )
                    assert alone == by_school.get(school, empty)
                seen["backdated"] += reference.total.backdated
                seen["by notice alone"] += sum(
                    1 for s in every if s.backdated and "over the limit" not in s.backdated and s.due.year == year
                )
                seen["meetings"] += reference.reviews[0].counted
                seen["exempt"] += reference.total.exempt
            # Without a judge nothing counts as backdated, as with steps nobody judged.
            plain = compliance(all_steps(session), 2026, today)
            assert year_compliance(session, 2026, today, never_late=never_late) == plain
    assert all(seen.values()), seen  # the data exercised each part


def test_the_years_with_steps_are_those_of_every_step(session_factory) -> None:
    seed(session_factory, random.Random(3), processes=40)
    with session_factory() as session:
        assert years_with_steps(session) == sorted({academic_year_of(s.due) for s in all_steps(session)})
        for school in (*SCHOOLS, "elsewhere"):
            expected = sorted({academic_year_of(s.due) for s in all_steps(session, school=school)})
            assert years_with_steps(session, school=school) == expected


@pytest.mark.parametrize("limit", [1, 7, 1000])
def test_the_keyset_batches_are_all_steps_in_order(session_factory, limit: int) -> None:
    seed(session_factory, random.Random(4), processes=40)
    with session_factory() as session:
        for school in (None, "north"):
            read, after = [], None
            while True:
                batch, last = steps_after(session, after, limit=limit, school=school)
                read += batch
                if len(batch) < limit:
                    break
                after = last
            assert read == all_steps(session, school=school)
            assert any(s.escalations for s in read)


class _OneSchool:
    """What the CSV export reads of the dashboard's Web (dashboard/context.py) for a deployment of one school."""

    several_schools = False

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings, self.sessionmaker = settings, sessions


@pytest.mark.parametrize("batch", [1, 6, 1000])
def test_the_streamed_csv_is_the_csv_of_every_step(session_factory, tmp_path: Path, batch: int) -> None:
    seed(session_factory, random.Random(5), processes=30)
    settings, today = settings_for(tmp_path, "Europe/London", 3), date(2027, 3, 10)
    web = _OneSchool(settings, session_factory)
    with session_factory() as session:
        every = judged(all_steps(session), settings)
    names = {school: f"{school.title()} Example School" for school in SCHOOLS}
    for school_names in (None, names):
        whole = steps_csv(every, today, school_names)
        chunks = list(steps_csv_chunks(web, None, today, school_names, batch=batch, first=3))  # type: ignore[arg-type]
        assert "".join(chunks) == whole
        first = min(3, batch)
        assert len(chunks) == 2 + -(-(len(every) - first) // batch)  # the header, the first batch, then a chunk a batch
    assert any(s.backdated for s in every)


def test_the_largest_offset_of_a_zone() -> None:
    assert largest_utc_offset("Europe/London") == timedelta(hours=1)
    assert largest_utc_offset("Pacific/Kiritimati") == timedelta(hours=14)
    assert largest_utc_offset("UTC") == timedelta(0)
