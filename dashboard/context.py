"""What every route needs, built once by create_app and kept on app.state: settings, the database, the clock,
the Temporal client (connected lazily, once), the session codec and the templates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker as SessionMaker

from config.settings import Settings
from dashboard.security import RateLimiter, SessionCodec
from dashboard.web_settings import WebSettings

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))

PROCESS_LABELS = {
    "ehc-advice-request": "EHC advice request",
    "draft-plan-consultation": "Draft plan consultation",
    "annual-review": "Annual review",
    "reassessment": "Re-assessment",
}


@dataclass
class Web:
    settings: Settings
    web: WebSettings
    sessionmaker: SessionMaker[Session]
    clock: Callable[[], date]
    codec: SessionCodec
    limiter: RateLimiter
    client_factory: Callable[[], Awaitable[Any]]
    _client: Any = None
    _client_lock: asyncio.Lock | None = field(default=None, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def ui_url(self) -> str:
        return self.settings.temporal.ui_url.rstrip("/")

    def staff_name(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        member = self.settings.staff.get(staff_id)
        return member.name if member else staff_id

    def workflow_url(self, workflow_id: str) -> str:
        namespace = quote(self.settings.temporal.namespace, safe="")
        return f"{self.ui_url}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"

    async def client(self) -> Any:
        """The Temporal client, connected on first use (in the server's event loop) and then reused."""
        if self._client_lock is None:
            self._client_lock = asyncio.Lock()
        async with self._client_lock:
            if self._client is None:
                self._client = await self.client_factory()
        return self._client


def get_web(request: Request) -> Web:
    return request.app.state.web
