"""Sign-in, sessions, roles and CSRF.

- Sessions are server-side: the signed cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) carries only a random
  session id; the session is a row (store.accounts.WebSession) found by the id's SHA-256 digest. Every request
  checks the row and the account: a session is over once it is ended (sign-out, a password change, a disabled
  account, `sendclock user sessions --end-all`), past its absolute expiry (web.session_hours after sign-in) or idle
  for web.session_idle_minutes; pages then redirect to /login, which says why in a sentence, and the API answers
  401. A copied cookie dies with its session. last_seen_at is written at most once a minute per session.
- Sign-in makes a new session id (no fixation) and ends only the session this browser had before.
- CSRF: every form carries a token derived from the session id (HMAC); every POST checks it. API calls made with a
  session cookie send it in the X-CSRF-Token header; calls with an API key (Authorization: Bearer) need none and
  have no session.
- Roles: senco (everything), staff (their own steps; record their own completions), leadership (read all, no
  changes), auditor (read-only, with the audit log), each at one school (the account's); in a deployment of several
  schools (a trust, issue 25) the trust-wide roles trust-leadership (reads as leadership) and trust-auditor (reads as
  an auditor) read every school and change nothing. What a user reads is its school's only (User.school, which
  dashboard/scope.py turns into the filter every read applies); a trust role may narrow to one school (?school=ID,
  dashboard/access.py). A single-school deployment has one school and no filter: nothing changes for it.
- Sign-in attempts are throttled per account and per (account, address), never per address alone (a school behind
  one NAT address shares it), with delays that double (dashboard.security.SignInThrottle). A browser the account
  signed in from before carries a device cookie (dashboard.security.DeviceCookie): its attempts for that account are
  throttled per (account, device) only, so a guesser elsewhere cannot lock the owner out of their own machine. A
  throttled attempt gets 429 with Retry-After and a sentence saying how long to wait. Every failed and throttled
  attempt, sign-in and sign-out is in the sign-in log (store.accounts.SignInEvent), shown at /audit/sign-ins and
  by `sendclock user sign-ins`. The throttle's counts live in the web process's memory.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.middleware.base import BaseHTTPMiddleware

from dashboard.context import TEMPLATES, Web, get_web
from dashboard.security import DeviceCookie
from store.accounts import Account, WebSession
from store.accounts_queries import account_by_username, live_token
from store.credentials import new_token, token_digest, verify_password
from store.web_sessions import LIVE, end_session, log_sign_in, session_by_digest, session_state, start_session, touch
from store.writer import write_lock
from workflows.models.common import DEFAULT_SCHOOL

COOKIE = "sendclock_session"
DEVICE_COOKIE = "sendclock_device"
DEVICE_DAYS = 180  # how long a device cookie vouches for a browser after the account's latest sign-in on it
ACCOUNT_WIDE_FACTOR = 2  # the account as a whole is delayed after this many times web.sign_in_attempts failures
# The trust-wide roles (store.accounts.TRUST_ROLES): they read every school, as the school role they are named after.
TRUST_ROLES = ("trust-leadership", "trust-auditor")
READS_AS = {"trust-leadership": "leadership", "trust-auditor": "auditor"}
READERS = ("senco", "staff", "leadership", "auditor", *TRUST_ROLES)
ALL_READERS = ("senco", "leadership", "auditor", *TRUST_ROLES)  # see every step (of their school), not only their own
WRITERS = ("senco", "staff")  # staff: their own steps only (checked per step); no trust role changes anything
AUDITORS = ("senco", "auditor", "trust-auditor")

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    staff_id: str | None
    via_api_key: bool = False
    # The one school whose data the user reads: a school role's own (the account's), or the school a trust role
    # narrowed to (?school=ID); None: every school (a trust role, or anyone in a single-school deployment, where
    # there is one school and nothing to filter).
    school: str | None = None

    @property
    def sees_all(self) -> bool:
        return self.role in ALL_READERS

    @property
    def is_trust(self) -> bool:
        """A trust-wide role: it reads every school of the deployment (or the one it narrowed to)."""
        return self.role in TRUST_ROLES

    @property
    def reads_as(self) -> str:
        """The school role whose pages this user gets: a trust role's namesake (trust-auditor: auditor), or its own."""
        return READS_AS.get(self.role, self.role)

    @property
    def role_text(self) -> str:
        """The role in words ("trust auditor")."""
        return self.role.replace("-", " ")

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS

    @property
    def is_senco(self) -> bool:
        return self.role == "senco"


class SignInRequired(Exception):
    """Raised by a page guard when nobody is signed in: pages redirect to /login, the API answers 401."""


