"""In a real browser (Playwright driving Debian's Chromium), on the real dev server and worker: the SENCO signs in,
starts an EHC advice request received long ago, finds it on Overdue, records it sent, and sees it leave Overdue and
appear in the case timeline and the compliance figures; leadership signs in and finds no forms.

Screenshots of the main pages go to docs/screenshots/ when SENDCLOCK_SCREENSHOTS=1 (else to a temporary folder): each
at 1280 px wide (NAME.png) and at 390 px, a phone (NAME-phone.png); Today (/today) too, once the dashboard has it.
Without /usr/bin/chromium the test is skipped, except under CI (CI set), where it fails."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from store.compliance import academic_year_of
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.devserver
REPO = Path(__file__).resolve().parents[2]
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return REPO / "docs" / "screenshots" if os.environ.get("SENDCLOCK_SCREENSHOTS") else tmp_path


def shoot(page, shots: Path, name: str, full_page: bool = True) -> None:
    """NAME.png of the page as it is, at its width, and NAME-phone.png at 390 px (a phone); then back to its width."""
    size = page.viewport_size
    page.screenshot(path=str(shots / f"{name}.png"), full_page=full_page)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / f"{name}-phone.png"), full_page=full_page)
    page.set_viewport_size(size)


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/overdue")
    assert "/login" in page.url
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/overdue")


def test_senco_starts_sees_overdue_records_and_it_moves(live, browser, shots: Path) -> None:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    received = today - timedelta(days=60)
    context = browser.new_context(viewport=WIDE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live.url, "senco")

    # Start an EHC advice request received 60 days ago (six weeks have passed: it is overdue).
    page.get_by_role("link", name="Start a process").click()
    page.get_by_role("link", name="EHC advice request").click()
    page.get_by_label("Case reference").fill("WEB-0001")
    page.get_by_label("Local authority").fill("Kent")
    page.get_by_label("Date the LA's request was received").fill(received.isoformat())
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(f"{live.url}/cases/WEB-0001?done=started")
    assert page.get_by_role("status").inner_text().startswith("Started")

    # A bad date is refused next to its field.
    page.goto(f"{live.url}/start/ehc-advice-request")
    page.get_by_label("Case reference").fill("WEB-0002")
    page.get_by_label("Local authority").fill("Kent")
    page.get_by_label("Date the LA's request was received").fill((today + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Start").click()
    assert "is in the future" in page.locator("#e-received_on").inner_text()
    assert page.get_by_label("Date the LA's request was received").get_attribute("aria-invalid") == "true"
    shoot(page, shots, "start-form-errors")

    page.get_by_role("link", name="Overdue", exact=True).click()
    row = page.locator("tbody tr", has_text="WEB-0001")
    assert row.count() == 1
    assert "overdue" in row.inner_text() and "Advice to the LA for an EHC needs assessment" in row.inner_text()
    shoot(page, shots, "overdue")

    # Find the case from the search box at the top of any page: one match opens it.
    page.get_by_label("Find a case").fill("web-00")
    page.get_by_role("button", name="Find", exact=True).click()
    page.wait_for_url(f"{live.url}/cases/WEB-0001")
    assert (
        page.get_by_role("link", name="Open in Temporal")
        .first.get_attribute("href")
        .endswith(f"/workflows/ehc-advice-request-WEB-0001-{received:%Y%m%d}")
    )

    # Record the advice as sent, from Today: the step said as a sentence, overdue first, with its button.
    page.get_by_role("link", name="Today", exact=True).click()
    item = page.locator("#overdue li", has_text="WEB-0001")
    assert "Send your advice for WEB-0001 to Kent" in item.inner_text()
    item.get_by_role("link", name="Record the advice as sent").click()
    page.get_by_label("Date the advice was sent").fill(today.isoformat())
    page.get_by_role("button", name="Record").click()
    page.wait_for_url(f"{live.url}/cases/WEB-0001?done=advice-sent")
    timeline = page.locator("main").inner_text()
    assert "Completed" in timeline and "late" in timeline
    assert "Received" in timeline or "Step opened" in timeline
    shoot(page, shots, "case-timeline")

    page.get_by_role("link", name="Overdue", exact=True).click()
    assert page.locator("tbody tr", has_text="WEB-0001").count() == 0

    due = date.fromordinal(received.toordinal() + 42)  # six weeks
    page.goto(f"{live.url}/compliance?year={academic_year_of(due)}")
    assert page.locator("table", has_text="Advice to the LA for an EHC needs assessment").count() >= 1
    assert page.locator("#rate-counted").inner_text() != "0"
    shoot(page, shots, "compliance")

    page.get_by_role("link", name="Outbox").click()
    shoot(page, shots, "outbox")
    page.get_by_role("link", name="Due soon").click()
    shoot(page, shots, "due-soon")

    # Keyboard: the skip link is the first stop and leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    context.close()


def test_leadership_finds_no_forms(live, browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live.url, "head")
    for path in ("/overdue", "/due-soon", "/", "/compliance", "/outbox", "/cases/WEB-0001"):
        page.goto(live.url + path)
        forms = page.locator("main form")
        # The only forms leadership sees are GET filters (never a change).
        for i in range(forms.count()):
            assert (forms.nth(i).get_attribute("method") or "get").lower() == "get", path
        assert page.get_by_role("link", name="Start a process").count() == 0
        assert page.locator("a[href^='/processes/']").count() == 0
    page.goto(f"{live.url}/start/ehc-advice-request")
    assert "Not allowed" in page.locator("h1").inner_text()
    page.goto(f"{live.url}/login")
    shoot(page, shots, "sign-in", full_page=False)
    context.close()


def test_today(live, browser, shots: Path) -> None:
    """Today (/today), at 1280 and 390 px, with an advice request past its date and one due within the week."""
    auth = {"authorization": f"Bearer {live.api_key}"}
    today = datetime.now(ZoneInfo("Europe/London")).date()
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:
        for case_ref, days in (("WEB-0003", 50), ("WEB-0004", 38)):
            body = {"case_ref": case_ref, "la": "Kent", "received_on": (today - timedelta(days=days)).isoformat()}
            answer = http.post("/api/processes/ehc-advice-request", json=body | {"owner": "senco"})
            assert answer.status_code in (200, 201), answer.text
    context = browser.new_context(viewport=WIDE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live.url, "senco")
    response = page.goto(f"{live.url}/today")
    assert response is not None and response.status == 200
    assert "Send your advice for WEB-0003 to Kent" in page.locator("#overdue").inner_text()
    assert "Send your advice for WEB-0004 to Kent" in page.locator("#this-week").inner_text()
    shoot(page, shots, "today")
    context.close()
