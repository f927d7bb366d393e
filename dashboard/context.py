"""What every route needs, built once by create_app and kept on app.state: settings, the database, the clock
(commands/clock.py: the school's today, which the pages and the command checks read), the Temporal client
(connected lazily, once), the session codec and the templates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker as SessionMaker

from commands.clock import Clock
from config.settings import Settings
from config.temporal_ui import ui_base, workflow_link
from dashboard.security import RateLimiter, SessionCodec
from dashboard.web_settings import WebSettings
from workflows.registry import PROCESS_LABELS  # noqa: F401 - re-exported for the pages

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))

# Who gets the Temporal Web UI (its links and /temporal/): the roles that may read every history decoded, as the
# codec server's decoders (dashboard/codec_server.py). The UI lists every case reference, LA and due date.
TEMPORAL_UI_ROLES = ("senco", "auditor")


@dataclass
class Web:
    settings: Settings
    web: WebSettings
    sessionmaker: SessionMaker[Session]
    clock: Clock
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
        """The Temporal Web UI as linked from the dashboard: /temporal/ (served by the dashboard, config/temporal_ui.py)
        or, without temporal.ui_proxy, temporal.ui_url."""
        return ui_base(self.settings, absolute=False) + "/"

    def sees_temporal(self, user: Any) -> bool:
        """Whether `user` gets links to the Temporal Web UI (and may open it through /temporal/)."""
        return user is not None and getattr(user, "role", None) in TEMPORAL_UI_ROLES

    def staff_name(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        member = self.settings.staff.get(staff_id)
        return member.name if member else staff_id

    def workflow_url(self, workflow_id: str, user: Any) -> str:
        """The workflow's page in the Temporal Web UI, or "" for a user who may not open the UI."""
        if not self.sees_temporal(user):
            return ""
        return workflow_link(self.settings, workflow_id, absolute=False)

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
