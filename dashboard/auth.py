"""Sign-in, sessions, roles and CSRF.

- Sessions: a signed, timestamped cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) carrying a random session id
  and the account id; the account is re-read on every request, so a disabled account is out at once.
- CSRF: every form carries a token derived from the session id (HMAC); every POST checks it. API calls made with a
  session cookie send it in the X-CSRF-Token header; calls with an API key (Authorization: Bearer) need none.
- Roles: senco (everything), staff (their own steps; record their own completions), leadership (read all, no
  changes), auditor (read-only, with the audit log).
- Sign-in attempts are rate-limited per client address and per user name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware

from dashboard.context import TEMPLATES, Web, get_web
from dashboard.security import new_token, token_digest, verify_password
from store.accounts import Account
from store.accounts_queries import account_by_username, live_token

COOKIE = "sendclock_session"
READERS = ("senco", "staff", "leadership", "auditor")
ALL_READERS = ("senco", "leadership", "auditor")  # see every step, not only their own
WRITERS = ("senco", "staff")  # staff: their own steps only (checked per step)
AUDITORS = ("senco", "auditor")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    staff_id: str | None
    via_api_key: bool = False

    @property
    def sees_all(self) -> bool:
        return self.role in ALL_READERS

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS

    @property
    def is_senco(self) -> bool:
        return self.role == "senco"


class SignInRequired(Exception):
    """Raised by a page guard when nobody is signed in: pages redirect to /login, the API answers 401."""


class SessionMiddleware(BaseHTTPMiddleware):
    """Loads the session from its cookie into request.state.session and writes it back when it changed."""

    async def dispatch(self, request: Request, call_next):
        web: Web = request.app.state.web
        data = web.codec.loads(request.cookies.get(COOKIE))
        request.state.session = data or {"sid": new_token()}
        request.state.session_dirty = False
        response = await call_next(request)
        if request.state.session_dirty:
            secure = web.web.secure_cookies or request.url.scheme == "https"
            response.set_cookie(COOKIE, web.codec.dumps(request.state.session), httponly=True, samesite="lax",
                                secure=secure, max_age=int(web.web.session_hours * 3600), path="/")
        return response


def csrf_token(request: Request) -> str:
    """The CSRF token of this session (saving the session, so the token is valid on the next request)."""
    if not request.cookies.get(COOKIE) or request.state.session_dirty:
        request.state.session_dirty = True
    web: Web = request.app.state.web
    return web.codec.csrf_token(request.state.session["sid"])


def csrf_ok(request: Request, token: str | None) -> bool:
    web: Web = request.app.state.web
    return web.codec.csrf_ok(request.state.session["sid"], token) and bool(request.cookies.get(COOKIE))


def _account_user(account: Account | None, via_api_key: bool = False) -> User | None:
    if account is None or not account.active:
        return None
    return User(id=account.id, username=account.username, role=account.role, staff_id=account.staff_id,
                via_api_key=via_api_key)


def current_user(request: Request) -> User | None:
    if hasattr(request.state, "user"):
        return request.state.user
    web: Web = request.app.state.web
    user = None
    auth = request.headers.get("authorization", "")
    with web.sessionmaker() as session:
        if auth.lower().startswith("bearer ") and request.url.path.startswith("/api/"):  # keys: the API only
            token = live_token(session, token_digest(auth[7:].strip()), ("api",))
            user = _account_user(session.get(Account, token.account_id) if token and token.account_id else None,
                                 via_api_key=True)
        else:
            uid = request.state.session.get("uid")
            if isinstance(uid, int):
                user = _account_user(session.get(Account, uid))
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
    values["__lists__"] = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form.keys()}
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


router = APIRouter(include_in_schema=False)


def _login_page(request: Request, *, error: str | None = None, username: str = "", next_: str = "/",
                status_code: int = 200) -> HTMLResponse:
    web: Web = request.app.state.web
    return TEMPLATES.TemplateResponse(request, "login.html", {
        "school_name": web.settings.school_name, "error": error, "username": username, "next": safe_next(next_),
        "csrf_token": csrf_token(request), "user": None, "path": "/login", "temporal_ui_url": web.ui_url,
    }, status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002
    return _login_page(request, next_=next)


@router.post("/login")
async def login(request: Request, web: Web = Depends(get_web)) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    next_ = str(form.get("next") or "/")
    if not csrf_ok(request, form.get("csrf_token")):
        return _login_page(request, error="Your session expired. Please sign in again.", username=username,
                           next_=next_, status_code=403)
    client = request.client.host if request.client else "unknown"
    keys = (f"ip:{client}", f"user:{username.lower()}")
    if web.limiter.blocked(*keys):
        response = _login_page(request, error="Too many failed sign-in attempts. Wait a few minutes and try again.",
                               username=username, next_=next_, status_code=429)
        response.headers["Retry-After"] = str(int(web.web.sign_in_window_seconds))
        return response
    with web.sessionmaker.begin() as session:
        account = account_by_username(session, username) if username else None
        ok = verify_password(account.password_hash if account else None, password) and account.active
        if ok:
            account.last_sign_in_at = datetime.now(timezone.utc)
            uid = account.id
    if not ok:
        web.limiter.failed(*keys)
        return _login_page(request, error="The user name or password is not right.", username=username,
                           next_=next_, status_code=401)
    web.limiter.reset(f"user:{username.lower()}")
    request.state.session = {"sid": new_token(), "uid": uid}  # a new session id on sign-in (no fixation)
    request.state.session_dirty = True
    return RedirectResponse(safe_next(next_), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await read_form(request)
    request.state.session = {"sid": new_token()}
    request.state.session_dirty = True
    return RedirectResponse("/login", status_code=303)
