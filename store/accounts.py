"""Web accounts and access tokens: who may sign in to the dashboard, and the secret URLs of calendar feeds.

Passwords are stored as argon2 hashes (hashed by the caller, dashboard.security); tokens as SHA-256 digests, so a
copy of the database reveals neither. Accounts carry a role and, for people who own steps, their staff id from the
settings' staff directory. No personal data beyond a sign-in name chosen by the school.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

ROLES = ("senco", "staff", "leadership", "auditor")
TOKEN_KINDS = ("feed-staff", "feed-school", "api")


class Account(Base):
    """A local sign-in: role senco (everything), staff (their own steps), leadership (read all), auditor (read-only
    with audit views)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
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
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
