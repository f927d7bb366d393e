"""The walls of the house (README, Architecture): what each layer may import, read from the import graph of the
source (tests/architecture_graph.py: module level and inside functions), and what workflow code may call."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tests.architecture_graph import (
    PROJECT,
    ROOT,
    Arrow,
    graph,
    in_project,
    modules,
    project_files,
    reachable,
    top,
    within,
)

# --- the house: which layer may import which ---------------------------------------------------------------------
# A layer is a top-level package; an entry may also name one module of a layer ("workflows.models"). Arrows inside a
# layer are free. Anything not listed here is a wall.
HOUSE: dict[str, tuple[str, ...]] = {
    # The rule book: pure data and functions; it imports nothing of the project.
    "statutory": (),
    # Workflows read like the law's flowchart: the rule book and their own models, nothing with I/O.
    "workflows": ("statutory",),
    # The store knows no engine, screen or adapter: tables, queries and the rule book's words.
    "store": ("statutory",),
    # Keys and the payload codec.
    "security": (),
    # Settings: validated against the rule book, keys and the workflows' models (a step's planning input).
    "config": ("statutory", "security", "workflows.models"),
    # The client side: starting and changing processes, the Temporal connection, the CLI.
    "starter": ("statutory", "workflows", "store", "config", "security", "audit", "commands", "register"),
    # Each operation once (input, checks, the call into Temporal through starter/), for the CLI, the forms, the API.
    "commands": ("statutory", "workflows", "store", "config", "starter", "register"),
    # The SEN register file read and checked, and the import planned: pure, on the rule book and the models' types.
    "register": ("statutory", "workflows.models"),
    # Proving what happened: histories, timelines, verification; Temporal through starter/.
    "audit": ("statutory", "workflows", "store", "config", "security", "starter"),
    # Temporal's side: the activities, adapters on classes that own their dependencies.
    "activities": ("statutory", "workflows", "store", "config", "security", "audit", "starter.client"),
    # The web: pages, forms, the API; Temporal only through starter/ and commands/.
    "dashboard": ("statutory", "workflows", "store", "config", "security", "audit", "starter", "commands", "register"),
    # The worker process wires workflows, activities, the schedules and the connection.
    "worker": ("statutory", "workflows", "activities", "store", "config", "security", "audit", "starter"),
    # Benchmarks measure the real parts, the worker and the dashboard (its pages as users ask for them) included.
    "bench": (
        "statutory",
        "workflows",
        "activities",
        "store",
        "config",
        "security",
        "audit",
        "starter",
        "commands",
        "worker",
        "dashboard",
    ),
}
# Third-party walls: what a layer must never import (anywhere in it).
NEVER: dict[str, tuple[str, ...]] = {
    "statutory": ("temporalio", "sqlalchemy", "apprise", "fastapi", "typer", "httpx", "alembic", "pydantic_settings"),
    "workflows": (
        "sqlalchemy",
        "apprise",
        "fastapi",
        "typer",
        "httpx",
        "alembic",
        "pydantic_settings",
        "holidays",
        "cryptography",
    ),
    "store": ("temporalio", "apprise", "fastapi", "starlette", "typer", "httpx"),
    "register": ("temporalio", "sqlalchemy", "apprise", "fastapi", "starlette", "typer", "httpx", "pydantic_settings"),
    "commands": ("typer", "fastapi", "starlette", "apprise"),
    "audit": ("fastapi", "starlette", "typer", "apprise"),
    # The dashboard reaches Temporal only through starter/ (and the codec server reads payload messages only).
    "dashboard": (
        "temporalio.client",
        "temporalio.service",
        "temporalio.worker",
        "temporalio.testing",
        "typer",
        "apprise",
    ),
}
# Where a Temporal connection is made or used: nowhere else imports the client or the service's errors.
TEMPORAL_GATEWAY = ("starter", "activities", "worker", "bench")
GATEWAY_NAMES = {
    "temporalio.client": {"Client", "WorkflowHandle", "WorkflowExecutionStatus", "ScheduleHandle"},
    "temporalio.service": None,
}  # None: any name


def broken_walls(arrows: Iterable[Arrow] | None = None) -> list[str]:
    broken = []
    for arrow in graph() if arrows is None else arrows:
        source = top(arrow.source)
        if in_project(arrow.target):
            if (
                top(arrow.target) != source
                and not within(arrow.target, HOUSE[source])
                and not any(within(f"{arrow.target}.{n}", HOUSE[source]) for n in arrow.names)
            ):
                broken.append(f"not in the house: {arrow}")
        elif within(arrow.target, NEVER.get(source, ())):
            broken.append(f"never in {source}: {arrow}")
        elif arrow.target in GATEWAY_NAMES and source not in TEMPORAL_GATEWAY:
            names = GATEWAY_NAMES[arrow.target]
            if names is None or set(arrow.names) & names or not arrow.names:
                broken.append(f"Temporal outside the gateway: {arrow}")
    return broken


def test_every_layer_of_the_project_is_in_the_house():
    assert {top(m) for m in modules()} <= set(HOUSE) and set(HOUSE) <= set(PROJECT)


def test_every_arrow_is_one_the_house_allows():
    assert broken_walls() == []


def test_nothing_imports_the_worker_but_the_benchmarks():
    assert [str(a) for a in graph() if a.target == "worker" and top(a.source) != "bench"] == []


def test_activities_live_in_activities():
    """A Temporal activity is an adapter of activities/: `@activity.defn` appears nowhere else (the benchmarks'
    bare workflows bring their own, to measure Temporal without sendclock)."""
    found = [
        str(path.relative_to(ROOT))
        for path in project_files()
        if "@activity.defn" in path.read_text(encoding="utf-8")
        and top(path.relative_to(ROOT).parts[0]) not in ("activities", "bench")
    ]
    assert found == []


def test_the_walls_name_a_broken_arrow_with_its_file_and_line():
    arrows = [
        Arrow("store.example", "dashboard.views", ("render",), 7),
        Arrow("store.example", "statutory", (), 8),
        Arrow("workflows.x", "sqlalchemy.orm", ("Session",), 3),
        Arrow("audit.x", "temporalio.client", ("Client",), 4),
        Arrow("audit.x", "temporalio.client", ("WorkflowHistory",), 5),
    ]
    assert broken_walls(arrows) == [
        "not in the house: store.example -> dashboard.views (render) [store/example.py:7]",
        "never in workflows: workflows.x -> sqlalchemy.orm (Session) [workflows/x.py:3]",
        "Temporal outside the gateway: audit.x -> temporalio.client (Client) [audit/x.py:4]",
    ]


@pytest.mark.parametrize("layer", ["workflows", "statutory"])
def test_workflow_code_loads_no_io_or_settings_even_indirectly(layer):
    """What the sandbox would load: every module of the layer, and everything those load in turn."""
    for module in sorted(m for m in modules() if top(m) == layer):
        loaded = reachable(module)
        assert not {top(m) for m in loaded} & {
            "config",
            "store",
            "activities",
            "dashboard",
            "starter",
            "audit",
            "sqlalchemy",
            "apprise",
            "fastapi",
            "alembic",
        }, module


def test_the_store_knows_neither_the_engine_nor_the_web_even_indirectly():
    for module in sorted(m for m in modules() if top(m) == "store"):
        assert not {top(m) for m in reachable(module)} & {
            "workflows",
            "activities",
            "dashboard",
            "starter",
            "temporalio",
            "commands",
        }, module


def test_the_rule_book_imports_nothing_of_the_project():
    assert not {top(m) for m in reachable("statutory")} & (set(PROJECT) - {"statutory"})


# Workflow code must replay identically: time, randomness and I/O come from `workflow.now()`, `workflow.uuid4()` and
# activities. Temporal's sandbox catches such calls only in the modules it loads itself, and the worker passes every
# workflow module through (starter/sandbox.py; step.py and process.py always were): so this wall reads the source.
NON_DETERMINISTIC_MODULES = {
    "random",
    "secrets",
    "time",
    "uuid",
    "os",
    "socket",
    "threading",
    "subprocess",
    "urllib",
    "http",
    "requests",
    "httpx",
}
WALL_CLOCK = {"now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp"}
IO_BUILTINS = {"open", "input"}


def non_deterministic_calls(source: str) -> list[str]:
    """What in `source` reads the wall clock, randomness or I/O, as "line: what"."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            names = []
        found += [f"{node.lineno}: import {n}" for n in names if n.split(".")[0] in NON_DETERMINISTIC_MODULES]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in IO_BUILTINS:
                found.append(f"{node.lineno}: {func.id}()")
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in WALL_CLOCK
                and ast.unparse(func.value).split(".")[-1] in ("date", "datetime")
            ):
                found.append(f"{node.lineno}: {ast.unparse(func)}()")
    return found


def test_the_determinism_wall_sees_the_wall_clock_randomness_and_io():
    source = (
        "import random\nfrom uuid import uuid4\nimport datetime as dt\nfrom datetime import date\n"
        "a = dt.datetime.now()\nb = date.today()\nc = open('x')\nd = workflow.now()\n"
    )
    assert non_deterministic_calls(source) == [
        "1: import random",
        "2: import uuid",
        "5: dt.datetime.now()",
        "6: date.today()",
        "7: open()",
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in project_files() if top(p.relative_to(ROOT).as_posix().replace("/", ".")) in ("workflows", "statutory")],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_workflow_code_reads_no_wall_clock_randomness_or_io(path):
    assert non_deterministic_calls(path.read_text(encoding="utf-8")) == [], path
