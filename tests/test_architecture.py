"""The walls of the house: what each layer may import (see README, Architecture)."""

from __future__ import annotations

import subprocess
import sys

import pytest

FORBIDDEN_IN_WORKFLOWS = ("sqlalchemy", "apprise", "fastapi", "config", "store", "activities", "dashboard", "alembic")


def imported_by(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in output.split()}


def modules_of(package: str) -> list[str]:
    import importlib
    import pkgutil
    found = importlib.import_module(package)
    return [f"{package}.{info.name}" for info in pkgutil.iter_modules(found.__path__) if info.name != "migrations"]


@pytest.mark.parametrize("module", modules_of("workflows"))
def test_workflow_modules_never_load_io_or_settings(module):
    assert not imported_by(module) & set(FORBIDDEN_IN_WORKFLOWS)


@pytest.mark.parametrize("module", modules_of("store"))
def test_store_knows_neither_the_engine_nor_the_web(module):
    assert not imported_by(module) & {"workflows", "activities", "dashboard", "starter", "temporalio"}


def test_the_rule_book_imports_nothing_of_the_project():
    assert not imported_by("statutory") & {"workflows", "activities", "store", "config", "starter", "dashboard"}


# Workflow code must replay identically: time, randomness and I/O come from `workflow.now()`, `workflow.uuid4()` and
# activities. Temporal's sandbox catches such calls only in the modules it loads itself, and the worker passes every
# workflow module through (starter/sandbox.py; step.py and process.py always were): so this wall reads the source.
NON_DETERMINISTIC_MODULES = {"random", "secrets", "time", "uuid", "os", "socket", "threading", "subprocess",
                             "urllib", "http", "requests", "httpx"}
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
            elif (isinstance(func, ast.Attribute) and func.attr in WALL_CLOCK
                  and ast.unparse(func.value).split(".")[-1] in ("date", "datetime")):
                found.append(f"{node.lineno}: {ast.unparse(func)}()")
    return found


def test_the_determinism_wall_sees_the_wall_clock_randomness_and_io():
    source = ("import random\nfrom uuid import uuid4\nimport datetime as dt\nfrom datetime import date\n"
              "a = dt.datetime.now()\nb = date.today()\nc = open('x')\nd = workflow.now()\n")
    assert non_deterministic_calls(source) == ["1: import random", "2: import uuid", "5: dt.datetime.now()",
                                               "6: date.today()", "7: open()"]


@pytest.mark.parametrize("module", modules_of("workflows") + modules_of("workflows.models") + modules_of("statutory"))
def test_workflow_code_reads_no_wall_clock_randomness_or_io(module):
    import importlib
    path = importlib.util.find_spec(module).origin
    assert non_deterministic_calls(open(path, encoding="utf-8").read()) == [], path
