"""The CLI's log (issue 22, starter/cli/command_log.py): one line per command in var/log/cli.log, its name and exit
code, never its arguments (case references, sign-in names); nothing written where there is no var/log/."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import typer

from starter.cli import app
from starter.cli.command_log import command_path


def sendclock(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SENDCLOCK_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-m", "starter.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
    )


def test_the_command_path_is_the_names_of_groups_and_command_only():
    root = typer.main.get_command(app)
    assert command_path(root, ["review", "meeting", "--case", "EHC-0042", "--date", "2027-01-04"]) == "review meeting"
    assert command_path(root, ["user", "add", "jo.teacher", "--role", "staff"]) == "user add"
    assert command_path(root, ["deadline", "ehc-advice", "--from", "2026-02-02"]) == "deadline"
    assert command_path(root, ["--help"]) == "" and command_path(root, ["no-such-command"]) == ""


def test_each_command_is_one_line_with_its_exit_code_and_no_argument(tmp_path):
    (tmp_path / "var" / "log").mkdir(parents=True)  # as `sendclock up` makes it (starter/stack.py)
    assert sendclock(tmp_path, "deadline", "ehc-advice", "--from", "2026-02-02").returncode == 0
    assert sendclock(tmp_path, "deadline", "ehc-advice", "--from", "EHC-0042-not-a-date").returncode == 2
    log = tmp_path / "var" / "log" / "cli.log"
    lines = log.read_text(encoding="utf-8").splitlines()
    ours = [re.sub(r"duration_ms=\d+$", "duration_ms=N", line.split(" INFO ", 1)[1]) for line in lines]
    assert ours == [
        "starter.cli: command deadline exited 0 command=deadline exit_code=0 duration_ms=N",
        "starter.cli: command deadline exited 2 command=deadline exit_code=2 duration_ms=N",
    ]
    assert "EHC-0042" not in log.read_text(encoding="utf-8") and "2026-02-02" not in log.read_text(encoding="utf-8")
    assert oct(log.stat().st_mode & 0o777) == "0o600"  # private, as everything under var/ (starter/var_dir.py)


def test_json_lines_for_a_log_shipper(tmp_path):
    (tmp_path / "var" / "log").mkdir(parents=True)  # as `sendclock up` makes it (starter/stack.py)
    sendclock(tmp_path, "rules", SENDCLOCK_LOGGING__JSON="true")
    [entry] = [json.loads(line) for line in (tmp_path / "var" / "log" / "cli.log").read_text().splitlines()]
    assert (entry["logger"], entry["command"], entry["exit_code"]) == ("starter.cli", "rules", 0)


def test_nothing_is_written_where_sendclock_does_not_run(tmp_path):
    assert sendclock(tmp_path, "rules").returncode == 0
    assert not (tmp_path / "var").exists()
    (tmp_path / "var").mkdir()  # an auditor's empty var/ (tests/audit/test_bundle.py): still nothing
    assert sendclock(tmp_path, "rules").returncode == 0
    assert list((tmp_path / "var").iterdir()) == []
