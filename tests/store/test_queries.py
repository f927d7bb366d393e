"""store.queries: open_steps filters and ordering, per-case and per-process reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from store.models import Event, Outbox
from store.queries import open_steps, process_detail, processes_for_case, recent_outbox
from tests.store.store_rows import add_process, add_step

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)

TODAY = date(2027, 3, 10)


def d(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        a = add_process(session, "ehc-advice-request-a1", "EHC-0042", la="Kent")
        b = add_process(session, "ehc-advice-request-b2", "EHC-0007", la="Medway", owner="head")
        c = add_process(session, "ehc-advice-request-c3", "EHC-0100", la="Surrey")
        e = add_process(session, "annual-review-e5", "EHC-0042", kind="annual-review", status="completed")
        add_step(session, a, "advice-6wk", due=d(-5), target=d(-8))  # 5 days overdue
        add_step(session, a, "advice-ack", due=d(30), target=d(20))
        add_step(session, b, "advice-6wk", due=d(-1), target=d(-2))  # 1 day overdue
        add_step(session, b, "advice-ack", due=d(10), target=d(2), exempt=True)
        add_step(session, c, "advice-6wk", due=d(0), target=d(-3))  # due today: not overdue
        add_step(session, c, "advice-ack", due=d(14), target=d(2))  # same target as b/advice-ack
        add_step(session, e, "review-meeting", due=d(-40), target=d(-45), status="completed")  # not open
    return session_factory


def keys(steps) -> list[tuple[str, str]]:
    return [(s.case_ref, s.rule_id) for s in steps]


def test_open_steps_order_overdue_first_then_target_then_case_ref(seeded) -> None:
    with seeded() as session:
        steps = open_steps(session, TODAY)
    assert keys(steps) == [
        ("EHC-0042", "advice-6wk"),  # most overdue
        ("EHC-0007", "advice-6wk"),
        ("EHC-0100", "advice-6wk"),  # target d(-3), not overdue (due today)
        ("EHC-0007", "advice-ack"),  # target d(2), case ref breaks the tie
        ("EHC-0100", "advice-ack"),
        ("EHC-0042", "advice-ack"),
    ]
    first = steps[0]
    assert first.overdue and first.days_left == -5
    assert first.workflow_id == "ehc-advice-request-a1" and first.la == "Kent"
    assert first.process_kind == "ehc-advice-request" and first.basis.startswith("SEND Regulations")
    due_today = steps[2]
    assert not due_today.overdue and due_today.days_left == 0
    assert steps[3].exempt and steps[3].owner == "head"


def test_open_steps_overdue_only(seeded) -> None:
    with seeded() as session:
        steps = open_steps(session, TODAY, overdue_only=True)
    assert keys(steps) == [("EHC-0042", "advice-6wk"), ("EHC-0007", "advice-6wk")]
    assert all(s.overdue and s.days_left < 0 for s in steps)


def test_open_steps_due_within_is_inclusive_and_excludes_overdue(seeded) -> None:
    with seeded() as session:
        assert keys(open_steps(session, TODAY, due_within=0)) == [("EHC-0100", "advice-6wk")]
        assert keys(open_steps(session, TODAY, due_within=14)) == [
            ("EHC-0100", "advice-6wk"),
            ("EHC-0007", "advice-ack"),
            ("EHC-0100", "advice-ack"),  # due exactly today + 14
        ]
        assert keys(open_steps(session, TODAY, due_within=13)) == [
            ("EHC-0100", "advice-6wk"),
            ("EHC-0007", "advice-ack"),
        ]


def test_open_steps_owner_and_combined_filters(seeded) -> None:
    with seeded() as session:
        assert keys(open_steps(session, TODAY, owner="head")) == [
            ("EHC-0007", "advice-6wk"),
            ("EHC-0007", "advice-ack"),
        ]
        assert keys(open_steps(session, TODAY, owner="head", overdue_only=True)) == [("EHC-0007", "advice-6wk")]
        assert open_steps(session, TODAY, owner="nobody") == []


def test_open_steps_moves_with_today(seeded) -> None:
    with seeded() as session:
        later = open_steps(session, d(31), overdue_only=True)
    assert len(later) == 6
    assert keys(later)[0] == ("EHC-0042", "advice-6wk")  # still the most overdue
    assert keys(later)[-1] == ("EHC-0042", "advice-ack")  # overdue by 1 day on d(31)


def test_open_steps_empty(session_factory) -> None:
    with session_factory() as session:
        assert open_steps(session, TODAY) == []


def test_processes_for_case(seeded) -> None:
    with seeded() as session:
        all_ = processes_for_case(session, "EHC-0042")
        reviews = processes_for_case(session, "EHC-0042", kind="annual-review")
        open_ = processes_for_case(session, "EHC-0042", open_only=True)
        none = processes_for_case(session, "EHC-9999")
    assert {p.workflow_id for p in all_} == {"ehc-advice-request-a1", "annual-review-e5"}
    assert [p.workflow_id for p in reviews] == ["annual-review-e5"]
    assert [p.workflow_id for p in open_] == ["ehc-advice-request-a1"]
    assert none == []
    assert [s.rule_id for s in open_[0].steps] == ["advice-6wk", "advice-ack"]  # loaded: session is closed


def test_process_detail_orders_events(seeded) -> None:
    t = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    with seeded.begin() as session:
        wf = "ehc-advice-request-a1"
        session.add_all(
            [
                Event(key="k3", process_id=wf, kind="reminded", occurred_at=t + timedelta(days=2)),
                Event(key="k1", process_id=wf, kind="opened", occurred_at=t),
                Event(key="k2", process_id=wf, kind="assigned", occurred_at=t),  # same instant: id order
            ]
        )
    with seeded() as session:
        process, steps, events = process_detail(session, "ehc-advice-request-a1")
        assert process_detail(session, "no-such-workflow") is None
    assert process.case_ref == "EHC-0042"
    assert [s.rule_id for s in steps] == ["advice-6wk", "advice-ack"]
    assert [e.key for e in events] == ["k1", "k2", "k3"]
    assert events[0].occurred_at.tzinfo is not None


def test_recent_outbox_failures_first_then_newest(session_factory) -> None:
    t = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    with session_factory.begin() as session:
        for i, status in enumerate(["kept", "failed", "kept", "sent", "failed"]):
            session.add(
                Outbox(
                    key=f"o{i}",
                    kind="reminder",
                    recipient="senco",
                    channel="outbox",
                    subject=f"Reminder {i}",
                    body="EHC-0042: fictional",
                    status=status,
                    scheduled_for=t,
                    created_at=t + timedelta(hours=i),
                )
            )
    with session_factory() as session:
        assert [o.key for o in recent_outbox(session)] == ["o4", "o1", "o3", "o2", "o0"]
        assert [o.key for o in recent_outbox(session, limit=3)] == ["o4", "o1", "o3"]
