"""Notices asked for outside working hours are held in the outbox and sent by dispatch_held() when the window
opens: once, even with two dispatchers at the same time; a failing held notice backs off, then falls back."""

from __future__ import annotations

import threading
from datetime import date, time

import pytest

from statutory.clock import at_local
from tests.notifications.conftest import notice, rows, staff

pytestmark = [
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
    pytest.mark.databases,
]  # SQLite and PostgreSQL (tests/db.py)

SATURDAY_NIGHT = at_local(date(2026, 3, 7), time(22, 0))
MONDAY_0800 = at_local(date(2026, 3, 9), time(8, 0))


def test_a_notice_at_night_is_held_until_the_next_working_morning(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    # "done" confirmations are mailed here (by default they go in the weekly digest: test_noise.py)
    notifier = make_notifier(smtp_url=smtp_url, quiet_hours=True, digest_only={"completed": False})

    result = notifier.notify(
        notice(
            "completed", ("teacher", "senco", "head"), at=SATURDAY_NIGHT, completed_on=date(2026, 3, 7), on_time=True
        )
    )

    assert [(d.recipient, d.status) for d in result.deliveries] == [
        ("teacher", "held"),
        ("senco", "held"),
        ("head", "kept"),
    ]  # no channel: nobody pinged
    assert inbox.mails == []
    held = rows(notifier, status="held")
    assert [r.not_before for r in held] == [MONDAY_0800, MONDAY_0800]
    assert notifier.notify(notice("completed", ("teacher",), at=SATURDAY_NIGHT)).deliveries[0].status == "held"

    assert notifier.dispatch_held(at_local(date(2026, 3, 8), time(12, 0))) == 0  # Sunday: not yet
    assert notifier.dispatch_held(at_local(date(2026, 3, 9), time(7, 59))) == 0
    assert notifier.dispatch_held(MONDAY_0800) == 2
    assert notifier.dispatch_held(MONDAY_0800) == 0

    assert sorted(m.rcpt_tos[0] for m in inbox.mails) == ["jo.teacher@example.org", "senco@example.org"]
    assert [r.status for r in rows(notifier)] == ["sent", "sent", "kept"]
    # a retried activity after the dispatch changes nothing
    assert notifier.notify(notice("completed", ("teacher",), at=SATURDAY_NIGHT)).deliveries[0].status == "skipped"
    assert len(inbox.mails) == 2


def test_two_dispatchers_at_once_send_each_held_notice_once(make_notifier, smtp, smtp_url):
    inbox, _ = smtp
    notifier = make_notifier(smtp_url=smtp_url, quiet_hours=True)
    for n in range(6):
        notifier.notify(notice("reminder", ("teacher", "senco"), key=f"k{n}", at=SATURDAY_NIGHT))
    counts: list[int] = []
    workers = [threading.Thread(target=lambda: counts.append(notifier.dispatch_held(MONDAY_0800))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(counts) == 12 and len(inbox.mails) == 12
    assert {r.status for r in rows(notifier)} == {"sent"} and {r.attempts for r in rows(notifier)} == {1}


def test_a_held_notice_whose_channel_fails_backs_off_then_falls_back(make_notifier, smtp, smtp_url, teams, teams_url):
    inbox, _ = smtp
    hook, _ = teams
    hook.answers = [500, 500, 500]
    notifier = make_notifier(
        smtp_url=smtp_url,
        quiet_hours=True,
        retry_attempts=2,
        retry_initial_seconds=600,
        staff_directory=staff(teacher_notify=[teams_url]),
    )
    notifier.notify(notice("reminder", ("teacher",), at=SATURDAY_NIGHT))

    assert notifier.dispatch_held(MONDAY_0800) == 0
    [row] = rows(notifier)
    assert (row.status, row.attempts) == ("failed", 1) and "500" in row.error
    assert row.not_before == at_local(date(2026, 3, 9), time(8, 10))  # backoff: retried by a later dispatch
    assert notifier.dispatch_held(at_local(date(2026, 3, 9), time(8, 5))) == 0 and len(hook.posts) == 1

    assert notifier.dispatch_held(at_local(date(2026, 3, 9), time(8, 15))) == 0  # second failure: the last try
    failed, fallback = rows(notifier)
    assert (failed.status, failed.attempts, failed.not_before) == ("failed", 2, None)
    assert (fallback.recipient, fallback.status, fallback.fallback_for) == ("senco", "sent", failed.key)
    assert [m.rcpt_tos for m in inbox.mails] == [["senco@example.org"]]
    assert notifier.dispatch_held(at_local(date(2026, 3, 9), time(9, 0))) == 0 and len(hook.posts) == 2
