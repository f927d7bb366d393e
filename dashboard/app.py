"""The dashboard and its JSON API: server-rendered pages (no JavaScript needed), sign-in with local accounts and
roles, start and record forms, compliance figures, ICS feeds.

Run it with ``uvicorn --factory dashboard.app:serve``. It reads the database through store/ and reaches
Temporal only through the starter functions (the ones the CLI calls). It shows no personal data beyond case
references (staff names come from the settings' staff directory).

Modules: auth (sign-in, server-side sessions, the sign-in throttle, roles, CSRF), account_views (change password),
pages (steps, case timeline, outbox, audit), forms (start and record), api (/api/...), reports (compliance, CSV),
feeds (ICS), commands (what forms and API do), views (rows), trust (the trust view of a deployment of several
schools). Who sees what, the school included, is dashboard/scope.py's.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker as SessionMaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from commands.clock import Clock, FixedClock, SchoolClock
from config.logging import format_as_json, setup_logging
from config.settings import Settings, get_settings
from dashboard import (
    account_views,
    api,
    audit_views,
    auth,
    chase_view,
    codec_server,
    feeds,
    forms,
    la_scorecard_view,
    log_redaction,
    pages,
    register_view,
    reports,
    search,
    temporal_proxy,
    trust,
)
from dashboard import this_term as this_term_page
from dashboard import today as today_page
from dashboard.auth import SessionMiddleware, SignInRequired
from dashboard.context import Web
from dashboard.render import render
from dashboard.request_log import RequestLog
from dashboard.security import SessionCodec, SignInThrottle
from dashboard.web_settings import WebSettings, session_secret
from store.db import make_engine, make_sessionmaker

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def bad_input(request: Request, exc: HTTPException) -> list[dict[str, Any]]:
    """An HTTPException of bad input (422 "field: reason", or FastAPI's 400 for a body it cannot parse) in the API's
    list shape: the field is looked for in the path, then the query, else it is the body's."""
    if isinstance(exc.detail, list):
        return exc.detail
    if exc.status_code == 400:
        return [{"loc": ["body"], "msg": str(exc.detail), "type": "json_invalid"}]
    name, sep, reason = str(exc.detail).partition(": ")
    if not sep or " " in name:
        return [{"loc": ["body"], "msg": str(exc.detail), "type": "value_error"}]
    where = "path" if name in request.path_params else "query" if name in request.query_params else "body"
    return [{"loc": [where, name], "msg": reason, "type": "value_error"}]


def serve() -> FastAPI:
    """uvicorn's factory (`uvicorn --factory dashboard.app:serve`, as `sendclock up` runs it): the process's log set
    up (config/logging.py: stderr, text or JSON), then the app on the process settings. Tests build create_app alone
    and leave the test process's logging as it is."""
    settings = get_settings()
    setup_logging(settings.logging.level, settings.logging.json_lines)
    app = create_app(settings)
    settle_heap()
    return app


def settle_heap() -> None:
    """Move what start-up built out of the garbage collector's way. A full collection walks every object the process
    holds (about 228,000 once the app is built: 111 ms on the benchmark's machine) and falls inside whichever request
    happens to allocate at that moment: at 10,000 steps the slowest of eleven reads of the LA scorecard took 85 ms
    against a median of 18, and each such outlier was a generation-2 collection. Frozen (gc.freeze), the start-up
    objects are kept for the process's life, as they are anyway; what requests allocate is collected as before."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: SessionMaker[Session] | None = None,
    today: Callable[[], date] | None = None,
    clock: Clock | None = None,
    client_factory: Callable[[], Awaitable[Any]] | None = None,
    web_settings: WebSettings | None = None,
    now: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The dashboard app. Defaults: the process settings, an engine on their database URL, the school's clock in
    their zone (`clock`, or `today` for a fixed clock: commands/clock.py), a Temporal client connected (on first use)
    with starter.client.connect, web settings from SENDCLOCK_WEB_*, and the wall clock as `now` (aware UTC: sessions
    and the sign-in throttle; tests pass a clock they move)."""
    now = now or (lambda: datetime.now(UTC))
    settings = settings or get_settings()
    web_settings = web_settings or settings.web
    if settings.logging.json_lines:
        format_as_json(*log_redaction.LOGGERS)  # uvicorn's lines too, when uvicorn runs the app
    log_redaction.install()  # no feed token or secret query value in the access log
    engine = None
    if sessionmaker is None:
        engine = make_engine(settings.resolved_database_url)
        sessionmaker = make_sessionmaker(engine)

    async def connect() -> Any:
        from starter.client import connect as temporal_connect

        return await temporal_connect(settings)

    web = Web(
        settings=settings,
        web=web_settings,
        sessionmaker=sessionmaker,
        clock=clock or (FixedClock(today, settings.timezone) if today is not None else SchoolClock.of(settings)),
        codec=SessionCodec(session_secret(web_settings, settings.var_dir), int(web_settings.session_hours * 3600)),
        limiter=SignInThrottle(
            web_settings.sign_in_delay_seconds,
            web_settings.sign_in_max_delay_seconds,
            web_settings.sign_in_window_seconds,
            clock=lambda: now().timestamp(),
        ),
        client_factory=client_factory or connect,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await temporal_proxy.close(app)
        if engine is not None:
            engine.dispose()

    # openapi_url None: /api/openapi.json is dashboard.api's route, for signed-in callers and API keys only.
    app = FastAPI(
        title="sendclock",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        description="Statutory SEND deadlines: open steps, case timelines, starting processes and "
        "recording changes. Authenticate with an API key (Authorization: Bearer ...).",
    )
    app.state.web = web
    app.state.now = now
    app.add_middleware(SessionMiddleware)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path != "/healthz" and not request.url.path.startswith("/feeds/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(RequestLog)  # added last, so outermost: one line per request, its whole time (request_log.py)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if is_api(request):
            return JSONResponse(
                status_code=401,
                content={"detail": "sign in, or send an API key"},
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if is_api(request):  # the API's one error shape (dashboard/api.py): bad input a list, the rest a sentence
            if exc.status_code in (400, 422):
                return JSONResponse(status_code=422, content={"detail": bad_input(request, exc)}, headers=exc.headers)
            return JSONResponse(status_code=exc.status_code, content={"detail": str(exc.detail)}, headers=exc.headers)
        if request.url.path.startswith("/feeds/"):
            return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers)
        titles = {403: "Not allowed", 404: "Not found", 503: "Not available"}
        return render(
            request,
            "error.html",
            {"title": titles.get(exc.status_code, "Something went wrong"), "detail": str(exc.detail)},
            status_code=exc.status_code,
        )

    @app.exception_handler(StarletteHTTPException)
    async def routing_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Starlette's own (no such route, method not allowed) and FastAPI's 400 for a body it cannot parse."""
        if is_api(request):
            return await http_error(request, HTTPException(exc.status_code, exc.detail, exc.headers))
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        if is_api(request):
            return JSONResponse(status_code=422, content={"detail": detail})
        return render(
            request,
            "error.html",
            {
                "title": "Bad request",
                "detail": "; ".join(f"{'.'.join(str(p) for p in d['loc'][1:])}: {d['msg']}" for d in detail),
            },
            status_code=422,
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # Staff ids are each school's own: a trust's document names none (each school's would tell another's).
            staff_ids = None if settings.several_schools else sorted(settings.for_school(settings.school_ids[0]).staff)
            app.openapi_schema = api.complete_document(FastAPI.openapi(app), staff_ids=staff_ids)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(today_page.router)  # Today: the SENCO's and staff's landing page
    app.include_router(this_term_page.router)  # This term: everything due in a school term, week by week
    app.include_router(search.router)  # find a case by its reference, from the header of every page
    app.include_router(forms.router)
    app.include_router(chase_view.router)  # chasing the LA: the letter, read and confirmed by the SENCO
    app.include_router(chase_view.api_router)
    app.include_router(register_view.router)  # the SEN register import: the SENCO only
    app.include_router(reports.router)
    app.include_router(la_scorecard_view.router)  # the LA scorecard: how each LA meets its deadlines
    app.include_router(trust.router)  # the trust view: every school of a trust's deployment (issue 25)
    app.include_router(trust.api_router)
    app.include_router(feeds.router)
    app.include_router(api.router)
    app.include_router(codec_server.router)  # the Temporal Web UI's codec server (SECURITY.md)
    app.include_router(temporal_proxy.router)  # the Temporal Web UI at /temporal/: senco and auditor, read-only
    app.include_router(audit_views.router)
    app.include_router(account_views.router)  # change password

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
