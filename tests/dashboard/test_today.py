"""Today: the SENCO's and staff's landing page says what to do today and this week as sentences, overdue first, with
the form that records each; the LA's deadlines and the parent's windows wait in their own section, never as the
school's overdue work; an earliest date is something that can be done, never late."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.dashboard.conftest import csrf_of
from tests.dashboard.seed import d, process, step

ADVICE = "ehc-advice-request-EHC-0042-20270111"


@pytest.fixture
def seeded(db) -> None:
    with db.begin() as session:
        advice = process(ADVICE, "EHC-0042", "Kent")
        review = process("annual-review-EHC-0007", "EHC-0007", "Medway", owner="ta", kind="annual-review")
        reassess = process("reassessment-EHC-0300-20270101", "EHC-0300", "Kent", kind="reassessment")
        draft = process(
            "draft-plan-consultation-EHC-0400-20270301", "EHC-0400", "Surrey", kind="draft-plan-consultation"
        )
        session.add_all([advice, review, reassess, draft])
        session.add_all(
            [
                step(advice, "ehc-advice", due=d(-3), target=d(-10), owner="senco"),
                step(advice, "ehc-assessment-decision", due=d(-4), target=d(-4), owner="senco"),
                step(review, "review-report", due=d(2), target=d(1), owner="ta"),
                step(review, "annual-review-due", due=d(60), target=d(50), owner="senco"),
                step(reassess, "reassessment-earliest", due=d(-91), target=d(-91), owner="senco"),
                step(draft, "draft-plan-representations", due=d(5), target=d(5), owner="senco"),
            ]
        )


def section(html: str, id_: str) -> str:
    found = re.search(rf'<ul class="today" id="{id_}">(.*?)</ul>', html, re.S)
    assert found, f"no section {id_}"
    return unescape(found.group(1))


def visible(html: str) -> str:
    """The page's text outside <details> (the detail a click away) and tags."""
    html = re.sub(r"<details>.*?</details>", "", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_senco_sees_the_day_as_sentences_overdue_first_with_the_form_that_records_each(seeded, client) -> None:
    r = client.get("/today")
    assert r.status_code == 200
    html = r.text
    overdue = section(html, "overdue")
    assert "Send your advice for EHC-0042 to Kent" in overdue
    assert 'Due Sun 7 Mar 2027, aim for Sun 28 Feb 2027. <strong class="state">3 days overdue.</strong>' in overdue
    assert f'href="/processes/{ADVICE}/advice-sent"' in overdue and "Record the advice as sent" in overdue
    week = section(html, "this-week")
    assert "Send the annual review report for EHC-0007 to everyone invited" in week and "2 days left" in week
    assert "Sam Example (TA)" in week  # whose it is, for the SENCO
    assert 'href="/processes/annual-review-EHC-0007/report-sent"' in week
    can_do = section(html, "can-do")
    assert "Ask Kent to re-assess EHC-0300" in can_do and "You can do it now" in can_do
    assert "overdue" not in can_do  # an earliest date is never late
    assert 'href="/processes/reassessment-EHC-0300-20270101/step-done?rule=reassessment-earliest"' in can_do
    waiting = section(html, "waiting")
    assert "Kent's decision whether to carry out an EHC needs assessment for EHC-0042" in waiting
    assert "Kent is 4 days late: chase them" in waiting
    assert "The parent's window for representations on the draft plan for EHC-0400" in waiting
    assert "Closes in 5 days" in waiting and "overdue" not in waiting
    assert "step-done?rule=draft-plan-representations" not in waiting  # a window closes by itself
    assert '<p id="later">1 more step further ahead is on <a href="/">Open steps</a>.</p>' in html
    # Overdue comes first on the page.
    assert html.index('id="overdue"') < html.index('id="this-week"') < html.index('id="waiting"')


def test_the_page_speaks_like_a_senco(seeded, client) -> None:
    text = visible(client.get("/today").text)
    for leak in ("['", "True", "False", "None", "ehc-advice", "reassessment-earliest", "C6", "Open in Temporal"):
        assert leak not in text, leak
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_staff_see_their_own_steps_and_may_record_them(seeded, client_as) -> None:
    html = client_as("ta").get("/today").text
    assert "Send the annual review report for EHC-0007 to everyone invited" in html
    assert "EHC-0042" not in html and "EHC-0300" not in html
    assert 'href="/processes/annual-review-EHC-0007/report-sent"' in html
    assert "Your steps only." in html


def test_leadership_may_read_it_but_records_nothing(seeded, client_as) -> None:
    html = client_as("head").get("/today").text
    assert "Send your advice for EHC-0042 to Kent" in html
    assert 'class="button"' not in html


def test_a_quiet_week_says_so(client) -> None:
    assert "Nothing is due this week." in client.get("/today").text


@pytest.mark.parametrize(("username", "landing"), [("senco", "/today"), ("ta", "/today"), ("head", "/")])
def test_the_senco_and_staff_land_on_today(make_client, username, landing) -> None:
    from tests.dashboard.conftest import PASSWORD

    client = make_client()
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == landing
    assert 'href="/today"' in client.get(landing).text or username == "head"


def test_every_rule_is_said_as_a_sentence() -> None:
    from statutory.actions import missing_sentences, sentence

    assert missing_sentences() == []
    assert sentence("ehc-advice", "EHC-1", "Kent") == "Send your advice for EHC-1 to Kent"


def test_short_notice_agreed_is_said_as_such_and_still_counts_as_late(db, client) -> None:
    with db.begin() as session:
        review = process("annual-review-EHC-0500", "EHC-0500", "Kent", kind="annual-review")
        review.facts = {"meeting_on": d(8).isoformat(), "short_notice": True}
        session.add(review)
        session.add(step(review, "review-notice", due=d(-6), target=d(-6), owner="senco"))
    overdue = section(client.get("/today").text, "overdue")
    assert "Send notice of the annual review meeting for EHC-0500 to everyone invited" in overdue
    assert (
        "6 days overdue: short notice was agreed for the meeting on Thu 18 Mar 2027, so the law's two weeks could "
        "not be given; do it now." in overdue
    )
    table = client.get("/overdue").text
    assert "short notice agreed" in table and "6 days overdue" in table