class SessionMiddleware(BaseHTTPMiddleware):
    """Loads the session cookie into request.state.session and writes it back when it changed."""

    async def dispatch(self, request: Request, call_next):
        web: Web = request.app.state.web
        data = web.codec.loads(request.cookies.get(COOKIE))
        request.state.session = data or {"sid": new_token()}
        request.state.session_dirty = False
        response = await call_next(request)
        if request.state.session_dirty:
            response.set_cookie(
                COOKIE,
                web.codec.dumps(request.state.session),
                httponly=True,
                samesite="lax",
                secure=_secure(request),
                max_age=int(web.web.session_hours * 3600),
                path="/",
            )
        return response


def _secure(request: Request) -> bool:
    web: Web = request.app.state.web
    return web.web.secure_cookies or request.url.scheme == "https"


def moment(request: Request) -> datetime:
    """Now (UTC), from the app's clock (create_app(now=...); tests move it instead of sleeping)."""
    clock = getattr(request.app.state, "now", None)
    return clock() if clock else datetime.now(UTC)


def client_address(request: Request) -> str:
    """The client's address (behind a proxy, uvicorn --proxy-headers puts the X-Forwarded-For address here)."""
    return request.client.host if request.client else "unknown"


def write(web: Web, work: Callable[[Session], T]) -> T:
    """`work` in a short write transaction of its own (on SQLite this process's writers take turns)."""
    with write_lock(web.sessionmaker.kw["bind"]), web.sessionmaker.begin() as session:
        return work(session)


def csrf_token(request: Request) -> str:
    """The CSRF token of this session (saving the session, so the token is valid on the next request)."""
    if not request.cookies.get(COOKIE) or request.state.session_dirty:
        request.state.session_dirty = True
    web: Web = request.app.state.web
    return web.codec.csrf_token(request.state.session["sid"])


def csrf_ok(request: Request, token: str | UploadFile | None) -> bool:
    """Whether `token` is this session's CSRF token (a file posted in its place is not)."""
    web: Web = request.app.state.web
    return (
        isinstance(token, str)
        and web.codec.csrf_ok(request.state.session["sid"], token)
        and bool(request.cookies.get(COOKIE))
    )


def _account_user(account: Account | None, web: Web, via_api_key: bool = False) -> User | None:
    if account is None or not account.active:
        return None
    return User(
        id=account.id,
        username=account.username,
        role=account.role,
        staff_id=account.staff_id,
        via_api_key=via_api_key,
        school=school_read(account, web),
    )


def school_read(account: Account, web: Web) -> str | None:
    """The school whose data an account reads: None (every school) for a trust role, and for anyone where the
    deployment has one school; else the account's school (an account made before schools: the default school,
    as migration 0010 says)."""
    if account.role in TRUST_ROLES or not web.settings.several_schools:
        return None
    return account.school or DEFAULT_SCHOOL


def session_digest(request: Request) -> str:
    """The digest of this browser's session id: the key of its WebSession row."""
    return token_digest(request.state.session["sid"])


def _forget_session(request: Request, notice: str | None = None) -> None:
    """A new, signed-out session id for this browser; `notice` (why the session ended) is said once on /login."""
    request.state.session = {"sid": new_token()} | ({"notice": notice} if notice else {})
    request.state.session_dirty = True


def _session_user(request: Request, web: Web, session: Session) -> User | None:
    """The user of this browser's session, if its row is live and its account active; a session found to be over is
    ended (idle, expired, account disabled) and the browser given a new, signed-out session id."""
    if not request.cookies.get(COOKIE):
        return None
    row = session_by_digest(session, session_digest(request))
    if row is None:
        return None
    now = moment(request)
    state = session_state(row, now, timedelta(minutes=web.web.session_idle_minutes))
    user = _account_user(session.get(Account, row.account_id), web) if state == LIVE else None
    if state == LIVE and user is None:
        state = "account-disabled"
    if state != LIVE:
        if row.ended_at is None:
            _end_row(web, row.id, now, state)
        _forget_session(request, state)
        return None
    if touch(row, now):
        try:
            write(
                web,
                lambda s: s.execute(
                    cast(Table, WebSession.__table__).update().where(WebSession.id == row.id).values(last_seen_at=now)
                ),
            )
        except SQLAlchemyError as err:  # the session stays usable; the next request tries again
            log.warning("could not note a session's last request: %s", type(err).__name__)
    return user


def _end_row(web: Web, row_id: int, now: datetime, reason: str) -> None:
    def end(session: Session) -> None:
        row = session.get(WebSession, row_id)
        if row is not None:
            end_session(row, now, reason)

    write(web, end)


