"""The dashboard: a read-only, server-rendered view of open statutory steps and the notification outbox.

Run it with ``uvicorn --factory dashboard.app:create_app``. It reads the database through store.queries only and
shows no personal data beyond case references (staff names come from the settings' staff directory).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker as SessionMaker

from config.settings import Settings, get_settings
from store.db import make_engine, make_sessionmaker
from store.queries import OpenStep, open_steps, recent_outbox

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
DUE_SOON_DAYS = 14
OUTBOX_LIMIT = 200


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def days_text(step: OpenStep) -> str:
    """Time left as words, so the state never depends on colour alone."""
    if step.overdue:
        return f"{plural(-step.days_left, 'day')} overdue"
    if step.days_left == 0:
        return "Due today"
    return f"{plural(step.days_left, 'day')} left"


@dataclass(frozen=True)
class StepRow:
    step: OpenStep
    owner_name: str
    days_text: str
    workflow_url: str
    due_soon: bool


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: SessionMaker[Session] | None = None,
    today: Callable[[], date] | None = None,
) -> FastAPI:
    """The dashboard app. Defaults: the process settings, an engine on their database URL, today in their zone."""
    settings = settings or get_settings()
    engine = None
    if sessionmaker is None:
        engine = make_engine(settings.resolved_database_url)
        sessionmaker = make_sessionmaker(engine)
    zone = ZoneInfo(settings.timezone)
    clock: Callable[[], date] = today or (lambda: datetime.now(zone).date())
    ui_url = settings.temporal.ui_url.rstrip("/")
    namespace = quote(settings.temporal.namespace, safe="")

    def staff_name(staff_id: str) -> str:
        member = settings.staff.get(staff_id)
        return member.name if member else staff_id

    def workflow_url(workflow_id: str) -> str:
        return f"{ui_url}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"

    def page(request: Request, name: str, context: dict) -> HTMLResponse:
        base = {"school_name": settings.school_name, "temporal_ui_url": ui_url, "path": request.url.path}
        return TEMPLATES.TemplateResponse(request, name, base | context)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if engine is not None:
            engine.dispose()

    app = FastAPI(title="sendclock dashboard", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        now = clock()
        with sessionmaker() as session:
            steps = open_steps(session, now)
        rows = [
            StepRow(
                step=s,
                owner_name=staff_name(s.owner),
                days_text=days_text(s),
                workflow_url=workflow_url(s.workflow_id),
                due_soon=0 <= s.days_left <= DUE_SOON_DAYS,
            )
            for s in steps
        ]
        counts = {
            "overdue": sum(r.step.overdue for r in rows),
            "due_soon": sum(r.due_soon for r in rows),
            "open": len(rows),
        }
        context = {"today": now, "rows": rows, "counts": counts, "due_soon_days": DUE_SOON_DAYS}
        return page(request, "index.html", context)

    @app.get("/outbox", response_class=HTMLResponse)
    def outbox(request: Request) -> HTMLResponse:
        with sessionmaker() as session:
            messages = recent_outbox(session, limit=OUTBOX_LIMIT)
        rows = [
            {
                "created": m.created_at.astimezone(zone),
                "recipient": staff_name(m.recipient),
                "kind": m.kind,
                "channel": m.channel,
                "status": m.status,
                "subject": m.subject,
            }
            for m in messages
        ]
        return page(request, "outbox.html", {"rows": rows, "limit": OUTBOX_LIMIT})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
