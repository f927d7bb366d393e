"""The SENCO's moves on a SEN support process on the dashboard (issue 24): the case page offers "Record the review as
held" (never "Record a step as done", which the process refuses) and the end of the reviews, says its facts in
sentences and names no LA it does not have; Today's button and a notice's link open the review's own form; a bad form
is refused field by field before Temporal is contacted. On the live stack (tests/web/conftest.py: the dev server, a
worker, uvicorn), posting the form completes this term's review. Case references TRM-W belong to this file."""

from __future__ import annotations

import html as html_module
import re
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from statutory.clock import fmt, local_date
from store.models import Event
from tests.dashboard.conftest import client, csrf_of, db, make_client, settings, today  # noqa: F401  (fixtures)
from tests.dashboard.seed import OPENED, process, step
from tests.dashboard.test_input import error_for, post_form
from tests.web.conftest import PASSWORD

SUPPORT = "sen-support-TRM-W001-20270111"


@pytest.fixture
def placed(db):  # noqa: F811  (the imported fixture)
    """TRM-W001 on SEN support: its autumn review held with the parents (the next planned for 12 Mar), its spring review
    open and due this week (the SENCO's)."""
    with db.begin() as session:
        p = process(SUPPORT, "TRM-W001", "none", kind="sen-support")
        autumn = step(p, "sen-support-review", due=date(2026, 12, 18), target=date(2026, 12, 18), owner="senco")
        autumn.status, autumn.completed_on = "completed", date(2026, 12, 3)
        spring = step(p, "sen-support-review", due=date(2027, 3, 12), target=date(2027, 3, 12), owner="senco")
        spring.instance = 2
        held = {"with_parents": True, "why_not": "", "with_annual_review": False, "evidence": "SEN support file"}
        held |= {"next_review_on": "2027-03-12", "completed_on": "2026-12-03", "on_time": True, "days_late": 0}
        event = Event(
            key=f"{SUPPORT}/sen-support-review/completed",
            process_id=SUPPORT,
            rule_id="sen-support-review",
            kind="completed",
            occurred_at=OPENED,
            actor="senco",
            data=held,
        )
        session.add_all([p, autumn, spring])
        session.flush()  # the process first: the event refers to it
        session.add(event)


def text_of(page: str) -> str:
    """What a reader sees without opening anything: the body's text outside <details>."""
    body = re.sub(r"<details\b.*?</details>", " ", page.split("<body", 1)[-1], flags=re.S)
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_case_page_offers_the_reviews_own_moves_in_plain_words(client: TestClient, placed) -> None:  # noqa: F811
    page = client.get("/cases/TRM-W001").text
    actions = re.findall(r'<li><a href="/processes/[^/"]+/([a-z-]+)">([^<]+)</a></li>', page)
    assert [name for name, _ in actions] == ["support-review-held", "cancellation", "reassignment", "support-ended"]
    assert "Record the review as held" in page and "End the SEN support reviews" in page
    words = text_of(page)
    assert "SEN support reviews, placed on SEN support Mon 11 Jan 2027" in words and "from none" not in words
    assert "Last review Thu 3 Dec 2026 (1 review held, 1 with the parents)." in words
    assert "Next review planned for Fri 12 Mar 2027." in words
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\b(True|False|None)\b|sen-support-review", words)  # no code on the page

    form = client.get(f"/processes/{SUPPORT}/support-review-held").text
    assert '<label for="f-with_parents">Did the parents take part?</label>' in form
    assert "with_annual_review" not in form  # a PEP's question only
    assert "sen-support-review" not in form and "from none" not in form
    for not_here in ("step-done", "exemption", "pep-review-held"):  # refused by the process, or a PEP's: not offered
        assert client.get(f"/processes/{SUPPORT}/{not_here}").status_code == 403, not_here

    today_page = client.get("/today").text
    assert f'href="/processes/{SUPPORT}/support-review-held"' in today_page


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"held_on": "2027-03-09"}, "with_parents", "say whether the parents took part"),
        ({"held_on": "2027-03-09", "with_parents": "false"}, "why_not", "say why the parents did not take part"),
        ({"held_on": "2027-03-11", "with_parents": "true"}, "held_on", "is in the future"),
        # a PEP's question, not on this form: refused at the top of the form
        ({"held_on": "2027-03-09", "with_parents": "true", "with_annual_review": "true"}, "form", "only a PEP review"),
    ],
)
def test_a_bad_review_form_is_refused_next_to_its_field(client: TestClient, placed, data, field, words) -> None:  # noqa: F811
    response = post_form(client, f"/processes/{SUPPORT}/support-review-held", data)
    assert response.status_code == 422
    assert words in (response.text if field == "form" else error_for(response.text, field))


