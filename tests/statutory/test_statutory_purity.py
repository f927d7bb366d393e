"""The rule book stays pure: no project imports, no I/O, no wall clock."""

import ast
from datetime import date
from pathlib import Path

import statutory
from statutory import Deadline, compute_deadline

PACKAGE = Path(statutory.__file__).parent
ALLOWED = {
    "statutory",
    "pydantic",
    "holidays",
    "dateutil",
    "zoneinfo",
    "__future__",
    "collections",
    "datetime",
    "enum",
    "functools",
    "types",
    "typing",
}
FORBIDDEN_CALLS = {"open", "now", "today", "utcnow", "getenv", "time"}


def _modules():
    for path in sorted(PACKAGE.glob("*.py")):
        yield path, ast.parse(path.read_text())


def test_imports_only_allowed_modules():
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in ALLOWED, f"{path.name} imports {name}"


def test_no_wall_clock_or_io_calls():
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}()"


def test_deadline_round_trips_through_json():
    deadline = compute_deadline("ehc-advice", date(2026, 2, 2))
    assert Deadline.model_validate_json(deadline.model_dump_json()) == deadline
    assert deadline.model_dump(mode="json")["convention"] == "C1"
