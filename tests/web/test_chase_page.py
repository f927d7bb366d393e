"""Chasing the LA on the dashboard (issue 25): the case page offers the SENCO "Chase the LA" beside an overdue LA
step, and nobody else; the chase page shows the letter (the regulation, the dates, the days overdue, where it goes);
a letter that still asks for the LA's reference is refused next to its field before Temporal is contacted; the API
gives the same draft. On the live stack (tests/web/conftest.py), sending the letter records the chase and opens its
follow-up. Case references RA-W belong to this file."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from commands.chase import YOUR_REFERENCE
from config.settings import LaPractice, Settings, StaffMember
from statutory.clock import fmt, local_date
from tests.dashboard.conftest import client, client_as, csrf_of, db, make_client, today  # noqa: F401  (fixtures)
from tests.dashboard.seed import process, step
from tests.dashboard.test_input import error_for, post_form
from tests.web.conftest import PASSWORD
from tests.web.test_termly_actions import text_of

CASE = "reassessment-RA-W001-20270101"
MAILBOX = "sen.team@kent.example.org"


@pytest.fixture
def settings(tmp_path) -> Settings:
    """The dashboard tests' school (tests/dashboard/conftest.py), with a profile for Kent."""
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco", email="senco@example.org"),
            "head": StaffMember(name="Jo Example (Head)", role="head", email="head@example.org"),
            "ta": StaffMember(name="Sam Example (TA)", role="staff", email="ta@example.org"),
        },
        las={"Kent": LaPractice(mailbox=MAILBOX, portal_url="https://portal.kent.example.org/send")},
    )


@pytest.fixture
def overdue(db):  # noqa: F811  (the imported fixture)
    """RA-W001: Kent's decision on a re-assessment request was due 1 Mar 2027 (today is 10 Mar 2027); a second LA
    step, its final plan, is not due yet."""
    with db.begin() as session:
        p = process(CASE, "RA-W001", "Kent", kind="reassessment")
        decision = step(p, "reassessment-decision", due=date(2027, 3, 1), target=date(2027, 3, 1), owner="senco")
        decision.anchor = date(2027, 2, 14)
        final = step(p, "reassessment-final", due=date(2027, 6, 1), target=date(2027, 6, 1), owner="senco")
        session.add_all([p, decision, final])


def test_the_case_page_offers_the_senco_a_chase_of_the_overdue_la_step_only(client_as, overdue) -> None:  # noqa: F811
    page = client_as("senco").get("/cases/RA-W001").text
    links = re.findall(r'<a href="(/processes/[^"]+/chase/[^"]+)">([^<]+)</a>', page)
    assert links == [
        (
            f"/processes/{CASE}/chase/reassessment-decision",
            "Chase the LA: LA decision on a re-assessment request, 9 days overdue",
        )
    ]
    for who in ("head", "auditor"):
        assert "/chase/" not in client_as(who).get("/cases/RA-W001").text, who
        assert client_as(who).get(f"/processes/{CASE}/chase/reassessment-decision").status_code == 403, who


def test_the_chase_page_shows_the_letter_with_its_regulation_dates_and_days(client: TestClient, overdue) -> None:  # noqa: F811
    response = client.get(f"/processes/{CASE}/chase/reassessment-decision")
    assert response.status_code == 200
    words = re.sub(r"\s+([:.,])", r"\1", text_of(response.text))  # a <time> element's end is not a space
    assert "Chase Kent: LA decision on a re-assessment request" in words
    assert f"The LA's statutory date was {fmt(date(2027, 3, 1))}: it is 9 days overdue." in words
    assert f"The letter goes to Kent's SEN team at {MAILBOX}" in words
    assert 'href="https://portal.kent.example.org/send"' in response.text
    body = re.search(r'<textarea id="f-body" name="body"[^>]*>(.*?)</textarea>', response.text, re.S).group(1)
    assert "reg 25" in body and "RA-W001" in body and "9 days overdue" in body and "Dear Kent SEN team" in body
    assert f"was due by {fmt(date(2027, 3, 1))}" in body and "Alex Example (SENCO)" in body
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\b(True|False|None)\b", words)  # no code on the page
    # the LA's final plan is not due yet: no chase
    early = client.get(f"/processes/{CASE}/chase/reassessment-final")
    assert early.status_code == 422 and f"The LA has until {fmt(date(2027, 6, 1))}" in early.text
    assert client.get(f"/processes/{CASE}/chase/no-such-rule").status_code == 404


