"""Fixtures for the hostile-input tests: the dashboard's (a migrated SQLite file, accounts of each role, a SENCO
signed in), a guard that fails nothing but counts every call that would reach Temporal, and a snapshot of every
table, to prove bad input leaves no row behind."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import inspect, select, text

# Imported before any guard patches them (starter.review binds starter.processes.start_process when first
# imported: imported under a patch, it would keep the stub for the rest of the session).
import starter.advice  # noqa: E402,F401
import starter.client  # noqa: E402,F401
import starter.processes  # noqa: E402,F401
import starter.review  # noqa: E402,F401
from tests.dashboard.conftest import client, db, make_client, settings, today  # noqa: F401  (fixtures)

SENTINEL = "transport: test stub, Temporal not contacted"


@dataclass
class Guard:
    """Counts the calls that would reach Temporal: the client factory, the starter functions, connect()."""

    calls: list[str] = field(default_factory=list)

    def stub(self, name: str):
        async def reached(*args, **kwargs):
            self.calls.append(name)
            raise RuntimeError(SENTINEL)  # the callers turn it into "Temporal cannot be reached" (503 / exit 1)

        return reached


STARTERS = {
    "starter.advice": ("start_advice_request", "advice_sent", "record_exemption", "withdraw"),
    "starter.processes": ("start_process", "complete_step", "exempt_step", "reassign_step", "cancel_step"),
    "starter.review": ("start_review", "set_meeting", "meeting_held", "la_decision", "plan_ceased"),
    "starter.client": ("connect",),
}


@pytest.fixture
def guard(monkeypatch) -> Iterator[Guard]:
    """Every starter function (what the forms, the API and the CLI call to reach Temporal) and connect() swapped
    for a stub that records the call and fails as an unreachable Temporal would."""
    import importlib

    found = Guard()
    for module_name, names in STARTERS.items():
        module = importlib.import_module(module_name)
        for name in names:
            monkeypatch.setattr(module, name, found.stub(f"{module_name}.{name}"))
    yield found


def snapshot(sessionmaker) -> dict[str, list]:
    """Every row of every table (sorted), to compare before and after."""
    with sessionmaker() as session:
        names = sorted(inspect(session.get_bind()).get_table_names())
        return {
            name: sorted(map(repr, session.execute(text(f'SELECT * FROM "{name}"')).all()))
            for name in names
            if name != "alembic_version"
        }


__all__ = ["Guard", "snapshot", "select"]
