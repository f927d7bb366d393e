"""Overdue / Due soon with filters, sorting and counts; the case timeline; the outbox; compliance; CSV; audit."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.dashboard.seed import TODAY, seed
from tests.dashboard.test_pages import body_rows


def test_overdue_and_due_soon_views(client: TestClient, db) -> None:
    seed(db)
    overdue = client.get("/overdue").text
    assert "<h1>Overdue statutory steps</h1>" in overdue
    rows = body_rows(overdue)
    assert len(rows) == 1 and "EHC-0042" in rows[0] and "2 days overdue" in rows[0] and "EHC advice request" in rows[0]
    assert '<dd id="count-overdue">1</dd>' in overdue and '<dd id="count-open">3</dd>' in overdue
    soon = body_rows(client.get("/due-soon").text)
    assert len(soon) == 1 and "EHC-0007" in soon[0] and "review-report" in soon[0] and "4 days left" in soon[0]
    assert "Sam Example (TA)" in soon[0] and "Annual review" in soon[0]


def test_due_soon_window_is_configurable(make_client, db) -> None:
    from dashboard.web_settings import WebSettings

    seed(db)
    client = make_client("senco", web_settings=WebSettings(session_secret="s" * 40, due_soon_days=30))
    html = client.get("/due-soon").text
    assert len(body_rows(html)) == 2 and "Due within 30 days" in html


def test_filters_and_sorting(client: TestClient, db) -> None:
    seed(db)
    assert [("EHC-0007" in r) for r in body_rows(client.get("/?la=Medway").text)] == [True, True]
    assert len(body_rows(client.get("/?owner=ta").text)) == 1
    assert len(body_rows(client.get("/?rule=ehc-advice").text)) == 1
    assert len(body_rows(client.get("/?process=annual-review").text)) == 2
    assert "No statutory steps are open" in client.get("/?la=Nowhere").text
    by_due_desc = body_rows(client.get("/?sort=due&desc=1").text)
    assert "review-notice" in by_due_desc[0] and "ehc-advice" in by_due_desc[2]
    by_case = body_rows(client.get("/?sort=case").text)
    assert "EHC-0007" in by_case[0] and "EHC-0042" in by_case[2]
    html = client.get("/?la=Medway").text
    assert '<option value="Medway" selected>' in html  # the form keeps the choice, and works without JavaScript


def test_staff_see_only_their_own_steps_and_notices(client_as, db) -> None:
    seed(db)
    ta = client_as("ta")
    rows = body_rows(ta.get("/").text)
    assert len(rows) == 1 and "review-report" in rows[0]
    assert ta.get("/cases/EHC-0007").status_code == 200
    outbox = body_rows(ta.get("/outbox").text)
    assert len(outbox) == 1 and "failed" in outbox[0]
    assert "Record a step as done" in ta.get("/cases/EHC-0007").text
    assert "Record the review report as sent" in ta.get("/cases/EHC-0007").text
    assert "Set or move the review meeting" not in ta.get("/cases/EHC-0007").text


def test_case_timeline(client: TestClient, db) -> None:
    seed(db)
    html = client.get("/cases/EHC-0042").text
    assert "<h1>Case EHC-0042</h1>" in html
    assert "EHC advice request from Kent" in html
    assert "Open, 2 days overdue" in html
    assert "why ehc-advice" in html  # the explanation of the dates
    assert "Received" in html and "Reminder sent" in html and "7 days before the target" in html
    assert 'href="/temporal/namespaces/school-ns/workflows/' in html
    assert "Record the advice as sent" in html and "Record an exemption" in html and "withdrew" in html
    assert html.count('id="ehc-advice"') == 1  # the anchor that notices link to (/cases/REF#RULE)
    done = client.get("/cases/EHC-0100").text
    assert "Completed 2 days late" in done and "Completed on time" in done
    assert '<span class="tag">exemption</span> Ground: exceptional personal circumstances' in done  # not its id
    assert client.get("/cases/EHC-404").status_code == 404


def test_outbox_failures_first_for_everyone(client_as, db) -> None:
    seed(db)
    rows = body_rows(client_as("head").get("/outbox").text)
    assert "failed after 1 attempt" in rows[0] and "Sam Example (TA)" in rows[0]


def test_compliance_page_and_csv(client_as, db) -> None:
    seed(db)
    client = client_as("head")
    html = client.get("/compliance").text
    assert "Compliance, academic year 2026-27" in html
    # counted: ehc-advice open past due (late), ehc-advice completed late, ehc-final-plan on time (exempt)
    assert '<dd id="rate-all">33%</dd>' in html and '<dd id="rate-excl">0%</dd>' in html
    assert "<svg" in html and '<title id="by-rule-t">' in html
    assert (
        '<th scope="row" data-label="LA">Surrey</th><td data-label="On time (all steps)">1 of 2</td>'
        '<td data-label="On-time rate">50%</td><td data-label="On time (excluding exemptions)">0 of 1</td>'
        '<td data-label="On-time rate excluding exemptions">0%</td><td data-label="Exempted">1</td>'
    ) in html
    csv_response = client.get("/steps.csv")
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert len(rows) == 5
    assert {r["case_ref"] for r in rows} == {"EHC-0042", "EHC-0007", "EHC-0100"}
    late = next(r for r in rows if r["status"] == "completed" and r["on_time"] == "False")
    assert late["days_late"] == "2" and late["completed_on"] == "2027-02-20"
    assert (
        "no steps counted" in client.get("/compliance?year=2019").text
        or "No steps were due" in client.get("/compliance?year=2019").text
    )
    assert client.get("/compliance?year=abc").status_code == 422


def test_api_reads(client: TestClient, db) -> None:
    seed(db)
    data = client.get("/api/steps?view=overdue").json()
    assert data["today"] == TODAY.isoformat() and data["counts"]["overdue"] == 1
    assert data["steps"][0]["case_ref"] == "EHC-0042" and data["steps"][0]["status"] == "overdue"
    assert data["steps"][0]["temporal_url"].startswith("/temporal/namespaces/school-ns/workflows/")
    assert client.get("/api/steps?view=bogus").status_code == 422
    case = client.get("/api/cases/EHC-0042").json()
    assert case["processes"][0]["steps"][0]["explanation"] == ["why ehc-advice"]
    assert [e["label"] for e in case["processes"][0]["events"]][:2] == ["Received", "Step opened"]
    assert client.get("/api/outbox").json()[0]["status"] == "failed"
    assert client.get("/api/compliance?year=2026").json()["total"]["counted"] == 3
    assert len(client.get("/api/audit").json()) == 4
    assert client.get("/api/cases/EHC-404").status_code == 404


def test_audit_log(client_as, db) -> None:
    seed(db)
    html = client_as("auditor").get("/audit").text
    assert "<h1>Audit log</h1>" in html and "Reminder sent" in html and "EHC-0042" in html
