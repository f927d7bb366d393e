"""The signed-in person's own account: /account/password, to change their password.

The current password is asked for (a session left open on a shared machine must not be enough to take the account
over), and its wrong guesses go through the sign-in throttle (key: the account's password changes) and the sign-in
log. A change ends every other session of the account at once and keeps this one. An operator sets another
account's password with `sendclock user password NAME`, which ends all of that account's sessions.
"""

from __future__ import annotations

import asyncio
import math
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from dashboard.access import CheckedRoute, reader
from dashboard.auth import User, client_address, in_words, moment, read_form, session_digest, wait_sentence, write
from dashboard.context import Web, get_web
from dashboard.render import render
from store.accounts import Account
from store.credentials import MIN_PASSWORD_LENGTH, hash_password, verify_password
from store.web_sessions import end_sessions, log_sign_in

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
PATH = "/account/password"


def _page(
    request: Request, *, errors: dict[str, str] | None = None, done: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "password.html",
        {"errors": errors or {}, "done": done, "min_length": MIN_PASSWORD_LENGTH, "action": PATH},
        status_code=status_code,
    )


@router.get(PATH, response_class=HTMLResponse)
def password_form(request: Request, user: User = Depends(reader)) -> HTMLResponse:
    return _page(request)


def _log(web: Web, request: Request, user: User, now: datetime, outcome: str, detail: str) -> None:
    write(
        web,
        lambda s: log_sign_in(
            s,
            at=now,
            outcome=outcome,
            username=user.username,
            account_id=user.id,
            client=client_address(request),
            detail=detail,
        ),
    )


@router.post(PATH, response_class=HTMLResponse)
async def change_password(request: Request, web: Web = Depends(get_web), user: User = Depends(reader)) -> HTMLResponse:
    values = await read_form(request)
    current, new, again = (values.get(name, "") for name in ("current_password", "new_password", "new_password_again"))
    now = moment(request)
    keys = {f"password-change:{user.id}": web.web.sign_in_attempts}
    wait = web.limiter.attempt(keys)
    if wait > 0:
        _log(web, request, user, now, "throttled", f"changing the password; {in_words(wait)} still to wait")
        response = _page(
            request,
            errors={"current_password": "Too many failed attempts with the current password. " + wait_sentence(wait)},
            status_code=429,
        )
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    with web.sessionmaker() as session:
        account = session.get(Account, user.id)
        stored = account.password_hash if account else None
    errors: dict[str, str] = {}
    if not await asyncio.to_thread(verify_password, stored, current):
        _log(web, request, user, now, "failed", "the current password was not right when changing the password")
        errors["current_password"] = "Your current password is not right."
    else:
        web.limiter.succeeded(keys)
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new_password"] = f"Use at least {MIN_PASSWORD_LENGTH} characters."
    elif new == current:
        errors["new_password"] = "Choose a password different from your current one."
    if new != again:
        errors["new_password_again"] = "The two new passwords are not the same."
    if errors:
        return _page(request, errors=errors, status_code=422)
    hashed = await asyncio.to_thread(hash_password, new)
    keep = session_digest(request)

    def change(session: Session) -> int:
        account = session.get(Account, user.id)
        assert account is not None  # its password was checked above; an account is disabled, never deleted
        account.password_hash = hashed
        ended = end_sessions(session, user.id, now, "password-changed", keep=keep)
        log_sign_in(
            session,
            at=now,
            outcome="password-changed",
            username=user.username,
            account_id=user.id,
            client=client_address(request),
            detail=f"changed on the dashboard; {ended} other session{'s' if ended != 1 else ''} ended",
        )
        return ended

    ended = write(web, change)
    elsewhere = "You were signed out everywhere else." if ended else "You were not signed in anywhere else."
    return _page(request, done=f"Your password has been changed. {elsewhere}")
