"""Case pages by role (dashboard/scope.py; SECURITY.md "Who may see what"). Staff see the steps they own and, of the
case, only what those steps need: the case reference, the process (kind, LA, date received), their steps' dates, rule
and explanation, their record forms and their steps' own history. The SENCO, leadership and the auditor see
everything: every step, the process's owner, outcome and facts, every event with its notes, every notice. A case or
process with none of a staff member's steps is a 404 for them, the same as an unknown reference. The same on the
pages, the API and the calendar feeds.

Once a staff member who owned one step saw the whole case: the SENCO's notes and evidence, the meeting and the LA's
decision, every other step and its owner, and the case's whole event log."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from store.accounts_queries import add_account, add_token
from store.credentials import new_token, token_digest
from store.models import Event, Outbox
from tests.dashboard.conftest import _HASH
from tests.dashboard.seed import OPENED, d, process, seed, step

SHARED = "annual-review-EHC-0500"  # the TA owns review-report (cycle 1 done, cycle 2 open); the SENCO the rest
NOT_THEIRS = "EHC-0600"  # only the SENCO's steps
# Text only the SENCO, leadership and the auditor may read: each must be on their pages and never on the TA's.
SECRETS = (
    "SENCO-NOTE-ON-HER-STEP",
    "SENCO-REASON-ON-THE-TAS-STEP",
    "SENCO-MEETING-NOTE",
    "FACT-LA-DECISION",
    "OUTCOME-OF-THE-REVIEW",
    "NOTICE-TO-THE-SENCO",
    "EHC-0600-NOTICE",
)
TAS_OWN = ("TA-OWN-EVIDENCE", "NOTICE-TO-THE-TA")


def seed_shared(db) -> None:
    seed(db)
    at = OPENED + timedelta(days=1)
    with db.begin() as session:
        review = process(SHARED, "EHC-0500", "Kent", kind="annual-review")
        review.facts = {"meeting_on": "2027-04-01", "decision": "FACT-LA-DECISION"}
        review.outcome = "OUTCOME-OF-THE-REVIEW"
        other = process("ehc-advice-request-EHC-0600-20270111", NOT_THEIRS, "Kent")
        session.add_all([review, other])
        session.add_all(
            [
                step(
                    review,
                    "review-report",
                    due=d(-300),
                    target=d(-301),
                    owner="ta",
                    status="completed",
                    completed_on=d(-302),
                    on_time=True,
                    days_late=0,
                ),
                step(review, "review-report", due=d(6), target=d(5), owner="ta", instance=2),
                step(
                    review,
                    "review-notice",
                    due=d(20),
                    target=d(18),
                    owner="senco",
                    status="completed",
                    completed_on=d(-1),
                    on_time=True,
                    days_late=0,
                ),
                step(other, "ehc-advice", due=d(10), target=d(8), owner="senco"),
            ]
        )
        session.flush()
        session.add_all(
            [
                Event(key=f"{SHARED}/opened", process_id=SHARED, kind="process-opened", occurred_at=OPENED, data={}),
                Event(
                    key=f"{SHARED}/review-report/completed",
                    process_id=SHARED,
                    kind="completed",
                    occurred_at=at,
                    rule_id="review-report",
                    actor="ta",
                    data={"evidence": "TA-OWN-EVIDENCE", "completed_on": d(-302).isoformat()},
                ),
                Event(
                    key=f"{SHARED}/review-report#2/opened",
                    process_id=SHARED,
                    kind="step-opened",
                    occurred_at=at,
                    rule_id="review-report",
                    data={"due": d(6).isoformat(), "target": d(5).isoformat()},
                ),
                Event(
                    key=f"{SHARED}/review-report#2/2027-03-01",
                    process_id=SHARED,
                    kind="step-replanned",
                    occurred_at=at + timedelta(hours=1),
                    rule_id="review-report",
                    actor="senco",
                    data={"reason": "SENCO-REASON-ON-THE-TAS-STEP", "due": d(6).isoformat()},
                ),
                Event(
                    key=f"{SHARED}/review-notice/completed",
                    process_id=SHARED,
                    kind="completed",
                    occurred_at=at,
                    rule_id="review-notice",
                    actor="senco",
                    data={"note": "SENCO-NOTE-ON-HER-STEP"},
                ),
                Event(
                    key=f"{SHARED}/cycle-1/meeting/x",
                    process_id=SHARED,
                    kind="meeting-set",
                    occurred_at=at,
                    actor="senco",
                    data={"note": "SENCO-MEETING-NOTE", "meeting_on": "2027-04-01"},
                ),
            ]
        )
        t = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)
        for i, (recipient, subject) in enumerate(
            [
                ("senco", "EHC-0500 NOTICE-TO-THE-SENCO"),
                ("ta", "EHC-0500 NOTICE-TO-THE-TA"),
                ("senco", "EHC-0600-NOTICE"),
            ]
        ):
            session.add(
                Outbox(
                    key=f"shared-{i}",
                    kind="reminder",
                    recipient=recipient,
                    channel="outbox",
                    subject=subject,
                    body="fictional",
                    status="kept",
                    attempts=0,
                    scheduled_for=t,
                    created_at=t + timedelta(minutes=i),
                    process_id=None,
                )
            )


@pytest.fixture
def shared(db):
    seed_shared(db)
    return db


def test_staff_see_only_their_steps_of_a_case_on_the_page(client_as, shared) -> None:
    html = client_as("ta").get("/cases/EHC-0500").text
    assert "Annual review report to everyone invited" in html and "(cycle 2)" in html  # the rule title, both cycles
    assert "review-notice" not in html and "Notice of the annual review meeting" not in html  # the SENCO's step
    assert not [s for s in SECRETS if s in html]
    assert "Owner: senco" not in html and "Owner: Alex Example (SENCO)" not in html
    assert "meeting-set" not in html.lower() and "Meeting set" not in html
    assert "TA-OWN-EVIDENCE" in html  # their own history, with their own words
    assert "Step replanned" in html  # what the SENCO did to their step: when, and the new dates, not her reason
    assert "History of your steps" in html and "Record the review report as sent" in html
    assert "Download history" not in html and "Replay and check" not in html


@pytest.mark.parametrize("username", ["senco", "head", "auditor"])
def test_the_senco_leadership_and_the_auditor_see_the_whole_case(client_as, shared, username) -> None:
    html = client_as(username).get("/cases/EHC-0500").text
    for text in (
        "SENCO-NOTE-ON-HER-STEP",
        "SENCO-REASON-ON-THE-TAS-STEP",
        "SENCO-MEETING-NOTE",
        "TA-OWN-EVIDENCE",
        "OUTCOME-OF-THE-REVIEW",
        "review-notice",
        "Owner: Alex Example (SENCO)",  # the process's owner by name (issue 23); the staff id in its details only
    ):
        assert text in html, (username, text)
    case = client_as(username).get("/api/cases/EHC-0500").json()["processes"][0]
    assert case["owner"] == "senco" and case["facts"]["decision"] == "FACT-LA-DECISION"
    assert {s["rule_id"] for s in case["steps"]} == {"review-report", "review-notice"}
    assert len(case["events"]) == 6


def test_staff_get_only_their_steps_of_a_case_from_the_api(client_as, shared) -> None:
    body = client_as("ta").get("/api/cases/EHC-0500").json()
    [case] = body["processes"]
    assert case["workflow_id"] == SHARED and case["la"] == "Kent" and case["process"] == "annual-review"
    assert case["owner"] is None and case["outcome"] is None and case["facts"] is None  # not "none": not theirs
    assert [(s["rule_id"], s["instance"], s["owner"]) for s in case["steps"]] == [
        ("review-report", 1, "ta"),
        ("review-report", 2, "ta"),
    ]
    assert case["steps"][1]["title"] == "Annual review report to everyone invited"
    assert [e["kind"] for e in case["events"]] == ["completed", "step-opened", "step-replanned"]
    replanned = case["events"][2]
    assert replanned["actor"] == "senco" and replanned["data"] == {"due": d(6).isoformat()}
    assert case["events"][0]["data"]["evidence"] == "TA-OWN-EVIDENCE"  # theirs, with their words
    assert not [s for s in SECRETS if s in json.dumps(body)]


@pytest.mark.parametrize("path", ["/cases/{ref}", "/api/cases/{ref}"])
def test_a_case_with_none_of_their_steps_is_not_found_for_staff_as_an_unknown_one(client_as, shared, path) -> None:
    ta = client_as("ta")
    hidden, unknown = ta.get(path.format(ref=NOT_THEIRS)), ta.get(path.format(ref="EHC-9999"))
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text.replace(NOT_THEIRS, "REF") == unknown.text.replace("EHC-9999", "REF")  # nothing tells them apart
    assert client_as("head").get(path.format(ref=NOT_THEIRS)).status_code == 200


def test_staff_get_404_for_the_record_forms_of_a_process_with_none_of_their_steps(client_as, shared) -> None:
    ta = client_as("ta")
    other = "ehc-advice-request-EHC-0600-20270111"
    for name in ("advice-sent", "step-done", "exemption"):
        assert ta.get(f"/processes/{other}/{name}").status_code == 404
        assert ta.get(f"/processes/ehc-advice-request-EHC-9999-20270111/{name}").status_code == 404
    assert ta.get(f"/processes/{SHARED}/report-sent").status_code == 200  # theirs
    assert ta.get(f"/processes/{SHARED}/meeting").status_code == 403  # theirs to see, not to do


def test_steps_lists_and_filters_are_staff_own(client_as, shared) -> None:
    ta = client_as("ta")
    steps = ta.get("/api/steps").json()["steps"]
    assert {(s["case_ref"], s["rule_id"], s["owner"]) for s in steps} == {
        ("EHC-0007", "review-report", "ta"),
        ("EHC-0500", "review-report", "ta"),
    }
    assert ta.get("/api/steps?owner=senco").json()["steps"] == []
    html = ta.get("/").text
    assert '<option value="senco"' not in html and "EHC-0600" not in html and "EHC-0042" not in html


def test_the_outbox_is_staff_own_on_the_page_and_the_api(client_as, shared) -> None:
    ta = client_as("ta")
    subjects = [m["subject"] for m in ta.get("/api/outbox").json()]
    assert subjects and all(m["recipient_id"] == "ta" for m in ta.get("/api/outbox").json())
    assert "EHC-0500 NOTICE-TO-THE-TA" in subjects and not [s for s in SECRETS if s in json.dumps(subjects)]
    html = ta.get("/outbox").text
    assert "NOTICE-TO-THE-TA" in html and not [s for s in SECRETS if s in html]
    everyone = json.dumps(client_as("head").get("/api/outbox").json())
    assert "NOTICE-TO-THE-SENCO" in everyone and "NOTICE-TO-THE-TA" in everyone


@pytest.mark.parametrize(
    "path",
    [
        "/steps.csv",
        "/api/steps.csv",
        "/compliance",
        "/api/compliance",
        "/las",
        "/las/Kent",
        "/las.csv",
        "/api/las",
        "/api/las/Kent",
        "/api/las.csv",
        "/audit",
        "/api/audit",
        f"/api/processes/{SHARED}/history",
        f"/api/processes/{SHARED}/replay",
        f"/cases/EHC-0500/processes/{SHARED}/history.json",
    ],
)
def test_exports_reports_and_the_audit_stay_closed_to_staff(client_as, shared, path) -> None:
    assert client_as("ta").get(path).status_code == 403


def test_an_account_without_a_staff_id_sees_no_steps(make_client, shared) -> None:
    with shared.begin() as session:
        add_account(session, username="nobody", password_hash=_HASH, role="staff", staff_id=None)
    client = make_client("nobody")
    assert client.get("/api/steps").json()["steps"] == [] and client.get("/api/outbox").json() == []
    assert client.get("/api/cases/EHC-0500").status_code == 404


def feed(make_client, db, kind: str, staff_id: str | None) -> Calendar:
    secret = new_token()
    with db.begin() as session:
        add_token(session, digest=token_digest(secret), kind=kind, staff_id=staff_id, label="test")
    return Calendar.from_ical(make_client().get(f"/feeds/{secret}.ics").content)


def test_calendar_feeds_follow_the_same_scope(make_client, shared) -> None:
    def cases(cal: Calendar) -> set[str]:
        # The case each event is for (its title says the step as a sentence, the case in it).
        return {re.search(r"EHC-\d{4}", str(e["summary"])).group() for e in cal.walk("VEVENT")}

    assert cases(feed(make_client, shared, "feed-staff", "ta")) == {"EHC-0007", "EHC-0500"}
    assert cases(feed(make_client, shared, "feed-school", None)) == {"EHC-0007", "EHC-0042", "EHC-0500", "EHC-0600"}
    assert cases(feed(make_client, shared, "feed-staff", None)) == set()  # never "every step"


def test_one_place_decides_what_a_role_sees() -> None:
    """Pages, API and feeds ask dashboard.scope; none of them reads the role's reach itself."""
    from pathlib import Path

    import dashboard

    readers = [
        p.name
        for p in Path(dashboard.__file__).parent.glob("*.py")
        if "sees_all" in p.read_text() and p.name not in ("auth.py", "scope.py")
    ]
    assert readers == [], f"these modules decide what a role sees themselves: {readers}"
