"""The worker caches the bytecode of the modules Temporal's sandbox loads afresh for every workflow run."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from pathlib import Path

import pytest

from starter.bytecode import cache_bytecode, sandboxed_sources
from worker import WORKFLOWS


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package `schoolwf` with a module defining a class, imported without writing bytecode."""
    root = tmp_path / "schoolwf"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "flow.py").write_text("class Flow:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PYTHONDONTWRITEBYTECODE=1 does
    module = importlib.import_module("schoolwf.sub.flow")
    yield root, module.Flow
    for name in [n for n in sys.modules if n == "schoolwf" or n.startswith("schoolwf.")]:
        del sys.modules[name]


def cached(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def test_the_workflow_module_and_the_packages_above_it(package):
    root, flow = package
    assert sandboxed_sources([flow]) == [root / "__init__.py", root / "sub" / "__init__.py", root / "sub" / "flow.py"]


def test_writes_missing_bytecode_even_when_python_would_not(package):
    root, flow = package
    sources = sandboxed_sources([flow])
    assert not any(cached(s).exists() for s in sources)
    assert cache_bytecode([flow]) == 3
    assert all(cached(s).exists() for s in sources)


def test_leaves_current_bytecode_and_refreshes_stale(package):
    root, flow = package
    cache_bytecode([flow])
    pyc = cached(root / "sub" / "flow.py")
    first = pyc.stat().st_mtime_ns
    cache_bytecode([flow])
    assert pyc.stat().st_mtime_ns == first  # current: left alone
    source = root / "sub" / "flow.py"
    source.write_text("class Flow:\n    changed = True\n")
    os.utime(source, ns=(first + 5_000_000_000, first + 5_000_000_000))
    assert cache_bytecode([flow]) == 3
    assert pyc.stat().st_mtime_ns != first


def test_an_unwritable_cache_is_slower_not_broken(package, caplog):
    root, flow = package
    caplog.set_level(logging.INFO, logger="starter.bytecode")
    for directory in (root, root / "sub"):  # a file where the cache directory would go: no bytecode can be written
        (directory / "__pycache__").write_text("")
    assert cache_bytecode([flow]) == 0
    assert "each workflow run compiles it" in caplog.text


def test_the_worker_s_workflows_have_their_bytecode():
    sources = sandboxed_sources(WORKFLOWS)
    assert {s.name for s in sources} >= {"__init__.py", "ehc_advice.py", "annual_review.py"}
    assert cache_bytecode(WORKFLOWS) == len(sources)
    assert all(cached(s).exists() for s in sources)
