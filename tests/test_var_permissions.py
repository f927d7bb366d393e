"""var/ is private (issue 20, finding 6): after a real `sendclock up`, every directory under var/ is 0700 and every
file 0600: the databases and their WAL, temporal.db, the logs, the archive, the payload keys and the web secret,
whether the run created them or an earlier version left them readable; the CLI creates a database 0600 too."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from starter.var_dir import secure_var_dir, sqlite_files
from tests.stack_run import stack_running

REPO = Path(__file__).resolve().parents[1]


def modes(var: Path) -> dict[str, str]:
    """Every path under `var` (and `var` itself) with its permission bits, as octal text."""
    found = {".": oct(stat.S_IMODE(var.stat().st_mode))}
    for path in var.rglob("*"):
        if not path.is_symlink():
            found[str(path.relative_to(var))] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


def not_private(var: Path) -> dict[str, str]:
    wrong = {}
    for name, mode in modes(var).items():
        wanted = "0o700" if (var / name).is_dir() else "0o600"
        if mode != wanted:
            wrong[name] = mode
    return wrong


@pytest.mark.devserver
@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_after_sendclock_up_everything_under_var_is_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    # What an earlier version left: a world-readable var/, log and archive.
    (var / "log").mkdir(parents=True)
    (var / "archive" / "2026").mkdir(parents=True)
    old_log = var / "log" / "dashboard.log"
    old_log.write_text("an old line\n")
    (var / "archive" / "2026" / "old-run.json").write_text("{}")
    for path in (var, var / "log", var / "archive", var / "archive" / "2026"):
        path.chmod(0o755)
    for path in (old_log, var / "archive" / "2026" / "old-run.json"):
        path.chmod(0o644)

    with stack_running(var) as stack:
        # The database in use: a write makes its WAL; the dashboard has made its web secret.
        with urllib.request.urlopen(f"{stack.dashboard}/login", timeout=10) as response:
            assert response.status == 200
        deadline = time.monotonic() + 20
        while not (var / "sendclock.db-wal").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        present = set(modes(var))
        for name in (
            "sendclock.db",
            "sendclock.db-wal",
            "temporal.db",
            "payload-keys",
            "web-secret",
            "log/temporal.log",
            "log/worker.log",
            "log/dashboard.log",
        ):
            assert name in present, f"{name} missing: {sorted(present)}"
        assert not_private(var) == {}, "while running"
        assert "made 6 file(s) and folder(s)" in stack.up.output  # what the earlier version left, tightened

    assert not_private(var) == {}, "after Ctrl-C"
    assert "an old line" in old_log.read_text()  # tightened, not replaced


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_the_cli_creates_a_private_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(SENDCLOCK_VAR_DIR=str(tmp_path / "var"), SENDCLOCK_DATABASE_URL=f"sqlite:///{tmp_path}/var/db/s.db")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "sendclock"), "db", "upgrade"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert oct(stat.S_IMODE((tmp_path / "var" / "db" / "s.db").stat().st_mode)) == "0o600"
    assert oct(stat.S_IMODE((tmp_path / "var" / "db").stat().st_mode)) == "0o700"


def test_a_sqlite_database_outside_var_is_tightened_with_its_wal(tmp_path: Path) -> None:
    var, elsewhere = tmp_path / "var", tmp_path / "data"
    elsewhere.mkdir()
    for name in ("s.db", "s.db-wal", "s.db-shm", "other.txt"):
        (elsewhere / name).write_text("x")
        (elsewhere / name).chmod(0o644)
    url = f"sqlite:///{elsewhere / 's.db'}"
    assert [p.name for p in sqlite_files(url)] == ["s.db", "s.db-wal", "s.db-shm", "s.db-journal"]
    changed = secure_var_dir(var, url)
    assert {p.name for p in changed} == {"s.db", "s.db-wal", "s.db-shm"}  # var/ is new: made 0700
    assert oct(stat.S_IMODE(var.stat().st_mode)) == "0o700"
    assert {
        name: oct(stat.S_IMODE((elsewhere / name).stat().st_mode)) for name in ("s.db", "s.db-wal", "other.txt")
    } == {"s.db": "0o600", "s.db-wal": "0o600", "other.txt": "0o644"}  # only the database's own files
    assert sqlite_files("postgresql+psycopg://u@h/db") == [] and sqlite_files("sqlite://") == []
