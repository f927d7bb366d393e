"""What to do with one notice to one person, decided over plain data (issue 22).

The notifier (activities/notifier.py) reads the notice's outbox rows (store/outbox.py), asks a function here what to
do, does it (claims, sends through apprise, writes) and asks again. Nothing here reads the database, Temporal or a
clock: the rows' state, the attempts so far, whether this is the notify activity's final attempt and the times are
passed in, so each case is a line of a table (tests/notifications/test_delivery_decision.py). An Outbox row is used
as it is (it has the attributes of `Row`); `RowState` is the same in plain data.

One notice to one person, one outbox row per channel of theirs:

1. `kept_reason`: nobody is sent it (their own action, the parent's window, left to the digest): a "kept" row is
   the record (the notifier also keeps a row for a person with no channel at all: channel "outbox").
2. `opening`: each new row is queued, or held until working hours open (quiet hours).
3. `before_sending`: an answer without sending: it went to the fallback before (a failed fallback: fall back
   again), or every channel delivered before ("skipped": a rerun sends nothing twice). None: the notifier claims
   and sends each `claimable` row (`stale_cutoff`: when a row left "sending" was left by a sender that died).
4. `after_sending`: delivered on some channel ("sent", "accepted"), failed before the final attempt ("failed": the
   notify activity raises and Temporal retries it; deliver()'s callers call again and the count is `attempts`),
   waiting ("held": quiet hours, or another sender has it), or failed for good on the final attempt: FALL_BACK to
   the SENCO's e-mail (`fallback_channel`, then `after_fallback`: sent, or failed, so the workflow records it).

The dispatcher of held notices decides per row it sent: `after_dispatch` (delivered, retry later with backoff
(`retry_delay`), fall back, or give up: the row stays "failed", the dashboard lists it first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, Protocol

from store.outbox import DELIVERED, OutboxStatus

# A row claimed ("sending") longer ago than this was left by a sender that died: anyone may send it again (for a
# statutory reminder a rare duplicate is better than silence).
SENDING_STALE = timedelta(minutes=5)
WAITING = frozenset({OutboxStatus.HELD, OutboxStatus.QUEUED, OutboxStatus.SENDING})


# What a Delivery says of a notice to one person (workflows.models.Delivery.status).
DeliveryStatus = Literal["sent", "kept", "failed", "skipped", "accepted", "held", "fallback"]


class Row(Protocol):
    """What a decision reads of an outbox row (store.models.Outbox has it; so has RowState)."""

    @property
    def key(self) -> str: ...
    @property
    def notice_key(self) -> str | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def error(self) -> str | None: ...
    @property
    def not_before(self) -> datetime | None: ...
    @property
    def attempted_at(self) -> datetime | None: ...
    @property
    def fallback_for(self) -> str | None: ...


@dataclass(frozen=True)
class RowState:
    """An outbox row as plain data."""

    channel: str
    status: str
    attempts: int = 0
    error: str | None = None
    not_before: datetime | None = None
    attempted_at: datetime | None = None
    fallback_for: str | None = None
    key: str = ""
    notice_key: str | None = None


class Action(StrEnum):
    REPORT = "report"  # nothing more to do now: the delivery is `status` on `channel`
    FALL_BACK = "fall-back"  # the person's channels failed for good: the SENCO's e-mail instead, once
    RETRY_LATER = "retry-later"  # (the dispatcher) try the failed row again in `delay` seconds
    GIVE_UP = "give-up"  # (the dispatcher) the row stays failed: its notice went another way, or it is a fallback


@dataclass(frozen=True)
class Decision:
    action: Action
    # REPORT: the Delivery's status (workflows.models.Delivery: sent, accepted, held, failed, skipped, fallback,
    # kept) and channel label(s), e.g. "email", "email+teams", "fallback:email"; the channels' errors, if any.
    status: DeliveryStatus | None = None
    channel: str = ""
    error: str | None = None
    rows: tuple[Any, ...] = ()  # FALL_BACK: the rows the fallback stands in for (its note names them and their errors)
    delay: float | None = None  # RETRY_LATER: seconds


def report(status: DeliveryStatus, channel: str = "", error: str | None = None) -> Decision:
    return Decision(Action.REPORT, status=status, channel=channel, error=error)


# --- before any row exists -------------------------------------------------------------------------------------


def kept_reason(
    *,
    recipient: str,
    actor: str | None,
    style: str,
    kind: str,
    on: date,
    target: date,
    digest_completed: bool,
    assigned_after_days: int | None,
) -> str | None:
    """Why a notice is kept rather than sent to `recipient` (the kept row's channel), or None: it is sent.
    "own-action": they made the change it announces; "dashboard": a period given to the parent (shown there,
    nothing asked of staff); "digest": a "done" confirmation, or an assignment whose target is more than
    `assigned_after_days` away, when the school leaves those to the weekly digest (notifications.digest_only)."""
    if actor and recipient == actor:
        return "own-action"
    if style == "window":
        return "dashboard"
    if kind == "completed" and digest_completed:
        return "digest"
    if kind == "assigned" and assigned_after_days is not None and (target - on).days > assigned_after_days:
        return "digest"
    return None


def opening(now: datetime, window_opens: datetime) -> tuple[OutboxStatus, datetime | None]:
    """A new row's status and `not_before`: queued when the notice is asked for in working hours (the window is
    open: `window_opens` is `now`), else held until the window opens."""
    if window_opens != now:
        return OutboxStatus.HELD, window_opens
    return OutboxStatus.QUEUED, None


# --- the notify activity's attempt -----------------------------------------------------------------------------


def final_attempt(attempt: int, maximum_attempts: int | None, default_attempts: int) -> bool:
    """Whether this is the activity's last attempt: its RetryPolicy's maximum_attempts (unset or 0: the school's
    notifications.retry_attempts)."""
    return attempt >= (maximum_attempts or default_attempts)


def stale_cutoff(now: datetime, attempt_scheduled: datetime | None = None) -> datetime:
    """A row claimed ("sending") before this instant was left by a sender that died: SENDING_STALE ago, or, when
    given, the instant this activity attempt was scheduled (pass it for a retried attempt, or a local activity:
    every execution scheduled before this one is over)."""
    cutoff = now - SENDING_STALE
    if attempt_scheduled is not None:
        cutoff = max(cutoff, attempt_scheduled)
    return cutoff


def claimable(row: Row, stale_before: datetime) -> bool:
    """Sendable now by deliver(): new, failed (and not waiting for the dispatcher), or left sending by a dead sender."""
    if row.status == OutboxStatus.QUEUED or (row.status == OutboxStatus.FAILED and row.not_before is None):
        return True
    return row.status == OutboxStatus.SENDING and (row.attempted_at is None or row.attempted_at < stale_before)


def before_sending(rows: Sequence[Row], *, fresh: bool) -> Decision | None:
    """The notice's rows as found (`fresh`: some were created just now): an answer without sending anything, or
    None (send each claimable row, then ask `after_sending`)."""
    fallback = next((r for r in rows if r.fallback_for is not None), None)
    if fallback is not None:  # it went to the fallback: only a failed fallback is tried again
        if fallback.status == OutboxStatus.FAILED:
            return Decision(Action.FALL_BACK, rows=tuple(r for r in rows if r.fallback_for is None))
        return report(
            "fallback" if fallback.status in DELIVERED else "held", f"fallback:{fallback.channel}", fallback.error
        )
    if not fresh and all(r.status in DELIVERED for r in rows):
        return report("skipped", labels(rows))
    return None


def after_sending(rows: Sequence[Row], *, final: bool | None, retry_attempts: int) -> Decision:
    """The notice's rows once this attempt has sent what it could. `final`: whether this is the notify activity's
    last attempt; None (deliver() outside the workflow) counts the rows' own attempts against `retry_attempts`.
    Failed rows decide first: before the final attempt the delivery is "failed" (retried), even if another channel
    went; on it, a channel that delivered (or is still waiting) stands, and only when none did, it falls back."""
    mine = [r for r in rows if r.fallback_for is None]
    delivered = [r for r in mine if r.status in DELIVERED]
    failed = [r for r in mine if r.status == OutboxStatus.FAILED and r.not_before is None]
    waiting = [r for r in mine if r.status in WAITING or (r.status == OutboxStatus.FAILED and r.not_before is not None)]
    errors = "; ".join(f"{r.channel}: {r.error}" for r in failed) or None
    if failed:
        if final is None:
            final = max(r.attempts for r in failed) >= retry_attempts
        if not final:
            return report("failed", labels(failed), errors)
    if delivered:
        return report(
            "sent" if any(r.status == OutboxStatus.SENT for r in delivered) else "accepted", labels(delivered), errors
        )
    if waiting:  # held for quiet hours (or being sent by another worker): the dispatcher sends it
        return report("held", labels(waiting), errors)
    return Decision(Action.FALL_BACK, rows=tuple(failed))


# --- the fallback ----------------------------------------------------------------------------------------------


def fallback_channel(
    senco_channels: Mapping[str, bool], *, failed: Iterable[Row], recipient_is_senco: bool
) -> str | None:
    """The SENCO's channel to fall back to: the first e-mail one (`senco_channels`: label -> is it e-mail), not one
    that just failed when the notice was the SENCO's own. None: there is none."""
    tried = {r.channel for r in failed} if recipient_is_senco else set()
    return next((label for label, email in senco_channels.items() if email and label not in tried), None)