def test_an_ending_offers_only_its_kinds_reasons(client: TestClient, placed) -> None:  # noqa: F811
    form = client.get(f"/processes/{SUPPORT}/support-ended").text
    assert re.findall(r'<option value="([a-z-]*)"', form) == [
        "",
        "needs-met",
        "left-school",
        "ehc-assessment",
        "ehc-plan",
    ]
    assert '<option value="ehc-plan">an EHC plan was made</option>' in form
    refused = post_form(
        client, f"/processes/{SUPPORT}/support-ended", {"ended_on": "2027-03-09", "reason": "no-longer-looked-after"}
    )
    assert refused.status_code == 422 and "is not a reason the SEN support reviews end for" in error_for(
        refused.text, "reason"
    )


def test_a_pep_and_a_duty_offer_their_own_moves(client: TestClient, db) -> None:  # noqa: F811
    pep, duty = "pep-review-TRM-W003-20270111", "school-duty-SEN-INFORMATION-REPORT"
    with db.begin() as session:
        p = process(pep, "TRM-W003", "Kent", kind="pep-review")
        d = process(duty, "SEN-INFORMATION-REPORT", "none", kind="school-duty")
        review = step(p, "pep-review", due=date(2027, 3, 31), target=date(2027, 3, 31), owner="senco")
        report = step(d, "sen-information-report", due=date(2027, 5, 1), target=date(2027, 4, 30), owner="senco")
        session.add_all([p, d, review, report])
        session.flush()  # the processes first: the event refers to one
        due = {"term": "Spring term 2026-27", "annual_review_due": "2027-03-15"}
        key = f"{pep}/annual-review-this-term/2027-01-04"
        session.add(Event(key=key, process_id=pep, kind="annual-review-this-term", occurred_at=OPENED, data=due))
    for case_ref, moves, words in (
        (
            "TRM-W003",
            ["pep-review-held", "cancellation", "reassignment", "pep-ended"],
            "PEP reviews from Kent, began Mon 11 Jan 2027 Status: Open",
        ),
        (
            "SEN-INFORMATION-REPORT",
            ["step-done", "cancellation", "reassignment", "duty-stopped"],
            "School duty: SEN information report published on the school's website, last done Mon 11 Jan 2027",
        ),
    ):
        page = client.get(f"/cases/{case_ref}").text
        assert re.findall(r'<li><a href="/processes/[^/"]+/([a-z-]+)">', page) == moves
        assert words in text_of(page)
    assert "An annual review is due this term (Mon 15 Mar 2027): one meeting may do both." in text_of(
        client.get("/cases/TRM-W003").text
    )
    assert 'name="with_annual_review"' in client.get(f"/processes/{pep}/pep-review-held").text
    assert 'name="reason"' not in client.get(f"/processes/{duty}/duty-stopped").text  # a duty has one reason


def test_a_notice_about_a_review_links_to_its_own_form() -> None:
    from activities.messages import RECORD_FORMS
    from dashboard.commands import ACTIONS

    assert {rule: (ACTIONS[name].rule, ACTIONS[name].title) for rule, name in RECORD_FORMS.items()} == {
        "sen-support-review": ("sen-support-review", "Record the review as held"),
        "pep-review": ("pep-review", "Record the review as held"),
    }
    assert all(a.name != "step-done" for a in ACTIONS.values() if "sen-support" in a.kinds or "pep-review" in a.kinds)


# --- on the live stack ----------------------------------------------------------------------------------------------


@pytest.mark.devserver
def test_recording_the_review_as_held_completes_this_terms_review(live) -> None:
    on = local_date(datetime.now(UTC))
    auth = {"authorization": f"Bearer {live.api_key}"}
    with httpx.Client(base_url=live.url, timeout=60) as http:
        body = {"case_ref": "TRM-W002", "placed_on": on.isoformat(), "owner": "senco"}
        started = http.post("/api/processes/sen-support", json=body, headers=auth)
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        token = csrf_of(http.get("/login").text)
        http.post("/login", data={"username": "senco", "password": PASSWORD, "csrf_token": token})
        assert "Record the review as held" in http.get("/cases/TRM-W002").text

        form = f"/processes/{workflow_id}/support-review-held"
        token = csrf_of(http.get(form).text)
        fields = {"csrf_token": token, "held_on": on.isoformat(), "with_parents": "true", "evidence": "review notes"}
        done = http.post(form, data=fields, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/cases/TRM-W002?done=support-review-held"

        [review] = http.get("/api/cases/TRM-W002", headers=auth).json()["processes"][0]["steps"]
        assert review["rule_id"] == "sen-support-review" and review["status"] == "completed" and review["on_time"]
        page = text_of(http.get("/cases/TRM-W002").text)
        assert f"held on {fmt(on)} with the parents" in page and "Record the review as held" not in page
        assert f"Last review {fmt(on)} (1 review held, 1 with the parents)." in page
