"""Reading and changing accounts and access tokens (used by `sendclock user|feed` and the dashboard)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.accounts import ROLES, TRUST_ROLES, AccessToken, Account
from store.queries import DEFAULT_SCHOOL  # the school migration 0010 gave every account made before schools


def now_utc() -> datetime:
    return datetime.now(UTC)


def account_by_username(session: Session, username: str) -> Account | None:
    return session.scalar(select(Account).where(Account.username == username))


def add_account(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: str,
    staff_id: str | None,
    school: str | None = DEFAULT_SCHOOL,
) -> Account:
    """A new, enabled account. A school role (senco, staff, leadership, auditor) is at `school` (a single-school
    install's: DEFAULT_SCHOOL); a trust-wide role (TRUST_ROLES) reads every school and is at none: `school=None`."""
    if role not in ROLES:
        raise ValueError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    if role in TRUST_ROLES and school is not None:
        raise ValueError(f"school: a {role} account reads every school and belongs to none (school=None)")
    if role not in TRUST_ROLES and not school:
        raise ValueError(f"school: a {role} account is at one school: say which")
    if account_by_username(session, username) is not None:
        raise ValueError(f"username: {username!r} already exists")
    account = Account(
        username=username,
        password_hash=password_hash,
        role=role,
        school=school,
        staff_id=staff_id,
        active=True,
        created_at=now_utc(),
    )
    session.add(account)
    session.flush()
    return account


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.username)))


def add_token(
    session: Session,
    *,
    digest: str,
    kind: str,
    staff_id: str | None = None,
    account_id: int | None = None,
    label: str = "",
    school: str | None = None,
) -> AccessToken:
    """A new token; a feed's `school` is the school whose steps it shows (None: the default school's)."""
    if kind.startswith("feed-") and school is None:
        school = "default"
    token = AccessToken(
        digest=digest,
        kind=kind,
        staff_id=staff_id,
        account_id=account_id,
        label=label,
        school=school,
        created_at=now_utc(),
    )
    session.add(token)
    session.flush()
    return token


def live_token(session: Session, digest: str, kinds: tuple[str, ...]) -> AccessToken | None:
    """The token with this digest, if it is of one of `kinds` and not revoked."""
    return session.scalar(
        select(AccessToken).where(
            AccessToken.digest == digest, AccessToken.kind.in_(kinds), AccessToken.revoked_at.is_(None)
        )
    )


def list_tokens(session: Session) -> list[AccessToken]:
    return list(session.scalars(select(AccessToken).order_by(AccessToken.id)))


def revoke_token(session: Session, token_id: int) -> AccessToken | None:
    token = session.get(AccessToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now_utc()
    return token
