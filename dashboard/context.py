"""What every route needs, built once by create_app and kept on app.state: settings, the database, the clock
(commands/clock.py: the school's today, which the pages and the command checks read), the Temporal client
(connected lazily, once), the session codec and the templates.

A deployment of several schools (a trust, issue 25) gives each request the Web of the school it is for (get_web):
that school's view of the settings (config/settings.py, Settings.for_school: its name, staff, calendar, LAs), so a
page names that school's staff and counts by its calendar. Views share the app's database, clock and Temporal
client. A trust role reading every school gets the deployment's own Web; its rows name each school's staff by that
school's directory (Web.staff_name with the row's school)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker as SessionMaker

from commands.clock import Clock
from config.settings import Settings, UnknownSchool
from config.temporal_ui import ui_base, workflow_link
from dashboard.security import RateLimiter, SessionCodec
from dashboard.web_settings import WebSettings
from workflows.registry import PROCESS_LABELS  # noqa: F401 - re-exported for the pages

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))

# Who gets the Temporal Web UI (its links and /temporal/): the roles that may read every history decoded, as the
# codec server's decoders (dashboard/codec_server.py). The UI lists every case reference, LA and due date of the
# namespace, and cannot be limited to one school: in a deployment of several schools only the trust's auditor gets it
# (Web.sees_temporal; SECURITY.md).
TEMPORAL_UI_ROLES = ("senco", "auditor", "trust-auditor")
TRUST_WIDE = ("trust-leadership", "trust-auditor")  # dashboard.auth.TRUST_ROLES (auth imports this module)


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
    # Which school's view this is (for_school); None: the deployment's own settings (its one school, or the trust).
    school: str | None = None
    _root: Web | None = field(default=None, repr=False)
    _views: dict[str, Web] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Web:
        """The app's own Web (the deployment's settings), of which each school's is a view."""
        return self._root or self

    @property
    def several_schools(self) -> bool:
        return self.root.settings.several_schools

    def for_school(self, school: str) -> Web:
        """The Web of one school: its view of the settings (UnknownSchool for an id the settings do not have), the
        same database, clock and Temporal client. Made once per school."""
        root = self.root
        view = root._views.get(school)
        if view is None:
            view = replace(
                root, settings=root.settings.for_school(school), school=school, _root=root, _views={}, _client=None
            )
            root._views[school] = view
        return view

    def school_name(self, school: str | None) -> str:
        """A school's name, as its settings give it (its id only if the settings no longer have it)."""
        settings = self.root.settings
        if not settings.schools:
            return settings.school_name
        found = settings.schools.get(school or "")
        return found.name if found else str(school)

    @property
    def heading(self) -> str:
        """Whom the pages are for, in their header: the school's name; the trust's for a trust-wide view."""
        if self.school is None and self.several_schools:
            return self.settings.trust.name or self.settings.school_name
        return self.settings.school_name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def ui_url(self) -> str:
        """The Temporal Web UI as linked from the dashboard: /temporal/ (served by the dashboard, config/temporal_ui.py)
        or, without temporal.ui_proxy, temporal.ui_url."""
        return ui_base(self.settings, absolute=False) + "/"

    def sees_temporal(self, user: Any) -> bool:
        """Whether `user` gets links to the Temporal Web UI (and may open it through /temporal/, and decode payloads
        at /codec). In a deployment of several schools, only a trust role: the UI shows every school's processes."""
        role = getattr(user, "role", None) if user is not None else None
        return role in TEMPORAL_UI_ROLES and (role in TRUST_WIDE or not self.several_schools)

    def staff_name(self, staff_id: str | None, school: str | None = None) -> str:
        """A staff member's name from the staff directory: this Web's, or `school`'s (a row of another school, on a
        trust-wide page); the id itself when the directory does not have it."""
        if not staff_id:
            return ""
        settings = self.settings
        if school is not None and school != self.school and self.root.settings.schools:
            with suppress(UnknownSchool):  # a school the settings no longer have: this Web's directory
                settings = self.for_school(school).settings
        member = settings.staff.get(staff_id)
        return member.name if member else staff_id

    def workflow_url(self, workflow_id: str, user: Any) -> str:
        """The workflow's page in the Temporal Web UI, or "" for a user who may not open the UI."""
        if not self.sees_temporal(user):
            return ""
        return workflow_link(self.settings, workflow_id, absolute=False)

    async def client(self) -> Any:
        """The Temporal client, connected on first use (in the server's event loop) and then reused (one for the app:
        a school's view asks the app's)."""
        if self._root is not None:
            return await self._root.client()
        if self._client_lock is None:
            self._client_lock = asyncio.Lock()
        async with self._client_lock:
            if self._client is None:
                self._client = await self.client_factory()
        return self._client


def get_web(request: Request) -> Web:
    """The Web of the school this request is for: the signed-in user's (resolved by the route's guard before anything
    else, dashboard/access.py), the school a trust role narrowed to, the one school of a single-school deployment;
    the deployment's own for a trust role reading every school, and where nobody is signed in."""
    root: Web = request.app.state.web
    user = getattr(request.state, "user", None)
    school = getattr(user, "school", None)
    if school is None and not root.settings.several_schools:
        school = root.settings.school_ids[0]
    if school is None or not root.settings.schools:  # a single school without `schools.<id>`: its own settings
        return root
    try:
        return root.for_school(school)
    except UnknownSchool:  # an account of a school the settings no longer have: its data, the deployment's words
        return root
