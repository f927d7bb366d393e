"""Loading the settings prints nothing: a warning on stderr (a field shadowing an attribute of BaseSettings, as a
`register` section once did) would be the first line of every CLI error a SENCO reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_settings_load_without_a_warning() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import config.settings; config.settings.get_settings()"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
