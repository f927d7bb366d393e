"""Which school an activity works for, and that school's settings (issue 25: one deployment for a trust's schools).

The worker holds the deployment's settings; each process belongs to one school, whose id is in its workflow id
(workflows/registry.py: no prefix for the default school, "oak~..." for school oak). An activity of a process reads
its school from the workflow id (`activity.info().workflow_id`, or the id its input carries) and works with that
school's view of the settings (Settings.for_school: its staff, calendar, LAs, reminders, notifications and templates
over the trust's). A single-school install is its own view, school "default", as before.

Each school's view is made once (`SchoolViews`), not at every call: the activities run for every step of every
process, and a view is a copy of the settings.
"""

from __future__ import annotations

import threading

from temporalio import activity
from temporalio.exceptions import ApplicationError

from config.settings import Settings, UnknownSchool
from workflows.models.common import DEFAULT_SCHOOL
from workflows.registry import school_of

__all__ = ["DEFAULT_SCHOOL", "SchoolViews", "UnknownSchool", "current_school", "unknown_school"]


def current_school(workflow_id: str | None = None) -> str:
    """The school of the process an activity works for: of `workflow_id` when given, else of the workflow that called
    the activity; DEFAULT_SCHOOL outside a workflow's activity (a test calling the method, a benchmark)."""
    if workflow_id is None and activity.in_activity():
        workflow_id = activity.info().workflow_id
    return school_of(workflow_id) if workflow_id else DEFAULT_SCHOOL


class SchoolViews:
    """Each school's view of the deployment's settings, made on first use and kept (thread-safe: the worker's
    activities run on several threads)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._views: dict[str, Settings] = {}
        self._lock = threading.Lock()

    def __call__(self, school: str) -> Settings:
        """The school's settings; UnknownSchool (naming the known ones) for a school the settings do not have."""
        view = self._views.get(school)
        if view is None:
            view = self.settings.for_school(school)
            with self._lock:
                view = self._views.setdefault(school, view)
        return view

    def all(self) -> list[Settings]:
        """Every school's view, in the settings' order (a single-school install: its own settings)."""
        return [self(school) for school in self.settings.school_ids]

    @property
    def several(self) -> bool:
        """Whether the deployment is a trust's (`schools` configured): then the trust's own staff hear about all."""
        return bool(self.settings.schools)


def unknown_school(err: UnknownSchool) -> ApplicationError:
    """A process of a school the settings no longer have: retried (the process waits, as for a database that cannot
    be reached) until the settings name it again; said in one line for the Temporal UI."""
    return ApplicationError(f"settings: {err}", type="UnknownSchool")
