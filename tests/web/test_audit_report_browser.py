"""The case's audit report in a real browser (Playwright driving Debian's Chromium): the auditor signs in, opens a
process's Replay and check, follows "Audit report", and reads page one. Served by the dashboard on a loopback port
from the archive (Temporal out of reach), as for a process Temporal no longer has.

Page one (the answer and the tables, up to where the printed detail begins) goes to docs/screenshots/audit-report.png
when SENDCLOCK_SCREENSHOTS=1 (else to a temporary folder), at A4 width. Without /usr/bin/chromium the test is skipped,
except under CI (CI set), where it fails."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from audit import history
from audit.archive import Archive
from config.settings import Settings, StaffMember
from dashboard.app import create_app
from dashboard.web_settings import WebSettings
from store.accounts_queries import add_account
from store.credentials import hash_password
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from tests.audit.conftest import apply_history, history_path
from tests.helpers import free_port

PASSWORD = "correct horse battery"
CASE, WID = "EHC-H001", "ehc-advice-request-EHC-H001-20261122"  # tests/histories/ehc_advice_late.json
A4 = {"width": 794, "height": 1123}  # 210 x 297 mm at 96 dpi
REPO = Path(__file__).resolve().parents[2]


class Unreachable:
    async def __call__(self):
        raise RuntimeError("Failed client connect: connection refused")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The dashboard on a loopback port: the late advice request in the database and the archive; an auditor."""
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        temporal={"address": "127.0.0.1:1"},
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco"),
            "teacher": StaffMember(name="Jo Example", role="staff"),
        },
    )
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        add_account(session, username="auditor", password_hash=hash_password(PASSWORD), role="auditor", staff_id=None)
    runs = history.load(history_path("ehc_advice_late"))
    apply_history(sessions, runs)
    Archive.for_settings(settings).store(runs[0], case_ref=CASE)
    app = create_app(
        settings, sessionmaker=sessions, client_factory=Unreachable(), web_settings=WebSettings(session_secret="w" * 40)
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


def test_the_auditor_opens_the_case_report_and_page_one_answers_the_question(served, browser, tmp_path: Path):
    shots = REPO / "docs" / "screenshots" if os.environ.get("SENDCLOCK_SCREENSHOTS") else tmp_path
    context = browser.new_context(viewport=A4, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{served}/cases/{CASE}/processes/{WID}/replay")
    assert "/login" in page.url
    page.get_by_label("User name").fill("auditor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served}/cases/{CASE}/processes/{WID}/replay")

    page.get_by_role("link", name=f"Audit report of case {CASE}", exact=True).click()
    page.wait_for_url(f"{served}/cases/{CASE}/audit-report")
    assert page.get_by_role("heading", level=1).inner_text() == f"Audit report: case {CASE}"
    assert page.get_by_role("heading", name="Was every statutory deadline met?").is_visible()
    answer = page.locator("p.answer").inner_text()
    assert answer.startswith("No. 1 of 1 statutory date was missed")
    table = page.get_by_role("table").first
    assert table.get_by_role("columnheader").all_inner_texts() == [
        "Step",
        "Statutory date",
        "Target",
        "Done on",
        "Verdict",
        "Evidence",
    ]
    row = table.get_by_role("row").nth(1)
    assert row.get_by_role("rowheader").inner_text() == "Advice to the LA for an EHC needs assessment"
    assert row.get_by_role("cell").all_inner_texts()[:4] == [
        "Sun 3 Jan 2027",
        "Thu 31 Dec 2026",
        "Tue 12 Jan 2027",
        "9 days late",
    ]
    # The PDF link is there for the same reader; the detail starts on page two when printed.
    assert (
        page.get_by_role("link", name="Download the report (PDF)").get_attribute("href")
        == f"/cases/{CASE}/audit-report.pdf"
    )
    target = shots / "audit-report.png"
    page.emulate_media(media="print")  # as printed: no dashboard links, and the detail starts on page two
    end = page.locator("div.detail").bounding_box()["y"]
    assert 0 < end < A4["height"]  # page one holds the answer and every table
    page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": A4["width"], "height": end})
    assert target.stat().st_size < 120_000
    context.close()
