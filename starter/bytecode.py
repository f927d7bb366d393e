"""Cached bytecode for the workflow modules, which Temporal's sandbox imports afresh for every workflow run.

The sandbox gives each run its own copy of the workflow's module (and of the packages above it), so a module's code
is loaded once per run, not once per process. Python loads it from the cached bytecode (`__pycache__/*.pyc`) when
that is up to date, and otherwise compiles the source: about 5 ms for workflows/ehc_advice.py, every run. Python
writes that cache on first import unless told not to (PYTHONDONTWRITEBYTECODE, common in container images, or a
read-only install): then every run pays. The worker therefore writes the bytecode of these few modules at start
(where Python itself would, or under PYTHONPYCACHEPREFIX), and leaves it if it is already current.
"""

from __future__ import annotations

import compileall
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


def sandboxed_sources(workflow_classes: Iterable[type]) -> list[Path]:
    """The source files the sandbox loads for each run of these workflows: each workflow's module and the
    `__init__.py` of every package above it."""
    files: dict[Path, None] = {}
    for cls in workflow_classes:
        parts = cls.__module__.split(".")
        for depth in range(1, len(parts) + 1):
            module = sys.modules.get(".".join(parts[:depth]))
            source = getattr(module, "__file__", None)
            if source and source.endswith(".py"):
                files[Path(source)] = None
    return list(files)


def cache_bytecode(workflow_classes: Iterable[type]) -> int:
    """Write the bytecode of the modules the sandbox reloads per run, where it is missing or stale; returns how many
    files have current bytecode. Never fails: without it the worker is slower, not wrong."""
    current = 0
    for source in sandboxed_sources(workflow_classes):
        try:
            written = compileall.compile_file(source, quiet=2)  # False when it cannot write (e.g. a read-only install)
        except OSError:
            written = False
        if written:
            current += 1
        else:
            log.info("could not cache the bytecode of %s: each workflow run compiles it", source)
    return current
