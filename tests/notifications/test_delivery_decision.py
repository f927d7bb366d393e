"""The delivery decisions (activities/delivery_decision.py), table by table: plain rows in, a decision out. No
database, no SMTP, no Temporal: the notifier's own tests (test_email, test_failures, test_held, test_teams) run the
same decisions end to end with real peers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from activities.delivery_decision import (
    SENDING_STALE,
    Action,
    Decision,
    RowState,
    after_dispatch,
    after_fallback,
    after_sending,
    before_sending,
    claimable,
    fallback_channel,
    final_attempt,
    kept_reason,
    labels,
    opening,
    report,
    retry_delay,
    stale_cutoff,
)
from store.outbox import OutboxStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONDAY_0800 = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
STALE = NOW - SENDING_STALE


def row(channel: str = "email", status: str = "queued", attempts: int = 0, **fields) -> RowState:
    return RowState(
        channel=channel, status=status, attempts=attempts, key=f"k/teacher/{channel}", notice_key="k/teacher", **fields
    )


def fallback(status: str = "sent", error: str | None = None) -> RowState:
    return RowState(
        channel="email",
        status=status,
        attempts=1,
        error=error,
        key="k/teacher/fallback",
        notice_key="k/teacher",
        fallback_for="k/teacher/email",
    )


# --- one attempt of the notify activity, as the notifier runs it ---------------------------------------------------


def attempt(
    rows: list[RowState], answers: dict[str, str], *, final: bool | None, fresh: bool = False, retry_attempts: int = 3
) -> Decision:
    """What the notifier does with a notice's rows: ask before sending, send each claimable row (its channel
    answers `answers[channel]`: sent, accepted or failed), ask again."""
    decision = before_sending(rows, fresh=fresh)
    if decision is not None:
        return decision
    sent = [
        replace(
            r,
            status=answers[r.channel],
            attempts=r.attempts + 1,
            error="refused" if answers[r.channel] == "failed" else None,
        )
        if claimable(r, STALE)
        else r
        for r in rows
    ]
    return after_sending(sent, final=final, retry_attempts=retry_attempts)


SCENARIOS = [
    # name, rows found, what each channel answers, final attempt?, new rows?, the decision
    ("first attempt: e-mail sent", [row()], {"email": "sent"}, False, True, report("sent", "email")),
    ("first attempt: Teams accepted", [row("teams")], {"teams": "accepted"}, False, True, report("accepted", "teams")),
    (
        "first attempt: both channels",
        [row(), row("teams")],
        {"email": "sent", "teams": "accepted"},
        False,
        True,
        report("sent", "email+teams"),
    ),
    (
        "first attempt fails: failed, so Temporal retries",
        [row()],
        {"email": "failed"},
        False,
        True,
        report("failed", "email", "email: refused"),
    ),
    (
        "retry: only the failed row is sent again",
        [row(status="sent", attempts=1), row("teams", "failed", 1)],
        {"teams": "accepted"},
        False,
        False,
        report("sent", "email+teams"),
    ),
    (
        "retry fails again, not the last attempt: failed",
        [row(status="failed", attempts=1, error="refused")],
        {"email": "failed"},
        False,
        False,
        report("failed", "email", "email: refused"),
    ),
    (
        "not final: a failed channel fails the attempt though another went",
        [row(), row("teams")],
        {"email": "sent", "teams": "failed"},
        False,
        True,
        report("failed", "teams", "teams: refused"),
    ),
    (
        "final attempt: the channel that went stands, with the other's error",
        [row(status="sent", attempts=1), row("teams", "failed", 1)],
        {"teams": "failed"},
        True,
        False,
        report("sent", "email", "teams: refused"),
    ),
    (
        "final attempt, every channel failed: fall back to the SENCO's e-mail",
        [row(status="failed", attempts=2)],
        {"email": "failed"},
        True,
        False,
        Decision(Action.FALL_BACK, rows=(row(status="failed", attempts=3, error="refused"),)),
    ),
    (
        "held in quiet hours: nothing is sent",
        [row(status="held", not_before=MONDAY_0800)],
        {},
        False,
        True,
        report("held", "email"),
    ),
    (
        "held on the final attempt: still held, no fallback",
        [row(status="held", not_before=MONDAY_0800)],
        {},
        True,
        False,
        report("held", "email"),
    ),
    (
        "already sent: skipped, nothing sent twice",
        [row(status="sent", attempts=1)],
        {},
        True,
        False,
        report("skipped", "email"),
    ),
    (
        "already sent and accepted: skipped",
        [row(status="sent", attempts=1), row("teams", "accepted", 1)],
        {},
        False,
        False,
        report("skipped", "email+teams"),
    ),
    (
        "another sender has it (claimed just now): held",
        [row(status="sending", attempts=1, attempted_at=NOW)],
        {},
        False,
        False,
        report("held", "email"),
    ),
    (
        "left sending by a sender that died: sent again",
        [row(status="sending", attempts=1, attempted_at=STALE - timedelta(seconds=1))],
        {"email": "sent"},
        False,
        False,
        report("sent", "email"),
    ),
    (
        "failed and waiting for the dispatcher: held",
        [row(status="failed", attempts=1, not_before=MONDAY_0800)],
        {},
        True,
        False,
        report("held", "email"),
    ),
    (
        "it went to the fallback before: said again, nothing sent",
        [row(status="failed", attempts=3), fallback()],
        {},
        True,
        False,
        report("fallback", "fallback:email"),
    ),
    (
        "the fallback is waiting",
        [row(status="failed", attempts=3), fallback("held")],
        {},
        True,
        False,
        report("held", "fallback:email"),
    ),
    (
        "the fallback failed: fall back again",
        [row(status="failed", attempts=3), fallback("failed", "down")],
        {},
        True,
        False,
        Decision(Action.FALL_BACK, rows=(row(status="failed", attempts=3),)),
    ),
    # deliver() outside the workflow (the weekly digest): the count is the rows' own attempts
    (
        "deliver(): tries left, failed",
        [row()],
        {"email": "failed"},
        None,
        True,
        report("failed", "email", "email: refused"),
    ),
    (
        "deliver(): out of tries, fall back",
        [row(status="failed", attempts=2)],
        {"email": "failed"},
        None,
        False,
        Decision(Action.FALL_BACK, rows=(row(status="failed", attempts=3, error="refused"),)),
    ),
]


@pytest.mark.parametrize(
    ("rows", "answers", "final", "fresh", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_one_attempt(rows, answers, final, fresh, expected):
    assert attempt(rows, answers, final=final, fresh=fresh) == expected


# --- the parts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "window", "expected"),
    [
        (NOW, NOW, (OutboxStatus.QUEUED, None)),  # in working hours
        (NOW, MONDAY_0800, (OutboxStatus.HELD, MONDAY_0800)),  # quiet hours: held until the window opens
    ],
)
def test_opening(now, window, expected):
    assert opening(now, window) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (row(status="queued"), True),
        (row(status="failed", attempts=1), True),
        (row(status="failed", attempts=1, not_before=MONDAY_0800), False),  # the dispatcher's
        (row(status="held", not_before=MONDAY_0800), False),
        (row(status="sent", attempts=1), False),
        (row(status="accepted", attempts=1), False),
        (row(status="kept"), False),
        (row(status="sending", attempts=1, attempted_at=NOW), False),  # someone is sending it
        (row(status="sending", attempts=1, attempted_at=STALE - timedelta(seconds=1)), True),  # they died
        (row(status="sending", attempts=1, attempted_at=None), True),
    ],
)
def test_claimable(state, expected):
    assert claimable(state, STALE) is expected


@pytest.mark.parametrize(
    ("scheduled", "expected"),
    [
        (None, NOW - SENDING_STALE),
        (NOW - timedelta(seconds=30), NOW - timedelta(seconds=30)),  # a retried attempt: the one before it is over
        (NOW - timedelta(hours=1), NOW - SENDING_STALE),
    ],
)
def test_stale_cutoff(scheduled, expected):
    assert stale_cutoff(NOW, scheduled) == expected


@pytest.mark.parametrize(
    ("number", "maximum", "expected"),
    [(1, 3, False), (2, 3, False), (3, 3, True), (5, None, False), (6, None, True), (6, 0, True)],
)
def test_final_attempt(number, maximum, expected):
    assert final_attempt(number, maximum, default_attempts=6) is expected


@pytest.mark.parametrize(
    ("channels", "failed", "senco_s_own", "expected"),
    [
        ({"email": True, "teams": False}, [row("teams", "failed")], False, "email"),
        ({"teams": False}, [row("email", "failed")], False, None),  # the SENCO has no e-mail
        ({"o365": True}, [row("email", "failed")], False, "o365"),
        ({"email": True}, [row("email", "failed")], False, "email"),  # another person's e-mail failed, not the SENCO's
        ({"email": True, "email-2": True}, [row("email", "failed")], True, "email-2"),  # the SENCO's own: another one
        ({"email": True}, [row("email", "failed")], True, None),
    ],
)
def test_fallback_channel(channels, failed, senco_s_own, expected):
    assert fallback_channel(channels, failed=failed, recipient_is_senco=senco_s_own) == expected


@pytest.mark.parametrize(
    ("channel", "fallback_row", "expected"),
    [
        (None, None, report("failed", "email", "email: refused; no fallback e-mail for senco")),
        ("email", fallback("sent"), report("fallback", "fallback:email", "email: refused")),
        (
            "email",
            fallback("failed", "down"),
            report("failed", "fallback:email", "email: refused; fallback to senco: down"),
        ),
    ],
)
def test_after_fallback(channel, fallback_row, expected):
    failed = [row(status="failed", attempts=3, error="refused")]
    assert after_fallback(failed, senco="senco", channel=channel, row=fallback_row) == expected


DISPATCHED = [
    # name, the row as sent (attempts counted), its outcome, the notice's rows, the decision
    ("delivered", row(status="sending", attempts=1), "sent", [], report("sent", "email")),
    (
        "first failure: retry after the initial delay",
        row(status="sending", attempts=1),
        "failed",
        [],
        Decision(Action.RETRY_LATER, delay=600),
    ),
    (
        "second failure: twice the delay",
        row(status="sending", attempts=2),
        "failed",
        [],
        Decision(Action.RETRY_LATER, delay=1200),
    ),
    (
        "out of tries, nothing else went: fall back",
        row(status="sending", attempts=3),
        "failed",
        [row(status="failed", attempts=3)],
        Decision(Action.FALL_BACK, rows=(row(status="sending", attempts=3),)),
    ),
    (
        "out of tries, another channel went: give up",
        row(status="sending", attempts=3),
        "failed",
        [row(status="failed", attempts=3), row("teams", "accepted", 1)],
        Decision(Action.GIVE_UP),
    ),
    (
        "out of tries, another channel still held: give up",
        row(status="sending", attempts=3),
        "failed",
        [row(status="failed", attempts=3), row("teams", "held", not_before=MONDAY_0800)],
        Decision(Action.GIVE_UP),
    ),
    (
        "a fallback row out of tries: give up",
        replace(fallback("sending"), attempts=3),
        "failed",
        [],
        Decision(Action.GIVE_UP),
    ),
    (
        "a row of no notice out of tries: give up",
        replace(row(status="sending", attempts=3), notice_key=None),
        "failed",
        [],
        Decision(Action.GIVE_UP),
    ),
]


@pytest.mark.parametrize(
    ("sent", "status", "notice_rows", "expected"), [d[1:] for d in DISPATCHED], ids=[d[0] for d in DISPATCHED]
)
def test_after_dispatch(sent, status, notice_rows, expected):
    assert (
        after_dispatch(
            sent, status, notice_rows=notice_rows, retry_attempts=3, retry_initial_seconds=600, retry_max_seconds=3600
        )
        == expected
    )


@pytest.mark.parametrize(("attempts", "expected"), [(0, 10), (1, 10), (2, 20), (3, 40), (6, 320), (7, 600), (20, 600)])
def test_retry_delay_doubles_up_to_the_longest(attempts, expected):
    assert retry_delay(attempts, 10, 600) == expected


ON, NEAR, FAR = date(2026, 3, 2), date(2026, 3, 16), date(2026, 6, 1)


@pytest.mark.parametrize(
    ("recipient", "actor", "style", "kind", "target", "completed", "after_days", "expected"),
    [
        ("teacher", None, "duty", "reminder", NEAR, True, 60, None),
        ("senco", "senco", "duty", "rescheduled", NEAR, True, 60, "own-action"),
        ("teacher", "senco", "duty", "rescheduled", NEAR, True, 60, None),
        ("teacher", None, "window", "reminder", NEAR, True, 60, "dashboard"),
        ("teacher", None, "duty", "completed", NEAR, True, 60, "digest"),
        ("teacher", None, "duty", "completed", NEAR, False, 60, None),
        ("teacher", None, "duty", "assigned", FAR, True, 60, "digest"),
        ("teacher", None, "duty", "assigned", NEAR, True, 60, None),
        ("teacher", None, "duty", "assigned", FAR, True, None, None),
    ],
)
def test_kept_reason(recipient, actor, style, kind, target, completed, after_days, expected):
    assert (
        kept_reason(
            recipient=recipient,
            actor=actor,
            style=style,
            kind=kind,
            on=ON,
            target=target,
            digest_completed=completed,
            assigned_after_days=after_days,
        )
        == expected
    )


def test_labels_name_each_channel_once_in_order():
    assert labels([row("email"), row("teams"), row("email")]) == "email+teams"
    assert labels([]) == ""


def test_the_statuses_are_the_strings_stored():
    assert [s.value for s in OutboxStatus] == ["queued", "held", "sending", "sent", "accepted", "kept", "failed"]
    assert (
        OutboxStatus("held") is OutboxStatus.HELD and OutboxStatus.HELD == "held" and f"{OutboxStatus.SENT}" == "sent"
    )
