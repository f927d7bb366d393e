"""Every page a signed-in person can reach, in a real browser (Playwright driving Debian's Chromium) on the live
dashboard (tests/web/conftest.py), at 1280 px and at 390 px (a phone) wide: axe-core (tests/web/axe.py) finds no
violation of WCAG 2.0 or 2.1 at level A or AA, and the page does not scroll sideways.

The SENCO's pages (the lists, a case with processes, the start forms, a start form refused with its errors, record
forms, the outbox, compliance, the audit log, the sign-in log, Replay and check, change password, not found, the
register import with a file checked and one with problems, the LA scorecard and one LA's, a case with a "Chase the
LA" link, the chase letter of an overdue LA step and that letter refused), the sign-in page signed out, and what
leadership (the LA scorecard too), staff and the auditor see. Today (/today) and Find a case (/search) are checked
once they answer 200, and skipped before. Without /usr/bin/chromium the tests are skipped, except under CI
(CI set), where they fail.

axe is added to each page by Playwright: the contexts are made with bypass_csp (see tests/web/axe.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from store.accounts_queries import add_account
from store.compliance import academic_year_of
from tests.helpers import quick_password_hash
from tests.web.axe import report, sideways_scroll, violations
from tests.web.conftest import PASSWORD
from tests.web.test_browser import sign_in

pytestmark = [pytest.mark.devserver, pytest.mark.xdist_group("accessibility")]
WIDTHS = {"wide": 1280, "phone": 390}
STAFF = ("teacher", "head")  # a staff account (role staff) whose steps are those owned by staff id "head"


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


@dataclass(frozen=True)
class Data:
    overdue: str  # workflow ids: an advice request past its date, owned by the SENCO
    done: str  # one recorded as sent (late): a completed step, counted in compliance
    review: str  # an annual review (several steps)
    staffs: str  # an advice request owned by "head", the staff account's
    year: int  # the academic year the done step counts in
    chase: str  # a re-assessment whose LA decision (Kent's) is overdue: its chase letter can be drafted
    la_year: int  # the academic year that LA decision counts in (the LA scorecard's)


@pytest.fixture(scope="module")
def data(live) -> Data:
    """Cases A11Y-0001 (an overdue advice request and an annual review), A11Y-0002 (advice sent late), A11Y-0003
    (an advice request owned by staff id "head"), A11Y-0004 (a re-assessment whose request was sent 30 days ago, so
    Kent's decision is overdue), through the API; a staff account "teacher" for "head"."""
    with live.sessionmaker.begin() as session:
        add_account(
            session,
            username=STAFF[0],
            password_hash=quick_password_hash(PASSWORD),
            role="staff",
            staff_id=STAFF[1],
        )
    auth = {"authorization": f"Bearer {live.api_key}"}
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:

        def start(kind: str, body: dict[str, Any]) -> str:
            answer = http.post(f"/api/processes/{kind}", json=body)
            assert answer.status_code in (200, 201), answer.text
            return str(answer.json()["workflow_id"])

        received = today() - timedelta(days=60)
        overdue = start(
            "ehc-advice-request",
            {"case_ref": "A11Y-0001", "la": "Kent", "received_on": received.isoformat(), "owner": "senco"},
        )
        review = start(
            "annual-review",
            {"case_ref": "A11Y-0001", "la": "Kent", "plan_date": (today() - timedelta(days=330)).isoformat()},
        )
        done = start(
            "ehc-advice-request",
            {"case_ref": "A11Y-0002", "la": "Medway", "received_on": received.isoformat(), "owner": "senco"},
        )
        sent = http.post(f"/api/processes/{done}/advice-sent", json={"sent_on": today().isoformat()})
        assert sent.status_code == 200, sent.text
        staffs = start(
            "ehc-advice-request",
            {
                "case_ref": "A11Y-0003",
                "la": "Kent",
                "received_on": (today() - timedelta(days=30)).isoformat(),
                "owner": STAFF[1],
            },
        )
        due = date.fromisoformat(http.get("/api/cases/A11Y-0002").json()["processes"][0]["steps"][0]["due"])
        chase = start(
            "reassessment",
            {
                "case_ref": "A11Y-0004",
                "la": "Kent",
                "needs_changed_on": (today() - timedelta(days=40)).isoformat(),
                "last_assessment_on": (today() - timedelta(days=800)).isoformat(),
                "owner": "senco",
            },
        )
        done_on = {"rule_id": "reassessment-earliest", "done_on": (today() - timedelta(days=30)).isoformat()}
        requested = http.post(f"/api/processes/{chase}/step-done", json=done_on)
        assert requested.status_code == 200, requested.text
        for _ in range(100):  # the decision step opens after the update that closed the request returned
            draft = http.get(f"/api/processes/{chase}/chase/reassessment-decision")
            if draft.status_code == 200:
                break
        assert draft.status_code == 200, draft.text
        la_due = date.fromisoformat(draft.json()["due"])
    return Data(
        overdue=overdue,
        done=done,
        review=review,
        staffs=staffs,
        year=academic_year_of(due),
        chase=chase,
        la_year=academic_year_of(la_due),
    )


@pytest.fixture(scope="module")
def contexts(browser, live, data: Data) -> Iterator[Callable[[str], Any]]:
    """A browser context for each role, signed in on first use ("anonymous": none). bypass_csp: axe is added to
    the page as a <script>, which the dashboard's Content-Security-Policy (script-src 'self') would refuse."""
    made: dict[str, Any] = {}

    def context_of(username: str) -> Any:
        if username not in made:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
            if username != "anonymous":
                page = context.new_page()
                sign_in(page, live.url, username)
                page.close()
            made[username] = context
        return made[username]

    yield context_of
    for context in made.values():
        context.close()


# --- what is visited ------------------------------------------------------------------------------------------------


def refused_start(page) -> None:
    """The advice request form sent with a date in the future and no LA: refused, the errors next to their fields."""
    page.get_by_label("Case reference").fill("A11Y-0009")
    page.get_by_label("Date the LA's request was received").fill((today() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector(".error-summary")


def refused_password(page) -> None:
    """Change password with a wrong current password and new ones that differ: refused, with the reasons."""
    page.get_by_label("Current password").fill("not the password")
    page.get_by_label("New password", exact=True).fill("a new password here")
    page.get_by_label("New password again").fill("another one")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_selector(".error-summary")


def refused_chase(page) -> None:
    """The chase letter sent as drafted, still asking for the LA's reference: refused at its field, nothing sent."""
    page.get_by_role("button", name="Record the letter as sent by me").click()
    page.wait_for_selector(".error-summary")


def refused_sign_in(page) -> None:
    page.get_by_label("User name").fill("nobody-a11y")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#login-error")


def register_file(text: str) -> Callable[[Any], None]:
    """The register upload (/import/register) given `text` as its file and checked: what it would do, or its
    problems by line; nothing is started."""

    def upload(page) -> None:
        page.get_by_label("The SEN register, as a CSV file").set_input_files(
            files=[{"name": "register.csv", "mimeType": "text/csv", "buffer": text.encode()}]
        )
        page.get_by_role("button", name="Check the file").click()
        page.wait_for_selector("table.stack")

    return upload


@dataclass(frozen=True)
class Visit:
    who: str  # a user name from tests/web/conftest.py ACCOUNTS, STAFF's, or "anonymous"
    name: str
    path: str  # formatted with the Data's fields
    status: int = 200
    then: Callable[[Any], None] | None = None  # what the person does on the page before it is checked
    optional: bool = False  # a page that may not exist yet: skipped unless it answers 200


VISITS = [
    Visit("anonymous", "sign-in", "/login"),
    Visit("anonymous", "sign-in-refused", "/login", then=refused_sign_in),
    Visit("senco", "overdue", "/overdue"),
    Visit("senco", "due-soon", "/due-soon"),
    Visit("senco", "open-steps", "/"),
    Visit("senco", "open-steps-filtered", "/?la=Kent&sort=due&desc=1"),
    Visit("senco", "today", "/today", optional=True),
    Visit("senco", "this-term", "/this-term"),
    Visit("senco", "search", "/search?q=A11Y", optional=True),
    Visit("senco", "case", "/cases/A11Y-0001"),
    Visit("senco", "case-done", "/cases/A11Y-0002?done=advice-sent"),
    Visit("senco", "start", "/start"),
    Visit("senco", "start-form", "/start/annual-review"),
    Visit("senco", "start-form-refused", "/start/ehc-advice-request", then=refused_start),
    Visit("senco", "record-sent", "/processes/{overdue}/advice-sent"),
    Visit("senco", "record-exemption", "/processes/{review}/exemption"),
    Visit("senco", "record-cancellation", "/processes/{review}/cancellation"),
    Visit("senco", "outbox", "/outbox"),
    Visit("senco", "compliance", "/compliance?year={year}"),
    Visit("senco", "audit", "/audit"),
    Visit("senco", "sign-ins", "/audit/sign-ins"),
    Visit("senco", "replay", "/cases/A11Y-0002/processes/{done}/replay"),
    Visit("senco", "password", "/account/password"),
    Visit("senco", "password-refused", "/account/password", then=refused_password),
    Visit("senco", "not-found", "/cases/NO-SUCH-CASE", status=404),
    Visit("senco", "case-chase-link", "/cases/A11Y-0004"),
    Visit("senco", "las", "/las?year={la_year}"),
    Visit("senco", "la", "/las/Kent"),
    Visit("senco", "chase", "/processes/{chase}/chase/reassessment-decision"),
    Visit("senco", "chase-refused", "/processes/{chase}/chase/reassessment-decision", then=refused_chase),
    Visit("senco", "import-register", "/import/register"),
    Visit(
        "senco",
        "import-register-preview",
        "/import/register",
        then=register_file(
            "case_ref,sen_code,la,plan_date,looked_after\nA11YR-0001,K,,,yes\nA11YR-0002,E,Kent,2026-01-05,no\n"
        ),
    ),
    Visit(
        "senco", "import-register-problems", "/import/register", then=register_file("case_ref,sen_code\nA11YR-1,S\n")
    ),
    Visit("head", "overdue", "/overdue"),
    Visit("head", "case", "/cases/A11Y-0001"),
    Visit("head", "compliance", "/compliance?year={year}"),
    Visit("head", "outbox", "/outbox"),
    Visit("head", "las", "/las"),
    Visit("head", "not-allowed", "/start/ehc-advice-request", status=403),
    Visit("head", "import-not-allowed", "/import/register", status=403),
    Visit(STAFF[0], "today", "/today", optional=True),
    Visit(STAFF[0], "open-steps", "/"),
    Visit(STAFF[0], "case", "/cases/A11Y-0003"),
    Visit(STAFF[0], "record-sent", "/processes/{staffs}/advice-sent"),
    Visit(STAFF[0], "outbox", "/outbox"),
    Visit("auditor", "audit", "/audit"),
    Visit("auditor", "replay", "/cases/A11Y-0002/processes/{done}/replay"),
    Visit("auditor", "audit-report", "/cases/A11Y-0002/audit-report"),
]


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
@pytest.mark.parametrize("visit", VISITS, ids=[f"{v.who}-{v.name}" for v in VISITS])
def test_page_passes_axe_and_does_not_scroll_sideways(live, data: Data, contexts, visit: Visit, width: int) -> None:
    page = contexts(visit.who).new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        url = live.url + visit.path.format(**vars(data))
        response = page.goto(url)
        assert response is not None
        if visit.optional and response.status != 200:
            pytest.skip(f"{visit.path} answers {response.status}: not there yet")
        assert response.status == visit.status, f"{url}: {response.status}"
        if visit.then is not None:
            visit.then(page)
        where = f"{visit.who} {visit.path.format(**vars(data))} at {width} px"
        found = violations(page)
        wide = sideways_scroll(page)
        problems = ([report(where, found)] if found else []) + ([f"{where}: {wide}"] if wide else [])
        assert not problems, "\n".join(problems)
    finally:
        page.close()


# --- the phone layout's conventions (base.html) ---------------------------------------------------------------------


def test_a_stack_table_is_a_card_a_row_on_a_phone_and_keeps_its_headers(live, data: Data, contexts) -> None:
    """The outbox (table class="stack", cells with data-label) at 390 px: each row a block, each cell its column's
    name before its value (none for data-label=""), the thead out of sight yet its column headers still there for
    a screen reader; at 1280 px an ordinary table."""
    page = contexts("senco").new_page()
    try:
        page.set_viewport_size({"width": 390, "height": 900})
        table = page.locator("main table.stack")
        for _ in range(40):  # the worker writes the notices of the data's processes just after they start
            page.goto(f"{live.url}/outbox")
            if table.count():
                break
            page.wait_for_timeout(250)
        row = table.locator("tbody tr").first
        cell = row.locator("td").nth(1)
        assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
        assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Recipient"'
        head = table.locator("thead").bounding_box()
        assert head is not None and head["width"] <= 1 and head["height"] <= 1
        assert table.get_by_role("columnheader").count() == 6
        assert table.get_by_role("cell").count() == 6 * table.locator("tbody tr").count()
        assert cell.evaluate("td => { td.dataset.label = ''; return getComputedStyle(td, '::before').content; }") in (
            "none",
            "normal",
        )

        page.set_viewport_size({"width": 1280, "height": 900})
        assert row.evaluate("tr => getComputedStyle(tr).display") == "table-row"
        assert row.locator("td").nth(2).evaluate("td => getComputedStyle(td, '::before').content") in ("none", "normal")
        head = table.locator("thead").bounding_box()
        assert head is not None and head["height"] > 10
    finally:
        page.close()


NARROW_COLLAPSE = """(html) => {
  const place = document.querySelector("#main-content h1");
  place.insertAdjacentHTML("afterend", html);
}"""
FRAGMENT = """<details class="narrow-collapse" id="nc"><summary>Counts and filters</summary>
<dl class="counts"><div><dt>Overdue</dt><dd>3</dd></div><div><dt>Open</dt><dd>12</dd></div></dl>
<form class="filters" method="get" action="/outbox" aria-label="Filter steps">
<div><label for="nc-la">LA</label><select id="nc-la" name="la"><option value="">All</option></select></div>
<div><button type="submit" class="secondary">Filter</button></div></form></details>"""


def test_narrow_collapse_is_a_disclosure_on_a_phone_and_always_open_on_a_wide_screen(live, data: Data, contexts):
    """details.narrow-collapse (for the counts and filters of the step lists): at 1280 px no summary and the
    content shown, reachable by the keyboard and passing axe; at 390 px a closed disclosure "Counts and filters"
    that opens and closes."""
    page = contexts("senco").new_page()
    try:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live.url}/outbox")
        page.evaluate(NARROW_COLLAPSE, FRAGMENT)
        summary, select = page.locator("#nc > summary"), page.get_by_label("LA", exact=True)
        assert not summary.is_visible()
        assert select.is_visible() and page.locator("#nc .counts").is_visible()
        select.focus()
        assert page.evaluate("document.activeElement.id") == "nc-la"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Filter"
        found = violations(page)
        assert not found, report("narrow-collapse at 1280 px", found)

        page.set_viewport_size({"width": 390, "height": 900})
        assert summary.is_visible() and summary.inner_text().strip() == "Counts and filters"
        assert not select.is_visible()
        summary.focus()
        page.keyboard.press("Enter")
        assert select.is_visible()
        summary.click()
        assert not select.is_visible()
        found = violations(page)
        assert not found, report("narrow-collapse at 390 px", found)
        assert sideways_scroll(page) is None
    finally:
        page.close()
