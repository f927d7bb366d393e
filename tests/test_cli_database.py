"""The CLI on a database it cannot use (its tables never created, or the file unreachable): one line saying so and
what to do, exit 1, never a traceback (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import config.settings
from config.settings import Settings
from starter.cli import app


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--overdue"],
        [
            "advice",
            "sent",
            "--case",
            "EHC-D001",
            "--date",
            "2026-11-02",
            "--by",
            "senco",
        ],  # finds the case in the database
        ["process", "show", "--case", "EHC-D001"],
        ["user", "list"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
@pytest.mark.parametrize("database", ["no tables", "unreachable"])
def test_an_unusable_database_is_one_clear_line(tmp_path: Path, monkeypatch, args, database):
    url = (
        f"sqlite:///{tmp_path}/never-upgraded.db"
        if database == "no tables"
        else f"sqlite:///{tmp_path}/a-file-not-a-directory/sendclock.db"
    )
    (tmp_path / "a-file-not-a-directory").write_text("")
    settings = Settings(var_dir=tmp_path, database_url=url)
    monkeypatch.setattr(config.settings, "get_settings", lambda: settings)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("sendclock: cannot use the database (")
    hint = "has `sendclock db upgrade` been run?" if database == "no tables" else "check database_url"
    assert hint in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
