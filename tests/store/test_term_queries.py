"""A term's steps (store/term_queries.py): those due from the day after the term before ended to the term's last day,
open or done, one member of staff's when asked, never another term's; withdrawn and cancelled ones counted apart; the
register's size by code, counted in the database, and for one member of staff only their pupils. Fictional rows
(case references only)."""

from __future__ import annotations

from datetime import date

import pytest

from statutory.terms import SchoolTerms, Term
from store.term_queries import previous_term, register_size, set_aside, term_span, term_steps
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

AUTUMN = Term(name="Autumn term", start=date(2026, 9, 3), end=date(2026, 12, 18))
SPRING = Term(name="Spring term", start=date(2027, 1, 4), end=date(2027, 3, 26))
SUMMER = Term(name="Summer term", start=date(2027, 4, 12), end=date(2027, 7, 21))
TERMS = SchoolTerms([AUTUMN, SPRING, SUMMER])  # 2026-27 set; 2025-26 and 2027-28 follow the England pattern


def test_a_term_begins_the_day_after_the_term_before_it_ended() -> None:
    assert previous_term(TERMS, SPRING) == AUTUMN and previous_term(TERMS, SUMMER) == SPRING
    summer_before = previous_term(TERMS, AUTUMN)  # 2025-26 has no terms set: the England pattern's summer term
    assert summer_before.default and (summer_before.start, summer_before.end) == (date(2026, 4, 1), date(2026, 7, 31))
    assert term_span(TERMS, AUTUMN) == (date(2026, 8, 1), date(2026, 12, 18))
    assert term_span(TERMS, SPRING) == (date(2026, 12, 19), date(2027, 3, 26))  # the Christmas holiday is spring's
    autumn_after = TERMS.next_term(SUMMER)
    assert autumn_after.default and term_span(TERMS, autumn_after) == (date(2027, 7, 22), date(2027, 12, 31))
    # Every day from one term's span to the next belongs to exactly one, the one term_of names.
    for term in (AUTUMN, SPRING, SUMMER):
        first, last = term_span(TERMS, term)
        assert TERMS.term_of(first) == term == TERMS.term_of(last)


@pytest.fixture
def seeded(session_factory):
    with session_factory.begin() as session:
        support = add_process(session, "sen-support-SUP-0001-20260903", "SUP-0001", kind="sen-support", owner="ta")
        ended = add_process(
            session, "sen-support-SUP-0002-20260903", "SUP-0002", kind="sen-support", status="completed"
        )
        pep = add_process(session, "pep-review-PEP-0001-20260903", "PEP-0001", kind="pep-review")
        review = add_process(session, "annual-review-EHC-0007", "EHC-0007", kind="annual-review", owner="ta")
        advice = add_process(session, "ehc-advice-request-EHC-0042-20260629", "EHC-0042", status="stopped")
        add_step(session, support, "sen-support-review", due=date(2026, 12, 18), target=date(2026, 12, 18))
        add_step(session, support, "sen-support-review", due=date(2027, 3, 25), target=date(2027, 3, 25), instance=2)
        add_step(
            session, ended, "sen-support-review", due=date(2026, 12, 18), target=date(2026, 12, 18), status="cancelled"
        )
        add_step(session, pep, "pep-review", due=date(2026, 12, 4), target=date(2026, 12, 4))
        add_step(
            session,
            review,
            "annual-review-due",
            due=date(2026, 12, 7),
            target=date(2026, 12, 7),
            status="completed",
            completed_on=date(2026, 12, 8),
            on_time=False,
            days_late=1,
        )
        add_step(session, review, "review-report", due=date(2026, 12, 10), target=date(2026, 12, 9))
        add_step(session, advice, "ehc-advice", due=date(2026, 8, 10), target=date(2026, 8, 3))  # in the holiday
        add_step(session, advice, "ehc-final-plan", due=date(2026, 7, 31), target=date(2026, 7, 31))  # summer's
        add_step(session, advice, "ehc-assessment-decision", due=date(2026, 12, 19), target=date(2026, 12, 19))
    return session_factory


def test_a_terms_steps_are_those_due_in_its_span_open_or_done_in_date_order(seeded) -> None:
    first, last = term_span(TERMS, AUTUMN)
    with seeded() as session:
        steps = term_steps(session, first, last)
        aside = set_aside(session, first, last)
    assert [(s.case_ref, s.rule_id, s.due) for s in steps] == [
        ("EHC-0042", "ehc-advice", date(2026, 8, 10)),  # the summer holiday's: the autumn term's
        ("PEP-0001", "pep-review", date(2026, 12, 4)),
        ("EHC-0007", "annual-review-due", date(2026, 12, 7)),
        ("EHC-0007", "review-report", date(2026, 12, 10)),
        ("SUP-0001", "sen-support-review", date(2026, 12, 18)),
    ]
    assert aside == 1  # SUP-0002's review was cancelled when the process ended
    done = next(s for s in steps if s.status == "completed")
    assert (done.completed_on, done.on_time, done.days_late) == (date(2026, 12, 8), False, 1)
    assert [s.stopped for s in steps] == [True, False, False, False, False]  # EHC-0042's process: stopped outside
    assert [s.process_kind for s in steps][:2] == ["ehc-advice-request", "pep-review"]


def test_one_member_of_staffs_steps_only_theirs(seeded) -> None:
    first, last = term_span(TERMS, AUTUMN)
    with seeded() as session:
        theirs = term_steps(session, first, last, owner="ta")
        nobodys = term_steps(session, first, last, owner="no-such-staff")
        assert set_aside(session, first, last, owner="ta") == 0
    assert {(s.case_ref, s.rule_id) for s in theirs} == {
        ("EHC-0007", "annual-review-due"),
        ("EHC-0007", "review-report"),
        ("SUP-0001", "sen-support-review"),
    }
    assert {s.owner for s in theirs} == {"ta"} and nobodys == []


def test_the_next_term_has_the_christmas_holiday_and_not_the_autumn_terms_steps(seeded) -> None:
    with seeded() as session:
        spring = term_steps(session, *term_span(TERMS, SPRING))
    assert [(s.case_ref, s.rule_id, s.due) for s in spring] == [
        ("EHC-0042", "ehc-assessment-decision", date(2026, 12, 19)),
        ("SUP-0001", "sen-support-review", date(2027, 3, 25)),
    ]


def test_the_register_counts_pupils_with_an_open_process_by_code(seeded) -> None:
    with seeded.begin() as session:  # a second SEN support process of SUP-0001 (a restart) is still one pupil
        again = add_process(session, "sen-support-SUP-0001-20270104", "SUP-0001", kind="sen-support", owner="senco")
        add_step(session, again, "sen-support-review", due=date(2027, 3, 25), target=date(2027, 3, 25))
    with seeded() as session:
        school = register_size(session)
        ta = register_size(session, owner="ta")
        nobody = register_size(session, owner="no-such-staff")
    assert school == {"sen-support": 1, "annual-review": 1, "pep-review": 1}  # SUP-0002's process has ended
    assert ta == {"sen-support": 1, "annual-review": 1, "pep-review": 0}
    assert nobody == {"sen-support": 0, "annual-review": 0, "pep-review": 0}