def test_a_letter_that_still_asks_for_the_las_reference_is_refused_at_its_field(client: TestClient, overdue) -> None:  # noqa: F811
    path = f"/processes/{CASE}/chase/reassessment-decision"
    refused = post_form(client, path, {"subject": "Overdue", "body": f"Dear Kent,\nYour reference: {YOUR_REFERENCE}"})
    assert refused.status_code == 422
    assert "so the LA can tell which child the letter is about" in error_for(refused.text, "body")
    empty = post_form(client, path, {"subject": "", "body": "Dear Kent"})
    assert empty.status_code == 422 and error_for(empty.text, "subject")


def test_the_api_gives_the_same_draft(client: TestClient, overdue) -> None:  # noqa: F811
    got = client.get(f"/api/processes/{CASE}/chase/reassessment-decision")
    assert got.status_code == 200
    draft = got.json()
    assert draft["to"] == MAILBOX and draft["days_overdue"] == 9 and draft["due"] == "2027-03-01"
    assert draft["reply_by"] == "2027-03-24"  # 10 school working days after Wed 10 Mar 2027
    assert YOUR_REFERENCE in draft["body"]
    document = client.get("/api/openapi.json").json()
    assert "/api/processes/{workflow_id}/chase/{rule_id}" in document["paths"]
    assert "/api/processes/{workflow_id}/la-chase" in document["paths"]


# --- on the live stack ----------------------------------------------------------------------------------------------


@pytest.mark.devserver
def test_sending_a_chase_records_it_and_opens_its_follow_up(live) -> None:
    on = local_date(datetime.now(UTC))
    auth = {"authorization": f"Bearer {live.api_key}"}
    with httpx.Client(base_url=live.url, timeout=60) as http:
        body = {
            "case_ref": "RA-W002",
            "la": "Surrey",
            "needs_changed_on": (on - timedelta(days=40)).isoformat(),
            "last_assessment_on": (on - timedelta(days=800)).isoformat(),
            "owner": "senco",
        }
        started = http.post("/api/processes/reassessment", json=body, headers=auth)
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        sent_on = (on - timedelta(days=30)).isoformat()
        done = {"rule_id": "reassessment-earliest", "done_on": sent_on, "evidence": "request e-mailed"}
        recorded = http.post(f"/api/processes/{workflow_id}/step-done", json=done, headers=auth)
        assert recorded.status_code == 200, recorded.text
        for _ in range(100):  # the decision step opens after the update that closed the request returned
            draft = http.get(f"/api/processes/{workflow_id}/chase/reassessment-decision", headers=auth)
            if draft.status_code == 200:
                break
        assert draft.status_code == 200, draft.text
        letter = draft.json()
        assert letter["to"] is None and letter["days_overdue"] == 15  # Surrey has no profile: sent by hand

        token = csrf_of(http.get("/login").text)
        http.post("/login", data={"username": "senco", "password": PASSWORD, "csrf_token": token})
        form = f"/processes/{workflow_id}/chase/reassessment-decision"
        page = http.get(form).text
        assert "Record the letter as sent by me" in page
        fields = {
            "csrf_token": csrf_of(page),
            "subject": letter["subject"],
            "body": letter["body"].replace(YOUR_REFERENCE, "SCC/0042"),
        }
        posted = http.post(form, data=fields, follow_redirects=False)
        assert posted.status_code == 303 and posted.headers["location"] == "/cases/RA-W002?done=la-chased"
        case = text_of(http.get("/cases/RA-W002").text)
        assert f"The LA was chased about the LA decision on a re-assessment request on {fmt(on)} (15 days" in case
        assert "Follow-up of a chase letter to the LA" in case
        [process] = http.get("/api/cases/RA-W002", headers=auth).json()["processes"]
        follow = [s for s in process["steps"] if s["rule_id"] == "la-chase-follow-up"]
        assert [s["status"] for s in follow] == ["open"]
