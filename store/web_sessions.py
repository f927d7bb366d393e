"""Sign-in sessions and the sign-in log (used by dashboard.auth and `sendclock user sessions|password|sign-ins`).

A session is live while it is not ended, before its absolute expiry and used within the idle limit; the caller
passes the moment and the idle limit, so the rules are one function (`session_state`) tested with any clock. The
sign-in log (SignInEvent) is only ever appended to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.accounts import SESSION_END_REASONS, SIGN_IN_OUTCOMES, Account, SignInEvent, WebSession

LIVE = "live"
# Each outcome of the sign-in log in words (the dashboard's /audit/sign-ins and `sendclock user sign-ins`).
OUTCOME_WORDS = {
    "failed": "Sign-in failed",
    "throttled": "Refused: wait after failures",
    "signed-in": "Signed in",
    "signed-out": "Signed out",
    "password-changed": "Password changed",
    "sessions-ended": "Sessions ended",
}
# last_seen_at is moved on at most this often, so reading pages does not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


def session_state(row: WebSession, now: datetime, idle: timedelta) -> str:
    """ "live", or why the session is over: its ended_reason, "expired" (past its absolute expiry) or "idle"."""
    if row.ended_at is not None:
        return row.ended_reason or "signed-out"
    if now >= row.expires_at:
        return "expired"
    if now - row.last_seen_at >= idle:
        return "idle"
    return LIVE


def start_session(session: Session, *, digest: str, account_id: int, now: datetime, lifetime: timedelta) -> WebSession:
    row = WebSession(digest=digest, account_id=account_id, created_at=now, last_seen_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    return row


def session_by_digest(session: Session, digest: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.digest == digest))


def end_session(row: WebSession, now: datetime, reason: str) -> None:
    if reason not in SESSION_END_REASONS:
        raise ValueError(f"reason: {reason} is not one of {', '.join(SESSION_END_REASONS)}")
    if row.ended_at is None:
        row.ended_at = now
        row.ended_reason = reason


def touch(row: WebSession, now: datetime) -> bool:
    """Move last_seen_at on to `now` if it is at least TOUCH_EVERY old; True when the row changed."""
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        return True
    return False


def live_sessions(session: Session, account_id: int, now: datetime, idle: timedelta) -> list[WebSession]:
    """The account's live sessions, oldest first."""
    rows = session.scalars(
        select(WebSession)
        .where(
            WebSession.account_id == account_id,
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
            WebSession.last_seen_at > now - idle,
        )
        .order_by(WebSession.id)
    )
    return [row for row in rows if session_state(row, now, idle) == LIVE]


def end_sessions(session: Session, account_id: int, now: datetime, reason: str, *, keep: str | None = None) -> int:
    """End every session of the account not yet ended (but the one whose digest is `keep`); how many were live."""
    if reason not in SESSION_END_REASONS:
        raise ValueError(f"reason: {reason} is not one of {', '.join(SESSION_END_REASONS)}")
    rows = session.scalars(select(WebSession).where(WebSession.account_id == account_id, WebSession.ended_at.is_(None)))
    ended = 0
    for row in rows:
        if row.digest != keep:
            ended += now < row.expires_at
            end_session(row, now, reason)
    return ended


def printable(text: str, limit: int = 64) -> str:
    """`text` cut to `limit` characters, control characters (a terminal's escape sequences) replaced."""
    return "".join(c if c.isprintable() else "\ufffd" for c in text[:limit])


def log_sign_in(
    session: Session,
    *,
    at: datetime,
    outcome: str,
    username: str,
    account_id: int | None = None,
    client: str | None = None,
    detail: str = "",
) -> SignInEvent:
    """Append one entry to the sign-in log."""
    if outcome not in SIGN_IN_OUTCOMES:
        raise ValueError(f"outcome: {outcome} is not one of {', '.join(SIGN_IN_OUTCOMES)}")
    row = SignInEvent(
        at=at,
        outcome=outcome,
        username=printable(username),
        account_id=account_id,
        client=printable(client) if client is not None else None,
        detail=printable(detail, 200),
    )
    session.add(row)
    session.flush()
    return row


def recent_sign_ins(session: Session, *, limit: int = 200, account: Account | None = None) -> list[SignInEvent]:
    """The newest entries of the sign-in log (of one account: by its id, or by its name as typed)."""
    query = select(SignInEvent).order_by(SignInEvent.at.desc(), SignInEvent.id.desc()).limit(limit)
    if account is not None:
        query = query.where((SignInEvent.account_id == account.id) | (SignInEvent.username == account.username))
    return list(session.scalars(query))
