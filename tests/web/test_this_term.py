"""This term (/this-term, dashboard/this_term.py): everything falling due in a school term, for the whole school or
one member of staff, week by week (weeks beginning on Monday), SEN support reviews, PEP reviews, annual reviews with
the other EHC steps, and the school's duties side by side; counts per status and per kind, the register's size; the
term's name and dates in the heading, and a note when the England pattern stands in for terms not set. A staff
account sees its own steps only, whatever it asks for, and no other pupil's case reference.

The pages are read through the app (TestClient) on rows built in the database. The screenshots (at 1280 px and at
390 px) are taken in Debian's Chromium (Playwright) on the same app served by uvicorn, with fictional demo data, and
checked with axe-core on the way: to docs/screenshots/this-term.png and this-term-phone.png when
SENDCLOCK_SCREENSHOTS=1, else to a temporary folder."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from html import unescape
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings, StaffMember
from dashboard.app import create_app
from dashboard.web_settings import WebSettings
from store.accounts_queries import add_account
from store.db import make_engine, make_sessionmaker
from store.models import Event
from store.web_queries import completion_key
from tests.dashboard.conftest import ACCOUNTS, PASSWORD, NoTemporal, sign_in
from tests.db import migrate
from tests.helpers import quick_password_hash
from tests.store.store_rows import add_process, add_step
from tests.web.axe import report, sideways_scroll, violations
from tests.web.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 9)  # a Wednesday in the autumn term
TERMS_2026_27 = [
    {"name": "Autumn term", "start": "2026-09-03", "end": "2026-12-18"},
    {"name": "Spring term", "start": "2027-01-04", "end": "2027-03-26"},
    {"name": "Summer term", "start": "2027-04-12", "end": "2027-07-21"},
]
STAFF = {
    "senco": StaffMember(name="Alex Example (SENCO)", role="senco", email="senco@example.org"),
    "head": StaffMember(name="Jo Example (Head)", role="head", email="head@example.org"),
    "ta": StaffMember(name="Sam Example (TA)", role="staff", email="ta@example.org"),
}


def make_settings(tmp_path: Path, terms: dict[str, list[dict[str, str]]]) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff=STAFF,
        calendar={"terms": terms, "closures": [{"start": "2026-12-21", "end": "2027-01-01", "label": "Christmas"}]},
    )


@pytest.fixture(autouse=True)
def no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings are the test's alone: not merged with the shipped config/sendclock.toml (its terms and closures)."""
    empty = tmp_path / "sendclock.toml"
    empty.write_text("")
    monkeypatch.setenv("SENDCLOCK_CONFIG", str(empty))


@pytest.fixture
def terms() -> dict[str, list[dict[str, str]]]:
    return {"2026-27": TERMS_2026_27}


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def settings(tmp_path: Path, terms, no_config_file) -> Settings:
    return make_settings(tmp_path, terms)


@pytest.fixture
def db(settings: Settings) -> Iterator[sessionmaker[Session]]:
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    password = quick_password_hash(PASSWORD)
    with maker.begin() as session:
        for username, (role, staff_id) in ACCOUNTS.items():
            add_account(session, username=username, password_hash=password, role=role, staff_id=staff_id)
    yield maker
    engine.dispose()