def after_fallback(failed: Sequence[Row], *, senco: str, channel: str | None, row: Row | None = None) -> Decision:
    """How the fallback went: no e-mail channel to fall back to (`channel` None), or the fallback row as it stands
    after sending. Either failure is the delivery's ("failed": the final attempt raises, the workflow records it)."""
    errors = "; ".join(f"{r.channel}: {r.error}" for r in failed)
    if channel is None:
        return report("failed", labels(failed), f"{errors}; no fallback e-mail for {senco}")
    if row is not None and row.status in DELIVERED:
        return report("fallback", f"fallback:{channel}", errors)
    return report("failed", f"fallback:{channel}", f"{errors}; fallback to {senco}: {row.error if row else None}")


# --- the dispatcher of held notices ----------------------------------------------------------------------------


def retry_delay(attempts: int, initial_seconds: float, max_seconds: float) -> float:
    """Exponential backoff: `initial_seconds` after the first attempt, doubling, at most `max_seconds`."""
    return float(min(initial_seconds * 2 ** max(0, attempts - 1), max_seconds))


def after_dispatch(
    row: Row,
    status: str,
    *,
    notice_rows: Sequence[Row],
    retry_attempts: int,
    retry_initial_seconds: float,
    retry_max_seconds: float,
) -> Decision:
    """The dispatcher sent a held or failed row (now `attempts` tries) and it came out `status`. Delivered: done.
    Failed with tries left: again after a backoff. Out of tries: the fallback, unless the row is a fallback itself or
    another row of its notice (`notice_rows`: all of them, as they stand) delivered or is still waiting."""
    if status in DELIVERED:
        return report("sent" if status == OutboxStatus.SENT else "accepted", row.channel)
    if row.attempts < retry_attempts:
        return Decision(Action.RETRY_LATER, delay=retry_delay(row.attempts, retry_initial_seconds, retry_max_seconds))
    if row.notice_key and row.fallback_for is None and not any(_alive(r) for r in notice_rows):
        return Decision(Action.FALL_BACK, rows=(row,))
    return Decision(Action.GIVE_UP)


def _alive(row: Row) -> bool:
    """Delivered, or still to be sent (waiting, or failed with a retry set)."""
    return (
        row.status in DELIVERED
        or row.status in WAITING
        or (row.status == OutboxStatus.FAILED and row.not_before is not None)
    )


def labels(rows: Iterable[Row]) -> str:
    """The channels of these rows as a Delivery names them: "email", "email+teams" (40 characters at most)."""
    return "+".join(dict.fromkeys(r.channel for r in rows))[:40]
