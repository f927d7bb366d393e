"""An LA profile on the case page and the API (issue 25): the LA's practice date beside the step's statutory due
date, saying which is the law and which the LA's practice; the LA's portal and SEN team mailbox by its name. A case
of an LA with no profile shows neither. Fictional pupils, example.org addresses."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime

import pytest

from config.school_deadlines import deadline_for
from config.settings import LaPractice, Settings
from statutory import SchoolCalendar
from store.models import Process, Step
from workflows.models import PlanStepInput

MEETING = date(2027, 4, 21)  # Wed 21 Apr 2027: the law's advice date Tue 6 Apr, Kent's (6 weeks) Tue 9 Mar
ADVICE = "review-advice-circulation"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    kent = LaPractice(
        review_advice_weeks_before=6,
        portal_url="https://send-portal.kent.example.org/schools",
        mailbox="sen.team@kent.example.org",
    )
    return settings.model_copy(update={"las": {"Kent": kent}})


def seed(db, settings: Settings, case_ref: str, la: str) -> None:
    workflow_id = f"annual-review-{case_ref}"
    deadline = deadline_for(
        settings,
        PlanStepInput(rule_id=ADVICE, anchor=MEETING, owner="senco", escalate_to="senco", la=la),
        SchoolCalendar(),
    )
    with db.begin() as session:
        process = Process(
            workflow_id=workflow_id,
            kind="annual-review",
            case_ref=case_ref,
            la=la,
            owner="senco",
            status="open",
            received_on=date(2026, 5, 1),
            channel="email",
            opened_at=datetime(2026, 5, 1, 9, tzinfo=UTC),
            facts={},
        )
        session.add(process)
        session.add(
            Step(
                process=process,
                rule_id=ADVICE,
                instance=1,
                rule_version=deadline.rule_version,
                basis=deadline.basis,
                anchor=MEETING,
                due=deadline.due,
                target=deadline.target,
                explanation=deadline.explanation,
                owner="senco",
                status="open",
                la_practice_due=deadline.la_practice.due if deadline.la_practice else None,
                la_practice_note=deadline.la_practice.description if deadline.la_practice else None,
            )
        )


def text_of(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_case_page_shows_kents_date_beside_the_law_and_kents_portal_and_mailbox(db, settings, client):
    seed(db, settings, "AR-2501", "Kent")
    page = client.get("/cases/AR-2501").text
    due_cell = re.search(r'<td data-label="Due">(.*?)</td>', page, re.S)
    assert due_cell is not None
    assert text_of(due_cell.group(1)).strip() == (
        "Tue 6 Apr 2027 by law. Kent asks for the advice 6 weeks before the meeting, by Tue 9 Mar 2027: the LA's "
        "practice, not the law."
    )
    assert "Target" in page and '<time datetime="2027-03-09">Tue 9 Mar 2027</time>' in page  # the school's target
    assert (
        "The LA asks for this sooner than the law does, so the target is Tue 9 Mar 2027; the legal limit stays "
        "Tue 6 Apr 2027." in text_of(page)
    )
    assert '<a href="https://send-portal.kent.example.org/schools" rel="noopener noreferrer">Kent\'s portal' in page
    assert '<a href="mailto:sen.team@kent.example.org">sen.team@kent.example.org</a>' in page


def test_a_case_of_an_la_with_no_profile_shows_the_law_alone(db, settings, client):
    seed(db, settings, "AR-2502", "Surrey")
    page = client.get("/cases/AR-2502").text
    due_cell = re.search(r'<td data-label="Due">(.*?)</td>', page, re.S)
    assert due_cell is not None and text_of(due_cell.group(1)).strip() == "Tue 6 Apr 2027"
    assert "the LA's practice" not in page and "la-contact" not in page and "mailto:" not in page


def test_the_api_gives_the_las_practice_date_beside_the_due_date(db, settings, client):
    seed(db, settings, "AR-2501", "Kent")
    [process] = client.get("/api/cases/AR-2501").json()["processes"]
    [step] = process["steps"]
    assert (step["due"], step["target"], step["la_practice_due"]) == ("2027-04-06", "2027-03-09", "2027-03-09")
    assert step["la_practice_note"].startswith("Kent asks for the advice 6 weeks before the meeting")

    body = client.get(f"/api/deadline?rule={ADVICE}&from=2027-04-21&la=Kent").json()
    assert (body["due"], body["target"]) == ("2027-04-06", "2027-03-09")
    assert body["la_practice"] == {
        "la": "Kent",
        "due": "2027-03-09",
        "weeks_before_meeting": 6,
        "description": "Kent asks for the advice 6 weeks before the meeting, by Tue 9 Mar 2027: the LA's practice, "
        "not the law.",
    }
    assert client.get(f"/api/deadline?rule={ADVICE}&from=2027-04-21").json()["la_practice"] is None
    refused = client.get("/api/deadline?rule=review-report&from=2027-04-21&la=Kent")
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "la"]