@pytest.fixture
def client_as(settings: Settings, db, today: date) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        app = create_app(
            settings,
            sessionmaker=db,
            today=lambda: today,
            client_factory=NoTemporal(),
            web_settings=WebSettings(session_secret="t" * 40),
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return sign_in(client, username)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def seed(db) -> None:
    """The autumn term 2026-27 of a fictional school (case references only), and a step either side of it."""
    with db.begin() as session:
        support = add_process(session, "sen-support-SUP-0001-20260903", "SUP-0001", kind="sen-support", owner="ta")
        support2 = add_process(session, "sen-support-SUP-0002-20260903", "SUP-0002", kind="sen-support")
        left = add_process(session, "sen-support-SUP-0003-20260903", "SUP-0003", kind="sen-support", status="completed")
        pep = add_process(session, "pep-review-PEP-0001-20260903", "PEP-0001", kind="pep-review")
        review = add_process(session, "annual-review-EHC-0007", "EHC-0007", kind="annual-review", owner="ta")
        advice = add_process(session, "ehc-advice-request-EHC-0042-20260629", "EHC-0042")
        duty = add_process(session, "school-duty-SEN-INFORMATION-REPORT", "SEN-INFORMATION-REPORT", kind="school-duty")
        add_step(session, support, "sen-support-review", due=date(2026, 12, 18), target=date(2026, 12, 18), owner="ta")
        add_step(
            session,
            support2,
            "sen-support-review",
            due=date(2026, 12, 18),
            target=date(2026, 12, 18),
            status="completed",
            completed_on=date(2026, 12, 1),
            on_time=True,
            days_late=0,
        )
        add_step(
            session, left, "sen-support-review", due=date(2026, 12, 18), target=date(2026, 12, 18), status="cancelled"
        )
        add_step(session, pep, "pep-review", due=date(2026, 12, 4), target=date(2026, 12, 4))
        add_step(
            session,
            review,
            "annual-review-due",
            due=date(2026, 12, 7),
            target=date(2026, 12, 7),
            owner="ta",
            status="completed",
            completed_on=date(2026, 12, 8),
            on_time=False,
            days_late=1,
        )
        add_step(session, review, "review-report", due=date(2026, 12, 10), target=date(2026, 12, 9), owner="ta")
        add_step(
            session,
            advice,
            "ehc-advice",
            due=date(2026, 8, 10),
            target=date(2026, 8, 3),
            status="completed",
            completed_on=date(2026, 8, 12),
            on_time=False,
            days_late=2,
        )
        add_step(session, advice, "ehc-assessment-decision", due=date(2026, 10, 19), target=date(2026, 10, 19))
        add_step(
            session,
            duty,
            "sen-information-report",
            due=date(2026, 9, 16),
            target=date(2026, 9, 16),
            status="completed",
            completed_on=date(2026, 9, 14),
            on_time=True,
            days_late=0,
        )
        add_step(session, advice, "ehc-final-plan", due=date(2027, 1, 11), target=date(2027, 1, 11))  # spring's
        add_step(session, review, "review-notice", due=date(2026, 7, 20), target=date(2026, 7, 20), owner="ta")
        session.flush()
        session.add(
            Event(
                key=completion_key(support2.workflow_id, "sen-support-review", 1),
                process_id=support2.workflow_id,
                kind="completed",
                rule_id="sen-support-review",
                occurred_at=support2.opened_at,
                data={"completed_on": "2026-12-01", "on_time": True, "with_parents": True, "why_not": None},
            )
        )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def week(html: str, monday: str) -> str:
    found = re.search(rf'<section aria-labelledby="week-{monday}">(.*?)</section>', html, re.S)
    assert found, f"no week beginning {monday}"
    return found.group(1)


def rows_of(section: str) -> list[tuple[str, str, str]]:
    """(step, case, status) of each row of a week's table, as shown."""
    rows = re.findall(r"<tr class=\"[^\"]*\" data-status=\"([^\"]+)\">(.*?)</tr>", section, re.S)
    found = []
    for status, row in rows:
        cells = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        found.append((cells[0], cells[1], cells[5], status))
    return found


def count(html: str, name: str) -> int:
    found = re.search(rf'<dd id="{name}">(\d+)</dd>', html)
    assert found, name
    return int(found.group(1))


def weeks(html: str) -> list[str]:
    return [text_of(h) for h in re.findall(r'<h2 id="week-[^"]+">(.*?)</h2>', html, re.S)]


# --- the SENCO: the whole school ---------------------------------------------------------------------------------


def test_the_senco_sees_the_whole_terms_steps_week_by_week(db, client_as) -> None:
    seed(db)
    r = client_as("senco").get("/this-term")
    assert r.status_code == 200
    html = r.text
    assert "<h1>Autumn term 2026-27: Thu 3 Sep 2026 to Fri 18 Dec 2026</h1>" in html
    assert 'id="england-pattern"' not in html  # the school's own terms are set
    assert weeks(html) == [
        "Week beginning Mon 10 Aug 2026 (in the holiday)",
        "Week beginning Mon 14 Sep 2026",
        "Week beginning Mon 19 Oct 2026",
        "Week beginning Mon 30 Nov 2026",
        "Week beginning Mon 7 Dec 2026 (this week)",
        "Week beginning Mon 14 Dec 2026",
    ]
    assert "Steps due in the holiday before the term, from Sat 1 Aug 2026, are counted with it." in text_of(html)
    assert rows_of(week(html, "2026-08-10")) == [
        (
            "Advice to the LA for an EHC needs assessment",
            "EHC-0042",
            "Done late (2 days), on Wed 12 Aug 2026",
            "done-late",
        )
    ]
    assert rows_of(week(html, "2026-09-14")) == [
        (
            "SEN information report published on the school's website",
            "Whole school : SEN information report published on the school's website",  # a hidden colon
            "Done on time, on Mon 14 Sep 2026",
            "done-on-time",
        )
    ]
    assert 'href="/cases/SEN-INFORMATION-REPORT"' in week(html, "2026-09-14")
    assert rows_of(week(html, "2026-10-19")) == [
        ("LA decision whether to carry out an EHC needs assessment", "EHC-0042", "The LA is 51 days late", "la-late")
    ]
    assert rows_of(week(html, "2026-11-30")) == [
        ("PEP review for a looked-after pupil", "PEP-0001", "Overdue by 5 days", "overdue")
    ]
    assert rows_of(week(html, "2026-12-07")) == [
        ("Annual review of the EHC plan", "EHC-0007", "Done late (1 day), on Tue 8 Dec 2026", "done-late"),
        ("Annual review report to everyone invited", "EHC-0007", "Due in 1 day", "due"),
    ]
    assert rows_of(week(html, "2026-12-14")) == [
        ("SEN support review with parents", "SUP-0001", "Due in 9 days", "due"),
        ("SEN support review with parents", "SUP-0002", "Done on time, on Tue 1 Dec 2026", "done-on-time"),
    ]
    # Each row: the kind, owner and due date beside, and the case page a click away.
    this_week = week(html, "2026-12-07")
    assert 'href="/cases/EHC-0007"' in this_week and "Sam Example (TA)" in this_week and "Annual review" in this_week
    assert '<time datetime="2026-12-10">Thu 10 Dec 2026</time>' in this_week
    assert 'class="overdue" data-status="overdue"' in week(html, "2026-11-30")
    # Not this term's: the summer term's step, the spring term's; SUP-0003's cancelled review is said apart.
    assert "review-notice" not in html and "Final EHC plan" not in text_of(html) and "SUP-0003" not in html
    assert "1 step due this term was withdrawn or cancelled: no longer due, so not listed." in text_of(html)


def test_the_counts_per_status_per_kind_and_the_register(db, client_as) -> None:
    seed(db)
    html = client_as("senco").get("/this-term").text
    assert (count(html, "count-done"), count(html, "count-due"), count(html, "count-overdue")) == (4, 2, 1)
    assert count(html, "count-la-late") == 1
    assert "2 of the 4 done were done on time." in text_of(html)
    table = re.search(r'<table class="stack" id="by-kind">(.*?)</table>', html, re.S)
    assert table
    by_kind = [
        [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]
    assert by_kind == [
        ["Kind", "Done", "Due", "Overdue", "The LA late", "All"],
        ["SEN support reviews", "1", "1", "0", "0", "2"],
        ["PEP reviews", "0", "0", "1", "0", "1"],
        ["Annual reviews", "1", "1", "0", "0", "2"],
        ["Other EHC steps", "1", "0", "0", "1", "2"],
        ["School duties", "1", "0", "0", "0", "1"],
    ]
    # The register by code: pupils with an open process (SUP-0003's ended).
    assert (count(html, "register-sen-support"), count(html, "register-annual-review")) == (2, 1)
    assert count(html, "register-pep-review") == 1
    assert "On SEN support (K)" in html and "With an EHC plan (E)" in html and "Looked after (PEP reviews)" in html


def test_the_page_speaks_like_a_senco(db, client_as) -> None:
    seed(db)
    text = text_of(client_as("senco").get("/this-term").text)
    for detail in ("sen-support-review", "pep-review", "annual-review-due", "ehc-advice", "sen-information-report"):
        assert detail not in text, detail  # rule ids are detail, not text
    assert "This term" in text and "Everything due for the whole school." in text


# --- staff, and a member of staff picked -------------------------------------------------------------------------


def test_a_staff_account_sees_its_own_steps_only_whatever_it_asks(db, client_as) -> None:
    seed(db)
    ta = client_as("ta")
    for path in ("/this-term", "/this-term?staff=senco", "/this-term?staff=head"):
        html = ta.get(path).text
        assert "Your steps only." in html
        cases = set(re.findall(r'href="/cases/([^"]+)"', html))
        assert cases == {"EHC-0007", "SUP-0001"}, path
        for other in ("EHC-0042", "PEP-0001", "SUP-0002", "SUP-0003", "sen-information-report", "Alex Example"):
            assert other not in html, (path, other)  # another pupil's reference never reaches the page
        assert 'id="f-staff"' not in html  # no one else to pick
        assert (count(html, "count-done"), count(html, "count-due"), count(html, "count-overdue")) == (1, 2, 0)
        assert (count(html, "register-sen-support"), count(html, "register-annual-review")) == (1, 1)
        assert count(html, "register-pep-review") == 0
        assert "Your pupils on the register now" in html
        assert 'id="set-aside"' not in html  # SUP-0003's cancelled review is not theirs


def test_leadership_picks_a_member_of_staff(db, client_as) -> None:
    seed(db)
    head = client_as("head")
    html = head.get("/this-term").text
    assert '<a href="/this-term" aria-current="page">This term</a>' in html  # in the navigation
    assert '<option value="ta">Sam Example (TA)</option>' in html
    picked = head.get("/this-term?staff=ta").text
    assert "The steps of Sam Example (TA) only." in picked
    assert set(re.findall(r'href="/cases/([^"]+)"', picked)) == {"EHC-0007", "SUP-0001"}
    assert '<option value="ta" selected>Sam Example (TA)</option>' in picked
    assert 'href="/this-term?term=2027-01-04&amp;staff=ta"' in picked  # the next term, the same member of staff
    assert "Pupils of Sam Example (TA) on the register now" in picked
    assert head.get("/this-term?staff=Robert'); DROP").status_code == 422  # not a staff id


def test_the_navigation_has_it_for_senco_staff_and_leadership(db, client_as) -> None:
    seed(db)
    link = '<a href="/this-term"'
    assert link in client_as("senco").get("/overdue").text and link in client_as("ta").get("/overdue").text
    assert link in client_as("head").get("/overdue").text and link not in client_as("auditor").get("/audit").text
    assert client_as("auditor").get("/this-term").status_code == 200  # an auditor reads everything, if they ask


# --- other terms ------------------------------------------------------------------------------------------------


def test_next_and_previous_terms_and_a_term_by_date(db, client_as) -> None:
    seed(db)
    senco = client_as("senco")
    html = senco.get("/this-term").text
    assert 'href="/this-term?term=2027-01-04"' in html and "Next term (Spring term 2026-27)" in html
    assert 'href="/this-term?term=2026-04-01"' in html and "Previous term (Summer term 2025-26)" in html
    spring = senco.get("/this-term?term=next").text
    assert "<h1>Spring term 2026-27: Mon 4 Jan 2027 to Fri 26 Mar 2027</h1>" in spring
    for asked in ("2027-01-04", "2026-12-25"):  # the term's first day; a day of the Christmas holiday before it
        again = senco.get(f"/this-term?term={asked}").text
        assert "<h1>Spring term 2026-27: Mon 4 Jan 2027 to Fri 26 Mar 2027</h1>" in again
        assert weeks(again) == weeks(spring)
    assert weeks(spring) == ["Week beginning Mon 11 Jan 2027"]
    assert "Back to this term" in spring and "(this week)" not in spring
    summer = senco.get("/this-term?term=previous").text
    assert "<h1>Summer term 2025-26: Wed 1 Apr 2026 to Fri 31 Jul 2026</h1>" in summer
    assert 'id="england-pattern"' in summer  # 2025-26 has no terms set
    assert weeks(summer) == ["Week beginning Mon 20 Jul 2026"]
    assert rows_of(week(summer, "2026-07-20")) == [
        ("Notice of the annual review meeting", "EHC-0007", "Overdue by 142 days", "overdue")
    ]
    for bad in ("soon", "2027-02-30", "1999-01-01"):
        assert senco.get(f"/this-term?term={bad}").status_code == 422, bad


@pytest.mark.parametrize("terms", [{}])
def test_a_school_year_with_no_terms_set_says_the_england_pattern_stands_in(db, client_as) -> None:
    seed(db)
    html = client_as("senco").get("/this-term").text
    assert "<h1>Autumn term 2026-27: Tue 1 Sep 2026 to Thu 31 Dec 2026</h1>" in html
    note = text_of(re.search(r'<div class="notice" id="england-pattern">(.*?)</div>', html, re.S).group(1))
    assert note.startswith("The school's term dates for 2026-27 are not set in sendclock, so the usual England pattern")
    assert "calendar.terms" in note  # the SENCO is told where to set them
    assert "The last school day of the term is Fri 18 Dec 2026." in text_of(html)  # the Christmas closure
    assert "calendar.terms" not in client_as("head").get("/this-term").text


# --- compliance: the termly reviews -------------------------------------------------------------------------------


def test_the_compliance_page_and_its_csv_have_the_termly_reviews(db, client_as) -> None:
    seed(db)
    senco = client_as("senco")
    html = senco.get("/compliance?year=2026").text
    table = re.search(r'<table id="termly" class="stack">(.*?)</table>', html, re.S)
    assert table
    autumn = re.search(r"<tr><th scope=\"row\" data-label=\"Term\">Autumn term 2026-27.*?</tr>", table.group(1), re.S)
    assert autumn
    cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", autumn.group(0), re.S)]
    # SUP-0001 due on 18 Dec (to come), SUP-0002 held with the parents; SUP-0003 cancelled before: not due.
    assert cells == ["1 of 2, 1 still to come", "1 of 1", "0", "0 of 1", "1"]
    assert 'href="/compliance/termly.csv?year=2026"' in html
    csv_text = senco.get("/compliance/termly.csv?year=2026").text
    assert (
        "2026-27,Autumn term 2026-27,2026-09-03,2026-12-18,no,SEN support review with parents,2,1,1,1,0,1" in csv_text
    )
    assert client_as("ta").get("/compliance/termly.csv").status_code == 403  # staff see only their own steps
    api = senco.get("/api/compliance?year=2026").json()["termly_reviews"]
    assert api[0]["term"] == "Autumn term 2026-27" and api[0]["pep"] == {
        "due": 1,
        "held": 0,
        "held_on_time": 0,
        "with_parents": 0,
        "missed": 1,
        "to_come": 0,
    }


# --- the screenshots, in Chromium ---------------------------------------------------------------------------------


def demo(db) -> None:
    """A fictional school's autumn term for the screenshots: SEN support and PEP reviews, annual reviews, an advice
    request and the school's duties, done, due and overdue (case references only)."""
    seed(db)
    with db.begin() as session:
        done = {"status": "completed", "completed_on": date(2026, 11, 24), "on_time": True, "days_late": 0}
        for n, owner, more in ((4, "ta", done), (5, "senco", {})):
            p = add_process(session, f"sen-support-SUP-{n:04d}-20260903", f"SUP-{n:04d}", kind="sen-support")
            add_step(
                session, p, "sen-support-review", due=date(2026, 12, 18), target=date(2026, 12, 18), owner=owner, **more
            )
        review = add_process(session, "annual-review-EHC-0008", "EHC-0008", kind="annual-review")
        add_step(session, review, "annual-review-due", due=date(2026, 11, 27), target=date(2026, 11, 13))
        duty = add_process(session, "school-duty-SEND-POLICY-REVIEW", "SEND-POLICY-REVIEW", kind="school-duty")
        add_step(session, duty, "send-policy-review", due=date(2026, 12, 16), target=date(2026, 12, 16), owner="head")


def test_screenshots_at_1280_and_390_px(tmp_path: Path, settings: Settings, db, browser) -> None:
    demo(db)
    shots = REPO / "docs" / "screenshots" if os.environ.get("SENDCLOCK_SCREENSHOTS") else tmp_path
    app = create_app(
        settings,
        sessionmaker=db,
        today=lambda: TODAY,
        client_factory=NoTemporal(),
        web_settings=WebSettings(session_secret="s" * 40),
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{url}/login")
        page.get_by_label("User name").fill("senco")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/today")
        page.get_by_role("link", name="This term", exact=True).click()
        page.wait_for_url(f"{url}/this-term")
        assert page.locator("h1").inner_text() == "Autumn term 2026-27: Thu 3 Sep 2026 to Fri 18 Dec 2026"
        for name, size in (
            ("this-term", {"width": 1280, "height": 900}),
            ("this-term-phone", {"width": 390, "height": 844}),
        ):
            page.set_viewport_size(size)
            page.reload()
            found = violations(page)
            assert not found, report(found)
            assert sideways_scroll(page) is None, sideways_scroll(page)
            if size["width"] > 700:
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            else:  # on a phone each step is a card: the page down to the third week is enough to show it
                third = page.locator("main section").nth(3).bounding_box()
                assert third is not None
                clip = {"x": 0, "y": 0, "width": size["width"], "height": third["y"] - 8}
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True, clip=clip)
        page.goto(f"{url}/compliance?year=2026")  # the compliance page with its termly reviews, at 390 px
        assert page.locator("#termly").count() == 1
        found = violations(page)
        assert not found, report(found)
        assert sideways_scroll(page) is None, sideways_scroll(page)
    finally:
        context.close()
        server.should_exit = True
        thread.join(timeout=15)
