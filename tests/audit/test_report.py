"""`sendclock audit report CASE_REF`: html, csv and pdf, from the archive when Temporal is out of reach."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit import history, report
from audit.archive import Archive
from audit.render import Roles
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from tests.audit.conftest import history_path
from tests.audit.conftest import apply_history

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def case(settings):
    settings.temporal.address = "127.0.0.1:1"  # Temporal gone: the archive answers
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    runs = history.load(history_path("ehc_advice_late"))
    apply_history(make_sessionmaker(engine), runs)
    Archive.for_settings(settings).store(runs[0], case_ref="EHC-H001")
    engine.dispose()
    return settings


async def test_html_and_csv_from_the_archive(case):
    built = await report.build(case, "EHC-H001")
    assert [t.workflow_id for t in built.timelines] == ["ehc-advice-request-EHC-H001-20261122"]
    assert built.verdicts[0].reproduced and "the archive" in built.origins[0]
    page = report.html(built, Roles(case.staff))
    assert "Audit report: case EHC-H001" in page and "late by 9 days" in page
    assert "reproduces every recorded decision" in page
    rows = list(csv.DictReader(io.StringIO(report.csv_text(built, Roles(case.staff)))))
    assert rows[0]["kind"] == "request-received" and rows[-1]["kind"] == "process-closed"
    assert {r["replay"] for r in rows} == {"reproduced"} and len(rows) == len(built.timelines[0].entries)


async def test_an_unknown_case_is_a_clear_error(case):
    with pytest.raises(report.NoProcesses, match="no process for case 'EHC-9999'"):
        await report.build(case, "EHC-9999")


@pytest.mark.skipif(report.chromium() is None, reason="no Chromium to print with")
def test_the_cli_prints_a_pdf(case, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(SENDCLOCK_VAR_DIR=str(case.var_dir), SENDCLOCK_DATABASE_URL=case.resolved_database_url,
               SENDCLOCK_TEMPORAL__ADDRESS="127.0.0.1:1")
    sendclock = str(Path(sys.executable).parent / "sendclock")
    target = tmp_path / "EHC-H001.pdf"
    done = subprocess.run([sendclock, "audit", "report", "EHC-H001", "--format", "pdf", "--out", str(target)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF") and "wrote" in done.stdout
    bad = subprocess.run([sendclock, "audit", "report", "EHC-H001", "--format", "docx"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--format: 'docx' is not one of html, pdf, csv" in bad.stderr
