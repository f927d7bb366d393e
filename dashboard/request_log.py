"""The dashboard's access log (issue 22): one line per web request, on the logger "dashboard.request_log".

Each line has the method, the route's template ("/cases/{case_ref}"), the status, the duration in milliseconds and
the id of the signed-in account (`extra` fields: method, route, status, duration_ms, user_id; config/logging.py
writes them as text or JSON). Never the concrete path or the query: a path carries case references, workflow ids
(which carry them too) and feed tokens, and a query can carry anything. A request that matched no route has no
template ("route": null). The account is the one the request's guard found (dashboard/auth.py `current_user` keeps
it on request.state.user: a browser session's or an API key's account), by id only, never its user name; a request
that asked for nobody (the sign-in page, /healthz, a feed, a static file) has none.

uvicorn's own access log stays on (dashboard/log_redaction.py redacts feed tokens and secret query values in it).
It writes what this line cannot: the requests uvicorn answers itself before the app sees them (a malformed request
line, a protocol error) and the client's address; `sendclock up`'s dashboard.log has held its lines since issue 20,
and tests/test_log_redaction.py holds them there. Its price: it writes concrete paths, so case references. Turning
it off (`uvicorn --no-access-log` in starter/stack.py, and that test changed) is a small, separate decision.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class RequestLog:
    """ASGI middleware: the access-log line of each HTTP request, once the app has answered (or raised: 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # the app raised before it answered: Starlette's error middleware answers 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log_request(scope, status, time.perf_counter() - began)


def log_request(scope: Scope, status: int, seconds: float) -> None:
    route = route_template(scope)
    duration_ms = round(seconds * 1000, 1)
    log.info(
        "%s %s %d %.1f ms",
        scope["method"],
        route or "(no route)",
        status,
        duration_ms,
        extra={
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id(scope),
        },
    )


def route_template(scope: Scope) -> str | None:
    """The template of the route the request matched ("/cases/{case_ref}"), or None."""
    route = scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or None


def user_id(scope: Scope) -> int | None:
    """The id of the account the request's guard signed in, if it looked (request.state.user; dashboard/auth.py)."""
    state: dict[str, Any] = scope.get("state") or {}
    return getattr(state.get("user"), "id", None)
