"""check_published (for `sendclock audit verify`) against an attacker with write access to the database and the
project's own code: the triggers dropped, a row edited or deleted, and every hash after it recomputed with
event_hash, so the chain itself checks out again. The fingerprint sent out before the change names it. A row removed
by a retention purge is not a change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from activities.chain_head import ChainHeadActivities
from audit.verify import check_chain
from store.chain_heads import check_published, fingerprint, published_heads, published_problem
from store.models import Event
from store.retention import apply_purge
from tests.chain_head.conftest import THURSDAY, WEDNESDAY, add_events, drop_triggers, morning, recompute_chain
from workflows.models import ChainHeadInput

pytestmark = pytest.mark.databases


def chain_findings(sessions) -> list[str]:
    with sessions() as session:
        return [f.detail for f in check_chain(session)[1]]


@pytest.fixture
def published(settings, sessions):
    """Six rows, Wednesday's fingerprint sent (row 6), then four more rows and Thursday's sent (row 10)."""
    add_events(sessions, 6)
    job = ChainHeadActivities(settings, sessions)
    job.publish_chain_head(ChainHeadInput(now=morning(WEDNESDAY)))
    add_events(sessions, 4, first=6)
    job.publish_chain_head(ChainHeadInput(now=morning(THURSDAY)))
    with sessions() as session:
        heads = {h.published_on: h for h in published_heads(session)}
    assert (heads[WEDNESDAY].event_id, heads[THURSDAY].event_id) == (6, 10)
    return heads


def test_an_untouched_record_matches_every_fingerprint_sent(sessions, published):
    with sessions() as session:
        assert check_published(session) == []
    assert chain_findings(sessions) == []


def test_an_edited_row_with_the_chain_recomputed_is_named_by_the_fingerprint_sent_after_it(engine, sessions, published):
    drop_triggers(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE event SET actor = 'head' WHERE id = 3"))
    assert chain_findings(sessions) != []  # edited alone, the chain breaks ...
    recompute_chain(sessions)
    assert chain_findings(sessions) == []  # ... recomputed, the chain alone shows nothing

    with sessions() as session:
        problems = check_published(session)
        now = session.scalar(select(Event.hash).where(Event.id == 6))
    wednesday, thursday = published[WEDNESDAY], published[THURSDAY]
    assert problems == [
        f"The fingerprint sent on Wed 2 Dec 2026 ({fingerprint(wednesday.hash)}, event row 6) no longer matches: "
        f"that row now hashes to {fingerprint(now)}, so the record up to it was changed after the fingerprint was "
        "sent (the chain was recomputed)",
        f"The fingerprint sent on Thu 3 Dec 2026 ({fingerprint(thursday.hash)}, event row 10) no longer matches: "
        f"that row now hashes to {fingerprint(_hash(sessions, 10))}, so the record up to it was changed after the "
        "fingerprint was sent (the chain was recomputed)",
    ]


def test_an_edit_after_the_last_fingerprint_waits_for_the_next_one(engine, sessions, published):
    add_events(sessions, 2, first=10)
    drop_triggers(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE event SET actor = 'head' WHERE id = 11"))
    recompute_chain(sessions)
    with sessions() as session:
        assert check_published(session) == []  # no one outside holds a fingerprint covering row 11 yet


def test_a_deleted_row_with_the_chain_recomputed_is_named(engine, sessions, published):
    drop_triggers(engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM event WHERE id = 8"))
    recompute_chain(sessions)
    assert chain_findings(sessions) == []
    with sessions() as session:
        problems = check_published(session)
    assert len(problems) == 1 and problems[0].startswith("The fingerprint sent on Thu 3 Dec 2026")
    assert "no longer matches" in problems[0] and "the chain was recomputed" in problems[0]


def test_the_published_row_itself_deleted_is_named(engine, sessions, published):
    drop_triggers(engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM event WHERE id >= 9"))
    recompute_chain(sessions)
    with sessions() as session:
        problems = check_published(session)
        problem = published_problem(session, published[THURSDAY])
    assert problems == [problem]
    assert problem.endswith(
        "event row 10): that row is no longer in the record, and no retention purge removed "
        "it: the record was changed after the fingerprint was sent"
    )


def test_a_row_purged_under_the_retention_period_is_not_a_change(settings, engine, sessions):
    old = "ehc-advice-request-EHC-0001-19900105"
    add_events(sessions, 3, process_id=old, on=date(1990, 1, 5), closed=True)
    ChainHeadActivities(settings, sessions).publish_chain_head(ChainHeadInput(now=morning(WEDNESDAY)))
    add_events(sessions, 2)
    with sessions.begin() as session:
        purged = apply_purge(session, date(2026, 12, 2), 28)
    assert purged is not None and purged.plan.workflow_ids == [old]
    with sessions() as session:
        assert session.scalar(select(Event.id).where(Event.id == 3)) is None  # the published row is gone
        assert check_published(session) == []
    assert chain_findings(sessions) == []


def _hash(sessions, event_id: int) -> str:
    with sessions() as session:
        return session.scalar(select(Event.hash).where(Event.id == event_id))