def current_user(request: Request) -> User | None:
    if hasattr(request.state, "user"):
        return request.state.user
    web: Web = request.app.state.web
    user = None
    auth = request.headers.get("authorization", "")
    with web.sessionmaker() as session:
        if auth.lower().startswith("bearer ") and request.url.path.startswith("/api/"):  # keys: the API only
            token = live_token(session, token_digest(auth[7:].strip()), ("api",))
            user = _account_user(
                session.get(Account, token.account_id) if token and token.account_id else None, web, via_api_key=True
            )
        else:
            user = _session_user(request, web, session)
    request.state.user = user
    return user


def require(*roles: str):
    """A dependency: the signed-in user, if their role is one of `roles` (401/redirect if none, 403 if another)."""

    def guard(request: Request) -> User:
        user = current_user(request)
        if user is None:
            raise SignInRequired()
        if user.role not in roles:
            raise HTTPException(status_code=403, detail=f"role: {user.role} may not do this")
        return user

    return guard


reader = require(*READERS)
all_reader = require(*ALL_READERS)
writer = require(*WRITERS)
senco_only = require("senco")
auditor = require(*AUDITORS)


async def read_form(request: Request) -> dict[str, str]:
    """The posted form as a dict (first value of each field; lists under their name in `__lists__`), after checking
    its CSRF token (403 without a valid one)."""
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        raise HTTPException(status_code=403, detail="csrf_token: missing or invalid; reload the page and try again")
    values: dict = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    values["__lists__"] = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}
    return values


def check_api_csrf(request: Request, user: User) -> None:
    if not user.via_api_key and not csrf_ok(request, request.headers.get("x-csrf-token")):
        raise HTTPException(status_code=403, detail="csrf_token: send the X-CSRF-Token header (from GET /api/me)")


def safe_next(target: str | None) -> str:
    """Only a local path (no scheme, no host, no protocol-relative //) may follow sign-in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def in_words(seconds: float) -> str:
    """A wait or a span as a person says it: "45 seconds", "2 minutes", "8 hours" (rounded up)."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 60 or minutes % 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''}"


def ended_notice(web: Web, reason: str) -> str:
    """Why the browser was signed out, in a sentence for the sign-in page."""
    idle = in_words(web.web.session_idle_minutes * 60)
    return {
        "idle": f"You were signed out after {idle} without activity. Please sign in again.",
        "expired": f"You were signed out because a sign-in lasts at most {in_words(web.web.session_hours * 3600)}. "
        "Please sign in again.",
        "password-changed": "You were signed out because the password of this account was changed. "
        "Please sign in again.",
        "ended-by-operator": "You were signed out by the school's administrator. Please sign in again.",
        "account-disabled": "You were signed out because this account has been disabled.",
    }.get(reason, "You were signed out. Please sign in again.")


def wait_sentence(seconds: float) -> str:
    return f"Please wait {in_words(seconds)} before you try again."


router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request,
    *,
    error: str | None = None,
    notice: str | None = None,
    username: str = "",
    next_: str = "/",
    status_code: int = 200,
) -> HTMLResponse:
    web: Web = request.app.state.web
    return TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {
            "school_name": web.heading,
            "error": error,
            "notice": notice,
            "username": username,
            "next": safe_next(next_),
            "csrf_token": csrf_token(request),
            "user": None,
            "path": "/login",
            "temporal_ui_url": web.ui_url,
        },
        status_code=status_code,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002
    reason = request.state.session.pop("notice", None)
    if reason:
        request.state.session_dirty = True
    notice = ended_notice(request.app.state.web, reason) if isinstance(reason, str) else None
    return _login_page(request, notice=notice, next_=next)


def _devices(web: Web) -> DeviceCookie:
    return DeviceCookie(web.codec.secret, DEVICE_DAYS * 86400)


def throttle_keys(web: Web, username: str, client: str, account_id: int | None, device: str | None) -> dict[str, int]:
    """The throttle's keys for an attempt, each with the failures it allows before delays start: with a valid
    device cookie for the account, that (account, device) alone; otherwise the account (a name as typed, so an
    unknown name is throttled like a known one) and the (account, address)."""
    free = web.web.sign_in_attempts
    if account_id is not None and device is not None:
        return {f"device:{account_id}:{device}": free}
    name = username.lower()[:64]
    return {f"account:{name}": free * ACCOUNT_WIDE_FACTOR, f"account-address:{name}|{client}": free}


