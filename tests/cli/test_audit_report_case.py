"""`sendclock audit report --case REF`, as every other command takes the case; the old positional form
(`audit report REF`) still works for the scripts that call it so, but is out of the help. From the archive: no
Temporal is reachable here (tests/audit/conftest.py settings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit import history
from audit.archive import Archive
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from tests.audit.conftest import apply_history, history_path, settings  # noqa: F401  (fixture)
from tests.cli.conftest import one_line_naming


@pytest.fixture
def sendclock(settings, monkeypatch):  # noqa: F811  (the imported fixture)
    """The late advice request of EHC-H001 in the database and the archive; `sendclock(*args)` in-process."""
    import config.settings
    from starter.cli import app

    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    runs = history.load(history_path("ehc_advice_late"))
    apply_history(make_sessionmaker(engine), runs)
    Archive.for_settings(settings).store(runs[0], case_ref="EHC-H001")
    engine.dispose()
    monkeypatch.setattr(config.settings, "get_settings", lambda: settings)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_the_case_by_flag_and_by_position_make_the_same_report(sendclock, tmp_path: Path) -> None:
    by_flag = sendclock("audit", "report", "--case", "EHC-H001", "--format", "csv", "--out", tmp_path / "flag.csv")
    assert by_flag.exit_code == 0, by_flag.output
    assert by_flag.stdout == f"wrote {tmp_path / 'flag.csv'} (1 process(es) of case EHC-H001)\n"
    by_position = sendclock("audit", "report", "EHC-H001", "--format", "csv", "--out", tmp_path / "position.csv")
    assert by_position.exit_code == 0, by_position.output
    both = sendclock("audit", "report", "EHC-H001", "--case", "EHC-H001", "--out", tmp_path / "both.html")
    assert both.exit_code == 0, both.output
    made = (tmp_path / "flag.csv").read_text(encoding="utf-8")
    assert "request-received" in made and made == (tmp_path / "position.csv").read_text(encoding="utf-8")


def test_an_unknown_case_names_case(sendclock, tmp_path: Path) -> None:
    for args in (["--case", "EHC-9999"], ["EHC-9999"]):
        line = one_line_naming(sendclock("audit", "report", *args, "--out", tmp_path / "x.html"), "--case")
        assert "no process for case 'EHC-9999'" in line
    assert not (tmp_path / "x.html").exists()


def test_the_help_shows_case_and_not_the_old_positional_form() -> None:
    from starter.cli import app

    shown = CliRunner().invoke(app, ["audit", "report", "--help"])
    assert shown.exit_code == 0, shown.output
    usage = next(line for line in shown.output.splitlines() if "Usage:" in line)
    assert usage.split("audit report")[1].strip() == "[OPTIONS]"  # no [CASE_REF]
    assert "--case" in shown.output and "CASE_REF" not in shown.output
