"""`sendclock audit report CASE_REF`: html, csv and pdf, from the archive when Temporal is out of reach."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from audit import history, render, report
from audit.archive import Archive
from audit.render import Roles
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from tests.audit.conftest import apply_history, history_path

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
    env.update(
        SENDCLOCK_VAR_DIR=str(case.var_dir),
        SENDCLOCK_DATABASE_URL=case.resolved_database_url,
        SENDCLOCK_TEMPORAL__ADDRESS="127.0.0.1:1",
    )
    sendclock = str(Path(sys.executable).parent / "sendclock")
    target = tmp_path / "EHC-H001.pdf"
    done = subprocess.run(
        [sendclock, "audit", "report", "EHC-H001", "--format", "pdf", "--out", str(target)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF") and "wrote" in done.stdout
    bad = subprocess.run(
        [sendclock, "audit", "report", "EHC-H001", "--format", "docx"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--format: 'docx' is not one of html, pdf, csv" in bad.stderr


# --- the report for people who are not engineers (issue 21, finding 5) ---------------------------------------------


@pytest.fixture
def cases(settings):
    """Four cases in the database and the archive: the late advice request (EHC-H001), the exemption (EHC-H002), an
    annual review (EHC-H007) and a re-assessment recorded in British Summer Time (EHC-H005)."""
    settings.temporal.address = "127.0.0.1:1"
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    for name, ref in (
        ("ehc_advice_late", "EHC-H001"),
        ("ehc_advice_exemption", "EHC-H002"),
        ("annual_review_cycle@local-activities", "EHC-H007"),
        ("reassessment_reassessed@local-activities", "EHC-H005"),
    ):
        runs = history.load(history_path(name))
        apply_history(make_sessionmaker(engine), runs)
        Archive.for_settings(settings).store(runs[0], case_ref=ref)
    yield settings, engine
    engine.dispose()


def first_page(page: str) -> str:
    return page.split('<div class="detail">')[0]


async def test_page_one_answers_was_every_deadline_met_with_a_table_of_plain_verdicts(cases):
    settings, _ = cases
    page = report.html(await report.build(settings, "EHC-H001"), Roles(settings.staff), viewer="senco")
    first = first_page(page)
    assert "Was every statutory deadline met?" in first
    assert "<strong>No.</strong> 1 of 1 statutory date was missed." in first
    assert (
        "<caption>EHC advice request from Kent: request received Sun 22 Nov 2026. Closed on Tue 12 Jan 2027: "
        "completed, sent 9 days late.</caption>"
    ) in first
    row = first.split('<th scope="row">')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("</td>")[0] for c in row.split("<td")[1:]]
    assert row.startswith("Advice to the LA for an EHC needs assessment</th>")
    assert cells[:4] == ["Sun 3 Jan 2027", "Thu 31 Dec 2026", "Tue 12 Jan 2027", "9 days late"]
    assert cells[4].startswith("history event 139 (completed)")
    assert "replay reproduces the record" in first and "database matches" in first
    assert "The audit log's hash chain ended at entry" in first and "fingerprint" in first
    for engineer in (
        "True",
        "False",
        "UTC",
        "<pre",
        "<code",
        "ehc-advice:",
        "(C1",
        "(C6",
        "Counting convention",
        "day(s)",
        "/tmp/",
    ):
        assert engineer not in page, engineer
    assert "late by 9 days" in page  # in the detail, in a sentence


async def test_exempt_steps_grounds_and_conventions_are_in_words(cases):
    settings, _ = cases
    page = report.html(await report.build(settings, "EHC-H002"), Roles(settings.staff), viewer="auditor")
    assert ("<strong>Yes.</strong> Every statutory date that has come so far was met: 1 exempt.") in first_page(page)
    assert (
        "exempt: the child or young person fails to keep an appointment for an examination or test made by the "
        "body during the 6 weeks (reg 8(2)(c))"
    ) in first_page(page)
    assert "reg8-2-c" not in page and "ground reg" not in page
    assert "How it is counted (&#34;within N weeks of&#34; an event, Dodds v Walker [1981])" in page
    assert "which the exemption set aside" in page


async def test_an_annual_review_is_headed_by_its_cycle_and_times_are_uk_times(cases):
    settings, _ = cases
    review = report.html(await report.build(settings, "EHC-H007"), Roles(settings.staff), viewer="senco")
    assert "Annual review from Kent: cycle opened Fri 19 Feb 2027" in review and "received Fri 19 Feb" not in review
    assert "Cycle opened: Fri 19 Feb 2027" in review
    # The re-assessment's prompts went at 07:00 UTC in September: 08:00 British Summer Time.
    built = await report.build(settings, "EHC-H005")
    prompt = next(n for n in built.timelines[0].notices if n.kind == "prompt")
    assert prompt.at.hour == 7 and prompt.at.utcoffset().total_seconds() == 0
    page = report.html(built, Roles(settings.staff), viewer="senco")
    assert (
        f'<td class="when" data-label="Date">{render.d(prompt.on)}</td><td class="when" data-label="Time">08:00</td>'
        f'<td data-label=""><strong>Notice.</strong> Prompt'
    ) in page
    assert "Re-assessment from Kent: needs changed Thu 12 Aug 2027" in page


@pytest.mark.parametrize(
    "viewer, sees", [("senco", True), ("auditor", True), ("leadership", False), ("staff", False), (None, False)]
)
async def test_notes_only_for_the_senco_and_the_auditor(cases, viewer, sees):
    settings, _ = cases
    page = report.html(await report.build(settings, "EHC-H001"), Roles(settings.staff), viewer=viewer)
    assert ("Note: \u201csent by e-mail\u201d." in page) is sees
    assert ("Notes typed by staff are left out of this copy" in page) is not sees


async def test_a_database_that_differs_is_said_in_words_and_the_replay_verdict_too(cases):
    settings, engine = cases
    with engine.begin() as c:
        c.execute(text("DELETE FROM outbox WHERE kind = 'completed' AND recipient = 'senco'"))
    built = await report.build(settings, "EHC-H001")
    assert built.verdicts[0].reproduced and built.chain_head is not None
    page = report.html(built, Roles(settings.staff), viewer="auditor")
    assert "database: see below" in first_page(page)
    assert "The school&#39;s database differs from this history in 1 place" in page
    assert (
        "the completed notice of Tue 12 Jan 2027 to senco by outbox (kept when it was sent) has no outbox row"
    ) in page
    assert (
        "Replayed against today&#39;s code, the history reproduces every recorded decision (1 run, 160 events)" in page
    )


async def test_a_backdated_completion_is_flagged_in_the_table(cases):
    settings, _ = cases
    built = await report.build(settings, "EHC-H001")
    built.timelines[0].steps[0].backdated = "recorded 30 working days after the date it gives"
    page = report.html(built, Roles(settings.staff), viewer="senco")
    assert (
        '<span class="bad">Possibly backdated:</span> recorded 30 working days after the date it gives'
        in first_page(page)
    )