def _log(web: Web, request: Request, outcome: str, username: str, account_id: int | None, detail: str = "") -> None:
    now = moment(request)
    write(
        web,
        lambda s: log_sign_in(
            s,
            at=now,
            outcome=outcome,
            username=username,
            account_id=account_id,
            client=client_address(request),
            detail=detail,
        ),
    )


def _throttled(
    request: Request,
    web: Web,
    *,
    wait: float,
    error: str,
    username: str,
    account_id: int | None,
    detail: str,
    page: Callable[[str], HTMLResponse],
) -> HTMLResponse:
    _log(web, request, "throttled", username, account_id, f"{detail}; {in_words(wait)} still to wait")
    response = page(f"{error} {wait_sentence(wait)}")
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


@router.post("/login")
async def login(request: Request, web: Web = Depends(get_web)) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    next_ = str(form.get("next") or "/")
    if not csrf_ok(request, form.get("csrf_token")):
        return _login_page(
            request,
            error="Your session expired. Please sign in again.",
            username=username,
            next_=next_,
            status_code=403,
        )
    client = client_address(request)
    now = moment(request)
    with web.sessionmaker() as session:
        account = account_by_username(session, username) if username else None
    account_id = account.id if account else None
    devices = _devices(web)
    known = devices.loads(request.cookies.get(DEVICE_COOKIE), now.timestamp())
    device = known[account_id][0] if account_id in known else None
    keys = throttle_keys(web, username, client, account_id, device)
    wait = web.limiter.attempt(keys)
    if wait > 0:
        return _throttled(
            request,
            web,
            wait=wait,
            username=username,
            account_id=account_id,
            error="Too many failed sign-in attempts for this user name.",
            detail="refused on this device" if device else "refused for this account",
            page=lambda error: _login_page(request, error=error, username=username, next_=next_, status_code=429),
        )
    matches = await asyncio.to_thread(verify_password, account.password_hash if account else None, password)
    if account is None or not (matches and account.active):  # (no account: verify_password said False)
        wait = web.limiter.wait(keys)
        why = (
            "no account of this name"
            if account is None
            else "the password was not right"
            if not matches
            else "the account is disabled"
        )
        _log(web, request, "failed", username, account_id, why + (" (on a known device)" if device else ""))
        response: Response = _login_page(
            request,
            error="The user name or password is not right." + (f" {wait_sentence(wait)}" if wait > 0 else ""),
            username=username,
            next_=next_,
            status_code=401,
        )
        if wait > 0:
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    web.limiter.succeeded(keys)
    sid = new_token()
    before = session_digest(request) if request.cookies.get(COOKIE) else None

    def sign_in(session: Session) -> None:
        if before is not None and (previous := session_by_digest(session, before)) is not None:
            end_session(previous, now, "signed-in-again")  # this browser's earlier session, not the account's others
        start_session(
            session,
            digest=token_digest(sid),
            account_id=account.id,
            now=now,
            lifetime=timedelta(hours=web.web.session_hours),
        )
        signed_in = session.get(Account, account.id)
        assert signed_in is not None  # read above; an account is disabled, never deleted
        signed_in.last_sign_in_at = now
        log_sign_in(
            session,
            at=now,
            outcome="signed-in",
            username=username,
            account_id=account.id,
            client=client,
            detail="from a known device" if device else "",
        )

    write(web, sign_in)
    request.state.session = {"sid": sid}  # a new session id on sign-in (no fixation)
    request.state.session_dirty = True
    target = safe_next(next_)
    if target == "/" and account.role in ("senco", "staff"):
        target = "/today"  # their landing page: what to do today (dashboard/today.py)
    elif target == "/" and account.role in TRUST_ROLES and web.settings.several_schools:
        target = "/trust"  # the trust view: every school at a glance (dashboard/trust.py)
    response = RedirectResponse(target, status_code=303)
    known[account.id] = (new_token(), now.timestamp())
    response.set_cookie(
        DEVICE_COOKIE,
        devices.dumps(known),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=DEVICE_DAYS * 86400,
        path="/login",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await read_form(request)
    web: Web = request.app.state.web
    user = current_user(request)
    if user is not None and not user.via_api_key:
        now, digest = moment(request), session_digest(request)

        def sign_out(session: Session) -> None:
            if (row := session_by_digest(session, digest)) is not None:
                end_session(row, now, "signed-out")
            log_sign_in(
                session,
                at=now,
                outcome="signed-out",
                username=user.username,
                account_id=user.id,
                client=client_address(request),
            )

        write(web, sign_out)
    _forget_session(request)
    return RedirectResponse("/login", status_code=303)
