"""Web accounts and access tokens: who may sign in to the dashboard, and the secret URLs of calendar feeds; the
dashboard's sign-in sessions and the log of sign-in attempts.

Passwords are stored as argon2 hashes (hashed by the caller with store/credentials.py); tokens and session ids as
SHA-256 digests, so a copy of the database reveals none of them. Accounts carry a role and, for people who own
steps, their staff id from the settings' staff directory. No personal data beyond a sign-in name chosen by the school.

A session is a row (WebSession), not only a signed cookie: a cookie cannot be taken back, a row can be ended (sign
out, a password change, a disabled account, `sendclock user sessions --end-all`), and every request checks it.
SignInEvent is append-only (triggers refuse UPDATE and DELETE, migration 0007): the record of who tried to sign in,
from where, and what came of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

# Roles at one school (Account.school), and the trust-wide roles that read across every school (school NULL).
SCHOOL_ROLES = ("senco", "staff", "leadership", "auditor")
TRUST_ROLES = ("trust-leadership", "trust-auditor")
ROLES = SCHOOL_ROLES + TRUST_ROLES
TOKEN_KINDS = ("feed-staff", "feed-school", "api")
# Why a session ended (WebSession.ended_reason).
SESSION_END_REASONS = (
    "signed-out",
    "signed-in-again",
    "password-changed",
    "ended-by-operator",
    "account-disabled",
    "idle",
    "expired",
)
# What a sign-in event records (SignInEvent.outcome).
SIGN_IN_OUTCOMES = ("failed", "throttled", "signed-in", "signed-out", "password-changed", "sessions-ended")


class Account(Base):
    """A local sign-in: role senco (everything), staff (their own steps), leadership (read all), auditor (read-only
    with audit views)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # The school the role is at (settings `schools.<id>`); None for a trust-wide role (TRUST_ROLES). Migration 0010.
    school: Mapped[str | None] = mapped_column(String(24))
    staff_id: Mapped[str | None] = mapped_column(String(32))  # settings.staff key; None for read-only accounts
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime | None]


class AccessToken(Base):
    """A secret, revocable token: an ICS feed URL (one staff member's steps, or the whole school's) or an API key
    (acts as its account). Only the SHA-256 digest of the secret is kept."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # feed-staff | feed-school | api
    staff_id: Mapped[str | None] = mapped_column(String(32))  # feed-staff: whose steps
    # A feed's school (its staff member's steps there, or all of its open steps); None for an API key: its account's.
    school: Mapped[str | None] = mapped_column(String(24))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """One sign-in to the dashboard. The browser's cookie carries a random session id; only its SHA-256 digest is
    kept here. Live while not ended, before `expires_at` (session_hours after sign-in) and used within the idle
    limit (session_idle_minutes; `last_seen_at` is moved on at most once a minute)."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # a short number for `sendclock user sessions`
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the cookie's session id
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # absolute: no activity keeps a session beyond this
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(20))  # one of SESSION_END_REASONS


class SignInEvent(Base):
    """One sign-in attempt or session change, append-only: failed and throttled attempts, sign-ins, sign-outs,
    password changes and sessions ended. `username` is what was typed (cut to 64 characters); `account_id` is
    set when an account of that name exists (no foreign key: the log outlives the account)."""

    __tablename__ = "sign_in_event"
    __table_args__ = (Index("ix_sign_in_event_account_id_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(Integer)
    client: Mapped[str | None] = mapped_column(String(64))  # the client's address; None for the command line
    outcome: Mapped[str] = mapped_column(String(20))  # one of SIGN_IN_OUTCOMES
    detail: Mapped[str] = mapped_column(String(200), default="")  # a short sentence, never a secret
