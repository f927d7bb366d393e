"""What reaches the SENCO's inbox (issue 19, defect 13): only what asks something of them. Nobody is told of their
own action; "done" confirmations and far-off assignments are left to the weekly digest (a setting per kind); the
parent's window is shown on the dashboard, not mailed. The outbox keeps every notice all the same (status "kept",
its channel saying why), so the record of who was told what is complete."""

from __future__ import annotations

from datetime import date

import pytest

from tests.notifications.conftest import notice, rows

pytestmark = pytest.mark.databases  # SQLite and PostgreSQL (tests/db.py)


def test_nobody_is_told_of_their_own_action(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)
    result = notifier.notify(notice("rescheduled", ("teacher", "senco"), actor="senco", target=date(2026, 3, 20)))
    assert [m.rcpt_tos for m in inbox.mails] == [["jo.teacher@example.org"]]
    assert [(d.recipient, d.channel, d.status) for d in result.deliveries] == [
        ("teacher", "email", "sent"),
        ("senco", "own-action", "kept"),
    ]
    kept = rows(notifier, recipient="senco")
    assert [(r.status, r.channel, r.html, r.card) for r in kept] == [("kept", "own-action", None, None)]
    assert "EHC-0042" in kept[0].subject  # the record of the notice is complete


def test_done_confirmations_go_in_the_digest_unless_the_school_wants_each(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)
    done = notice("completed", ("teacher", "senco"), completed_on=date(2026, 3, 2), on_time=True)
    result = notifier.notify(done)
    again = notifier.notify(done)
    assert inbox.mails == []
    assert [(d.channel, d.status) for d in result.deliveries] == [("digest", "kept"), ("digest", "kept")]
    assert [d.status for d in again.deliveries] == ["skipped", "skipped"]
    assert {(r.status, r.channel) for r in rows(notifier)} == {("kept", "digest")}

    each = make_notifier(smtp_url=smtp_url, digest_only={"completed": False})
    each.notify(notice("completed", ("teacher",), key="k/done", completed_on=date(2026, 3, 2), on_time=True))
    assert [m.message["Subject"] for m in inbox.mails] == ["EHC-0042: Done on time, 2 Mar - Advice to the LA"]


def test_an_assignment_far_off_goes_in_the_digest_a_near_one_is_sent(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)  # default: assigned_after_days = 60
    far = notifier.notify(notice("assigned", ("teacher",), key="k/far", target=date(2027, 2, 1), due=date(2027, 2, 1)))
    near = notifier.notify(notice("assigned", ("teacher",), key="k/near"))  # target 14 days away
    assert [(d.channel, d.status) for d in far.deliveries] == [("digest", "kept")]
    assert [(d.channel, d.status) for d in near.deliveries] == [("email", "sent")]
    assert [m.message["Subject"] for m in inbox.mails] == ["EHC-0042: New step, target 16 Mar - Advice to the LA"]

    every = make_notifier(smtp_url=smtp_url, digest_only={"assigned_after_days": None})
    every.notify(notice("assigned", ("teacher",), key="k/far2", target=date(2027, 2, 1), due=date(2027, 2, 1)))
    assert len(inbox.mails) == 2


def test_the_parents_window_is_shown_not_mailed(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)
    for kind in ("assigned", "reminder"):
        result = notifier.notify(
            notice(
                kind,
                ("teacher",),
                key=f"k/{kind}",
                style="window",
                duty_holder="parent / young person (school tracks it)",
                rule_id="draft-plan-representations",
                rule_title="Parent's or young person's window for representations",
            )
        )
        assert [(d.channel, d.status) for d in result.deliveries] == [("dashboard", "kept")]
    assert inbox.mails == []
    assert [(r.status, r.channel) for r in rows(notifier)] == [("kept", "dashboard"), ("kept", "dashboard")]
    assert "(school tracks it)" not in rows(notifier)[0].body


def test_the_senco_s_escalation_copy_is_not_the_owner_s_message(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url)
    notifier.notify(notice("overdue", ("teacher", "senco"), days_overdue=8, days_to_target=None, on=date(2026, 3, 24)))
    [owner] = inbox.to("jo.teacher@example.org")
    [senco] = inbox.to("senco@example.org")
    owner_text = owner.message.get_body(preferencelist=("plain",)).get_content()
    senco_text = senco.message.get_body(preferencelist=("plain",)).get_content()
    assert "Please do it as soon as you can" in owner_text
    assert "owned by Jo Example" in senco_text and "check with Jo Example" in senco_text
    assert "Please do it as soon as you can" not in senco_text
    assert "Mon 16 Mar 2026, 8 days ago" in senco_text  # the legal limit, said to be past
