"""The daily fingerprint through the real Notifier, on SQLite and PostgreSQL: one notice per SENCO and auditor per
day (key chain-head/<recipient>/<date>) however often the job runs, the head it sent recorded in published_head, the
same head sent again by a retry even when the record has grown since, and nothing on a weekend or bank holiday."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from activities.chain_head import ChainHeadActivities, chain_head_message, chain_head_recipients
from store.chain_heads import Head, current_head, published_heads
from store.models import Outbox
from store.recorder import GENESIS
from tests.chain_head.conftest import CHRISTMAS, SATURDAY, THURSDAY, WEDNESDAY, add_events, morning
from workflows.models import ChainHeadInput

pytestmark = pytest.mark.databases
RECIPIENTS = ["governor", "senco"]  # the auditor and the SENCO, in id order: not the head or the teacher


def notices(sessions) -> list[tuple[str, str, str, str]]:
    """(notice key, recipient, status, subject) of every chain-head row in the outbox."""
    with sessions() as session:
        rows = session.scalars(select(Outbox).where(Outbox.kind == "chain-head").order_by(Outbox.key))
        return [(row.notice_key, row.recipient, row.status, row.subject) for row in rows]


def test_one_notice_per_senco_and_auditor_a_day_and_the_head_recorded(settings, sessions):
    add_events(sessions, 5)
    with sessions() as session:
        head = current_head(session)
    assert (head.event_id, head.rows) == (5, 5) and head.hash != GENESIS
    job = ChainHeadActivities(settings, sessions)

    first = job.publish_chain_head(ChainHeadInput(now=morning()))
    assert (first.on, first.published, first.new) == (WEDNESDAY, True, True)
    assert (first.event_id, first.rows, first.hash) == (5, 5, head.hash)
    assert [(d.recipient, d.status) for d in first.deliveries] == [("governor", "kept"), ("senco", "kept")]
    sent = notices(sessions)
    assert sent == [
        (f"chain-head/{r}/2026-12-02", r, "kept", "Audit record fingerprint for Wed 2 Dec 2026") for r in RECIPIENTS
    ]
    with sessions() as session:
        [published] = published_heads(session)
    assert (published.published_on, published.event_id, published.rows, published.hash, published.recipients) == (
        WEDNESDAY,
        5,
        5,
        head.hash,
        RECIPIENTS,
    )

    add_events(sessions, 2, first=5)  # the record grows after the morning's run
    again = job.publish_chain_head(ChainHeadInput(now=morning(at=time(11, 0))))
    assert (again.published, again.new, again.event_id, again.hash) == (True, False, 5, head.hash)
    assert {d.status for d in again.deliveries} == {"skipped"}  # a second run that day sends nothing
    assert notices(sessions) == sent
    with sessions() as session:
        assert len(published_heads(session)) == 1

    thursday = job.publish_chain_head(ChainHeadInput(now=morning(THURSDAY)))
    assert (thursday.new, thursday.event_id, thursday.rows) == (True, 7, 7) and thursday.hash != head.hash
    assert [key for key, *_ in notices(sessions)] == sorted(
        [f"chain-head/{r}/2026-12-02" for r in RECIPIENTS] + [f"chain-head/{r}/2026-12-03" for r in RECIPIENTS]
    )


def test_the_notice_says_what_the_fingerprint_is_and_what_to_do_with_it(settings, sessions):
    add_events(sessions, 3)
    ChainHeadActivities(settings, sessions).publish_chain_head(ChainHeadInput(now=morning()))
    with sessions() as session:
        body = session.scalar(select(Outbox.body).where(Outbox.notice_key == "chain-head/senco/2026-12-02"))
        head = current_head(session)
    short = " ".join(head.hash[i : i + 4] for i in range(0, 16, 4))
    assert body.startswith("Dear Sam Example (SENCO),\n")
    assert "fingerprint of Example Primary School's audit record in sendclock on Wed 2 Dec 2026" in body
    assert "tamper-evident" in body and "the seal of the last entry is a fingerprint of the whole record" in body
    assert f"Fingerprint: {short}\n" in body and f"In full: {head.hash}\n" in body
    assert "It covers the record's 3 entries, up to and including entry no. 3." in body
    assert "keep this e-mail" in body
    assert "record gives a different fingerprint for this date, the record was changed after this e-mail" in body


def test_nothing_is_recorded_or_sent_on_a_weekend_or_bank_holiday(settings, sessions):
    add_events(sessions, 2)
    job = ChainHeadActivities(settings, sessions)
    for day in (SATURDAY, CHRISTMAS):
        result = job.publish_chain_head(ChainHeadInput(now=morning(day)))
        assert not result.published and "is not a working day" in result.reason
    assert notices(sessions) == []
    with sessions() as session:
        assert published_heads(session) == []


def test_published_heads_are_append_only(settings, sessions):
    ChainHeadActivities(settings, sessions).publish_chain_head(ChainHeadInput(now=morning()))
    for statement in ("UPDATE published_head SET hash = 'x'", "DELETE FROM published_head"):
        with pytest.raises(DatabaseError, match="append-only"), sessions.begin() as session:
            session.execute(text(statement))


def test_an_empty_record_gets_its_starting_fingerprint(settings, sessions):
    result = ChainHeadActivities(settings, sessions).publish_chain_head(ChainHeadInput(now=morning()))
    assert (result.published, result.event_id, result.rows, result.hash) == (True, None, 0, GENESIS)
    with sessions() as session:
        body = session.scalar(select(Outbox.body).where(Outbox.notice_key == "chain-head/governor/2026-12-02"))
    assert "The record has no entries yet; this is its starting fingerprint." in body


def test_recipients_without_a_senco_or_auditor_fall_back_to_the_escalation_contact(settings):
    assert chain_head_recipients(settings) == RECIPIENTS
    settings.staff = {k: v for k, v in settings.staff.items() if k in ("senco", "head")}
    settings.notifications.chain_head.roles = ["auditor"]
    assert chain_head_recipients(settings) == ["senco"]  # reminders.escalate_to


def test_a_subject_prefix_is_kept_within_the_subject_limit(settings):
    settings.notifications.subject_prefix = "[sendclock]"
    message = chain_head_message(settings, Head(event_id=1, hash="a" * 64, rows=1), WEDNESDAY, "Sam")
    assert message.subject == "[sendclock] Audit record fingerprint for Wed 2 Dec 2026"
    assert "It covers the record's 1 entry, up to and including entry no. 1." in message.text
