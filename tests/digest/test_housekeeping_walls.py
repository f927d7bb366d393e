"""The house's walls hold for the new modules: the housekeeping workflows load no I/O or settings (the sandbox
re-imports non-passthrough modules per run), and the digest query knows neither the engine nor the web."""

from __future__ import annotations

from tests.architecture_graph import reachable, top
from tests.audit.test_walls import IO_AND_SETTINGS


def test_housekeeping_workflows_never_load_io_or_settings():
    assert not {top(m) for m in reachable("workflows.housekeeping")} & IO_AND_SETTINGS


def test_the_digest_query_knows_neither_the_engine_nor_the_web():
    assert not {top(m) for m in reachable("store.digest_queries")} & {
        "workflows",
        "activities",
        "dashboard",
        "starter",
        "temporalio",
    }
