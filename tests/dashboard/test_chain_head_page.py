"""The audit page shows the audit record's fingerprint now and the last one sent (issue 21), to the SENCO and the
auditor, and says so plainly when the record no longer matches what was sent."""

from __future__ import annotations

from sqlalchemy import text

from activities.chain_head import ChainHeadActivities
from store.chain_heads import current_head
from tests.chain_head.conftest import add_events, morning, recompute_chain
from workflows.models import ChainHeadInput


def test_the_senco_and_the_auditor_see_the_fingerprint_now_and_the_last_one_sent(db, settings, client_as):
    add_events(db, 4)
    ChainHeadActivities(settings, db).publish_chain_head(ChainHeadInput(now=morning()))
    add_events(db, 1, first=4)
    with db() as session:
        head = current_head(session)
    for username in ("senco", "auditor"):
        page = client_as(username).get("/audit")
        assert page.status_code == 200
        html = page.text
        assert "Fingerprint of the record" in html
        assert f"<code>{head.fingerprint}</code>, 5 entries (the last is entry no. 5)" in html
        assert head.hash in html
        assert "Wed 2 Dec 2026</time>: <code>" in html and "4 entries (up to entry no. 4); sent to senco" in html
        assert "The last fingerprint sent still matches the record." in html


def test_staff_do_not_see_the_audit_page(db, client_as):
    assert client_as("ta").get("/audit", follow_redirects=False).status_code in (403, 404)


def test_a_record_changed_after_the_fingerprint_was_sent_is_shown(db, settings, client_as):
    add_events(db, 4)
    ChainHeadActivities(settings, db).publish_chain_head(ChainHeadInput(now=morning()))
    engine = db.kw["bind"]
    with engine.begin() as c:
        c.exec_driver_sql("DROP TRIGGER event_no_update")
        c.execute(text("UPDATE event SET actor = 'head' WHERE id = 2"))
    recompute_chain(db)
    html = client_as("auditor").get("/audit").text
    assert "Changed after it was sent." in html and "no longer matches" in html
    assert "The last fingerprint sent still matches" not in html


def test_before_anything_is_recorded_or_sent(db, client):
    html = client.get("/audit").text
    assert "No entries yet." in html and "None sent yet." in html
