"""A fictional school's open steps on Monday 11 January 2027 (case refs only; one process carries a pupil's name in
its facts, which no digest may ever show)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from tests.store.store_rows import add_process, add_step

PUPIL_NAME = "Jane Doe"


def add_school(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        advice = add_process(session, "wf-advice-0042", "EHC-0042", facts={"note": f"pupil {PUPIL_NAME}, born 2015"})
        add_step(session, advice, "ehc-advice", due=date(2027, 1, 4), target=date(2027, 1, 4))  # 7 days late
        naming = add_process(
            session, "wf-naming-0043", "EHC-0043", la="Brighton & Hove <East>", kind="draft-plan-consultation"
        )
        add_step(
            session, naming, "naming-consultation", due=date(2027, 1, 8), target=date(2027, 1, 8), exempt=True
        )  # 3 days late
        review = add_process(session, "wf-review-0044", "EHC-0044", kind="annual-review", owner="teacher")
        add_step(session, review, "review-report", due=date(2027, 1, 18), target=date(2027, 1, 15))  # 7 days left
        add_step(session, review, "annual-review-due", due=date(2027, 3, 1), target=date(2027, 3, 1))  # later
        add_step(
            session,
            review,
            "review-notice",
            due=date(2027, 1, 6),
            target=date(2027, 1, 6),
            status="completed",
            completed_on=date(2027, 1, 7),
            on_time=False,
            days_late=1,
        )
        add_step(
            session,
            review,
            "review-advice-circulation",
            due=date(2027, 1, 8),
            target=date(2027, 1, 8),
            status="completed",
            completed_on=date(2027, 1, 8),
            on_time=True,
        )
        add_step(
            session,
            review,
            "review-la-decision",
            due=date(2026, 12, 1),
            target=date(2026, 12, 1),
            status="completed",
            completed_on=date(2026, 12, 1),
            on_time=True,
        )  # before the last 7 days
        final = add_process(session, "wf-final-0045", "EHC-0045", owner="ghost")  # an owner no longer on the staff
        add_step(session, final, "ehc-final-plan", due=date(2027, 1, 11), target=date(2027, 1, 11))  # due today
        gone = add_process(session, "wf-gone-0046", "EHC-0046", status="withdrawn")
        add_step(session, gone, "ehc-advice", due=date(2027, 1, 5), target=date(2027, 1, 5), status="withdrawn")
