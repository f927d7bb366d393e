"""The project's import graph, read from the source (tests/test_architecture.py states the house's walls over it).

Every `import` and `from ... import` counts, at module level and inside functions, classes and `with` blocks (a
workflow module's `imports_passed_through()`): an import deferred into a function is still an arrow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's top-level packages and modules (pyproject.toml [tool.setuptools]), besides the tests.
PROJECT = (
    "statutory",
    "workflows",
    "activities",
    "store",
    "config",
    "security",
    "audit",
    "dashboard",
    "starter",
    "commands",
    "register",
    "bench",
    "worker",
)


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing module, e.g. "dashboard.views"
    target: str  # the imported module as written, e.g. "store.models" or "temporalio.client"
    names: tuple[str, ...]  # the names taken by `from target import ...` (empty for `import target`)
    line: int

    def __str__(self) -> str:
        return (
            f"{self.source} -> {self.target}"
            + (f" ({', '.join(self.names)})" if self.names else "")
            + f" [{self.source.replace('.', '/')}.py:{self.line}]"
        )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files() -> Iterator[Path]:
    for top in PROJECT:
        single = ROOT / f"{top}.py"
        if single.is_file():
            yield single
        elif (ROOT / top).is_dir():
            yield from (p for p in sorted((ROOT / top).rglob("*.py")) if "migrations" not in p.parts)


def arrows_of(path: Path) -> Iterator[Arrow]:
    source = module_name(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Arrow(source, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the importing module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield Arrow(source, target, tuple(alias.name for alias in node.names), node.lineno)


@cache
def graph() -> tuple[Arrow, ...]:
    return tuple(arrow for path in project_files() for arrow in arrows_of(path))


@cache
def modules() -> frozenset[str]:
    return frozenset(module_name(path) for path in project_files())


def top(name: str) -> str:
    return name.split(".")[0]


def in_project(name: str) -> bool:
    return top(name) in PROJECT


def resolve(arrow: Arrow) -> list[str]:
    """The project modules an arrow loads: `from pkg import mod` names a module when pkg/mod.py exists."""
    found = [f"{arrow.target}.{n}" for n in arrow.names if f"{arrow.target}.{n}" in modules()]
    return found or ([arrow.target] if arrow.target in modules() else [])


def reachable(start: str) -> set[str]:
    """Every module `start` loads, directly or through other project modules (third-party names included, not
    followed further), with the packages whose __init__ each import runs."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        for arrow in (a for a in graph() if a.source == current):
            targets = resolve(arrow) if in_project(arrow.target) else [arrow.target]
            for target in targets + list(parents(targets)):
                if target not in seen:
                    seen.add(target)
                    if in_project(target):
                        todo.append(target)
    return seen


def parents(names: Iterable[str]) -> Iterator[str]:
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in modules():
                yield parent


def within(name: str, prefixes: Iterable[str]) -> bool:
    """`name` is one of `prefixes` or a module under one."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)
