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
