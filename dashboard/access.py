"""Access checks in one order for every route: authenticate (no one: 401 on the API, the sign-in page otherwise),
authorise (a role that may not: 403; a cookie session on an unsafe method without its CSRF token: 403; a process
outside the user's scope: 404, as an unknown one), and only then read and validate the input (422).

A route declares its guard as a dependency (`user: User = Depends(guard)`), as the FastAPI template's `deps.py`
does. FastAPI alone would not keep that order: it reads and parses a JSON body before it runs any dependency, and
CSRF was checked in the handler, after FastAPI had validated the body. So every router here is built with
CheckedRoute, which runs the route's guards before FastAPI touches the request; the guard then answers again, from
its cache, as the handler's dependency. tests/api/test_check_order.py walks every route of the app and holds each
to this order.

Schools (issue 25): the user a guard returns carries its school (dashboard.auth.User.school), which every read
filters by (dashboard/scope.py); a process of another school is a 404, as an unknown one. A trust role may narrow
its reads to one school with `?school=ID` (an id the settings do not have: 422, after the checks above); a school
role's reads are its school's whatever it asks.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute

from dashboard import auth
from dashboard.auth import User, check_api_csrf, csrf_ok
from dashboard.commands import ACTIONS, available_actions, load_process
from dashboard.scope import scope_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DONE = "sendclock.access"  # request.scope key: the guards already answered for this request


class Guard:
    """A dependency that returns the signed-in User after the checks above; `roles` are the roles that may pass, and
    `within(request, user)`, when given, checks the route's target against the user's scope (raising 404 or 403)."""

    def __init__(self, *roles: str, within: Callable[[Request, User], None] | None = None) -> None:
        self.roles = roles
        self.within = within
        self._require = auth.require(*roles)

    async def __call__(self, request: Request) -> User:
        done: dict[int, User] = request.scope.setdefault(_DONE, {})
        if id(self) in done:
            return done[id(self)]
        user = await run_in_threadpool(self._require, request)  # 401 (SignInRequired) or 403 by role
        if request.method not in SAFE_METHODS:
            await check_csrf(request, user)
        user = narrowed(request, user)
        if self.within is not None:
            await run_in_threadpool(self.within, request, user)
        done[id(self)] = user
        return user


async def check_csrf(request: Request, user: User) -> None:
    """The API: the X-CSRF-Token header with a session cookie (an API key needs none). A page: the form's
    csrf_token field (a body that is not a form has none)."""
    if request.url.path.startswith("/api/"):
        check_api_csrf(request, user)
        return
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        raise HTTPException(status_code=403, detail="csrf_token: missing or invalid; reload the page and try again")


def narrowed(request: Request, user: User) -> User:
    """A trust role's reads narrowed to the school of `?school=ID` (its filter, its school's names and calendar); the
    user as it is otherwise. The request's user is the narrowed one from then on (the page's header, get_web)."""
    wanted = request.query_params.get("school", "")
    if not user.is_trust or not wanted or user.school == wanted:
        return user
    settings = request.app.state.web.settings
    if wanted not in settings.school_ids:
        raise HTTPException(status_code=422, detail=f"school: no school {wanted} in this deployment")
    user = replace(user, school=wanted)
    request.state.user = user
    return user


def guards_of(dependant: Dependant) -> list[Guard]:
    """The Guards among a route's dependencies (and theirs), in order."""
    found = []
    for sub in dependant.dependencies:
        if isinstance(sub.call, Guard):
            found.append(sub.call)
        found.extend(guards_of(sub))
    return found


class CheckedRoute(APIRoute):
    """An APIRoute that runs its Guards before FastAPI reads, parses or validates anything of the request."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        guards = guards_of(self.dependant)
        if not guards:
            return handle

        async def checked(request: Request) -> Response:
            for guard in guards:
                await guard(request)
            return await handle(request)

        return checked


reader = Guard(*auth.READERS)
all_reader = Guard(*auth.ALL_READERS)
senco_only = Guard("senco")
auditor = Guard(*auth.AUDITORS)
trust_reader = Guard(*auth.TRUST_ROLES)  # the trust view (dashboard/trust.py)


def recording(action: str | None = None) -> Guard:
    """The guard of a route that records a change on the process `{workflow_id}` (the action `action`, or the path's
    `{name}`): a writer, and for staff a process of their school with a step of theirs (else 404, as an unknown one)
    on which the action is open to them (else 403). The SENCO passes; what does not apply is said after the input is
    read, as before; another school's process is then "no such process", exactly as an unknown one
    (dashboard/commands.py, load_process)."""

    def within(request: Request, user: User) -> None:
        if user.is_senco:
            return
        workflow_id = str(request.path_params.get("workflow_id", ""))
        name = action or str(request.path_params.get("name", ""))
        scope = scope_of(user)
        loaded = load_process(request.app.state.web, workflow_id, scope)
        if loaded is None or not scope.sees_process(loaded[1]):
            raise HTTPException(status_code=404, detail=f"workflow_id: no process {workflow_id}")
        if ACTIONS.get(name) not in available_actions(user, *loaded):
            raise HTTPException(status_code=403, detail=f"{name}: not open to you on this process")

    return Guard(*auth.WRITERS, within=within)
