"""The audit in the product: the case page offers each process's history download and its replay verdict, for the
SENCO and the auditor only. Most tests serve a committed history from the archive (Temporal out of reach); the last
runs a process on the real dev server and reads it back through the dashboard."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from audit import history
from audit.archive import Archive
from tests.audit.conftest import apply_history, history_path
from tests.dashboard.seed import seed

WID = "ehc-advice-request-EHC-H001-20261122"  # tests/histories/ehc_advice_late.json
CASE = "EHC-H001"
PAGE_HISTORY = f"/cases/{CASE}/processes/{WID}/history.json"
PAGE_REPLAY = f"/cases/{CASE}/processes/{WID}/replay"
API_HISTORY = f"/api/processes/{WID}/history"
API_REPLAY = f"/api/processes/{WID}/replay"
ROUTES = [PAGE_HISTORY, PAGE_REPLAY, API_HISTORY, API_REPLAY]


class Unreachable:
    """A client factory for a Temporal that cannot be reached (what Client.connect raises then)."""

    async def __call__(self):
        raise RuntimeError("Failed client connect: connection refused")


@pytest.fixture
def archived(settings, db):
    """The late advice request of EHC-H001 in the database and in the archive; EHC-0042 and others seeded too."""
    seed(db)
    runs = history.load(history_path("ehc_advice_late"))
    apply_history(db, runs)
    Archive.for_settings(settings).store(runs[0], case_ref=CASE)
    return runs


@pytest.fixture
def audit_client(make_client, archived):
    def make(username: str | None):
        return make_client(username, client_factory=Unreachable())

    return make


@pytest.mark.parametrize("username", ["senco", "auditor"])
def test_the_senco_and_the_auditor_get_the_history_and_the_verdict(audit_client, settings, username):
    client = audit_client(username)
    page = client.get(f"/cases/{CASE}")
    assert page.status_code == 200
    assert f'href="{PAGE_HISTORY}" download>Download history (JSON)' in page.text
    assert f'href="{PAGE_REPLAY}">Replay and check' in page.text

    download = client.get(PAGE_HISTORY)
    assert download.status_code == 200 and download.headers["content-type"] == "application/json"
    assert download.headers["content-disposition"] == f'attachment; filename="{WID}-history.json"'
    # Exactly `temporal workflow show --output json` (one run), as `sendclock audit export` writes it.
    assert download.json() == json.loads(history_path("ehc_advice_late").read_text())
    assert client.get(API_HISTORY).json() == download.json()

    replay = client.get(PAGE_REPLAY)
    assert replay.status_code == 200, replay.text
    text = replay.text
    assert (
        "<strong>Reproduces:</strong> the current code reproduces every recorded decision (1 run, 160 events)" in text
    )
    assert (
        "History from the archive (Temporal is not reachable)" in text
        and str(Archive.for_settings(settings).root) not in text
    )
    assert "due Sun 3 Jan 2027, target Thu 31 Dec 2026" in text
    assert "done on Tue 12 Jan 2027, late by 9 days" in text
    assert "Overdue escalation for &#39;Advice to the LA for an EHC needs assessment&#39; sent to" in text

    api = client.get(API_REPLAY)
    assert api.status_code == 200
    body = api.json()
    assert body["verdict"]["reproduced"] is True and body["verdict"]["divergences"] == []
    assert "reproduces every recorded decision" in body["verdict"]["text"]
    assert "the archive" in body["origin"] and "/" not in body["origin"]
    t = body["timeline"]
    assert (t["case_ref"], t["process"], t["la"], t["received_on"]) == (
        CASE,
        "ehc-advice-request",
        "Kent",
        "2026-11-22",
    )
    [step] = t["steps"]
    assert (step["due"], step["target"], step["on_time"], step["days_late"]) == ("2027-01-03", "2026-12-31", False, 9)
    assert t["entries"][0]["kind"] == "request-received" and t["entries"][-1]["kind"] == "process-closed"


def test_code_that_decides_differently_is_named_with_the_diverging_event(audit_client, monkeypatch):
    from dashboard import audit_views
    from tests.audit.changed_workflows import AdviceWaitsBeforeClosing

    monkeypatch.setattr(audit_views, "replay_workflows", lambda: [AdviceWaitsBeforeClosing])
    client = audit_client("auditor")
    page = client.get(PAGE_REPLAY)
    assert page.status_code == 200
    assert (
        "<strong>Does not reproduce:</strong> the current code does NOT reproduce the recorded decisions" in page.text
    )
    assert "(ActivityTaskScheduled, the history schedules activity &#39;record&#39;" in page.text
    assert "late by 9 days" in page.text  # the record itself stands
    verdict = client.get(API_REPLAY).json()["verdict"]
    assert verdict["reproduced"] is False and verdict["divergences"][0]["event_type"] == "ActivityTaskScheduled"


@pytest.mark.parametrize("username", ["head", "ta"])
def test_leadership_and_staff_get_no_links_and_403(audit_client, db, username):
    client = audit_client(username)
    if username == "head":  # the TA owns no step of this case, so does not see it at all
        page = client.get(f"/cases/{CASE}")
        assert page.status_code == 200 and "Download history" not in page.text and "Replay and check" not in page.text
    for path in ROUTES:
        assert client.get(path).status_code == 403, path


def test_signed_out_pages_redirect_and_the_api_says_401(audit_client):
    client = audit_client(None)
    for path in (PAGE_HISTORY, PAGE_REPLAY):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    for path in (API_HISTORY, API_REPLAY):
        response = client.get(path)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_a_process_of_another_case_or_unknown_is_404_and_a_bad_id_4xx(audit_client):
    client = audit_client("auditor")
    other = "ehc-advice-request-EHC-0042-20270111"  # seeded, of case EHC-0042
    for path in (
        f"/cases/{CASE}/processes/{other}/replay",
        f"/cases/{CASE}/processes/{other}/history.json",
        f"/cases/EHC-0042/processes/{WID}/history.json",
        f"/cases/EHC-0042/processes/{WID}/replay",
    ):
        response = client.get(path)
        assert response.status_code == 404 and "workflow_id: no process" in response.text, path
    assert client.get("/api/processes/ehc-advice-request-EHC-9999-20270101/replay").status_code == 404
    for bad in (
        "annual-review-..",
        "...",
        "ehc-advice-request-EHC-H001",
        "x" * 300,
        "ehc-advice-request-EHC%20H001-20261122",
    ):
        for path in (
            f"/cases/{CASE}/processes/{bad}/history.json",
            f"/api/processes/{bad}/history",
            f"/api/processes/{bad}/replay",
        ):
            response = client.get(path)
            assert response.status_code == 422 and "workflow_id" in response.text, (path, response.status_code)
    for traversal in ("..", "..%2F..%2Fetc", "%2e%2e"):  # never reaches the archive: no route, or refused
        assert client.get(f"/api/processes/{traversal}/history").status_code in (404, 422)


def test_no_history_anywhere_is_404_and_temporal_unreachable_without_archive_is_503(audit_client, settings):
    client = audit_client("senco")
    response = client.get("/api/processes/ehc-advice-request-EHC-0042-20270111/history")  # in the db, not archived
    assert response.status_code == 503 and "Temporal cannot be reached" in response.json()["detail"]
    assert client.get("/cases/EHC-0042/processes/ehc-advice-request-EHC-0042-20270111/replay").status_code == 503


def test_the_replay_uses_the_workers_workflows_without_importing_the_worker():
    from dashboard.audit_views import replay_workflows
    from worker import WORKFLOWS

    assert replay_workflows() == WORKFLOWS
    code = "import sys, dashboard.app, dashboard.audit_views; print('worker' in sys.modules, 'apprise' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


# --- end to end on the real dev server (the session's: tests/conftest.py) --------------------------------------


@pytest.mark.devserver
async def test_a_process_run_on_temporal_is_downloaded_and_replayed_from_the_dashboard(
    devserver, settings, db, make_client
):
    from activities.sendclock import SendclockActivities
    from starter.advice import advice_sent, start_advice_request
    from statutory.clock import local_date
    from worker import build_worker
    from workflows.ehc_advice import EhcAdviceRequest
    from workflows.models import AdviceRequest, AdviceSent

    settings.temporal.address = devserver.client.service_client.config.target_host
    settings.temporal.namespace = "default"
    settings.temporal.task_queue = f"dashboard-audit-{uuid.uuid4().hex[:8]}"
    today = local_date(datetime.now(UTC))
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(devserver.client, settings, SendclockActivities(settings, db), executor=executor):
            started = await start_advice_request(
                devserver.client,
                settings,
                AdviceRequest(case_ref="EHC-0331", la="Kent", received_on=today - timedelta(days=10), owner="senco"),
            )
            workflow_id = started.state.workflow_id
            await advice_sent(devserver.client, settings, workflow_id, AdviceSent(sent_on=today, by="senco"))
            await devserver.client.get_workflow_handle_for(EhcAdviceRequest.run, workflow_id).result()

    client = make_client("auditor", client_factory=None)  # the dashboard's own connection (starter.client)
    case = client.get("/cases/EHC-0331")
    base = f"/cases/EHC-0331/processes/{workflow_id}"
    assert case.status_code == 200 and f'href="{base}/replay">Replay and check' in case.text

    download = client.get(f"{base}/history.json")
    assert download.status_code == 200, download.text
    assert f'filename="{workflow_id}-history.json"' in download.headers["content-disposition"]
    document = download.json()
    assert isinstance(document["events"], list) and len(document["events"]) > 10
    assert document["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert document["events"][-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"

    page = client.get(f"{base}/replay")
    assert page.status_code == 200, page.text
    assert "<strong>Reproduces:</strong> the current code reproduces every recorded decision" in page.text
    assert "History from Temporal" in page.text
    assert "Case EHC-0331, LA Kent." in page.text and "Statutory steps" in page.text
    assert "Request received on" in page.text and ", on time" in page.text
    api = client.get(f"/api/processes/{workflow_id}/replay").json()
    assert api["verdict"]["reproduced"] is True and api["timeline"]["closed"] is True
    assert api["timeline"]["steps"][0]["completed_on"] == today.isoformat()

    # A process Temporal no longer has (deleted after its retention): served from the archive.
    runs = history.load(history_path("ehc_advice_late"))
    apply_history(db, runs)
    Archive.for_settings(settings).store(runs[0], case_ref=CASE)
    page = client.get(PAGE_REPLAY)
    assert page.status_code == 200 and "History from the archive (Temporal no longer has it)" in page.text
    assert "reproduces every recorded decision (1 run, 160 events)" in page.text
    assert client.get(PAGE_HISTORY).json() == json.loads(history_path("ehc_advice_late").read_text())


# --- the case's audit report (issue 21, finding 5) -------------------------------------------------------------------

REPORT = f"/cases/{CASE}/audit-report"
REPORT_ROUTES = [REPORT, f"{REPORT}.html", f"{REPORT}.pdf"]


@pytest.mark.parametrize("username", ["senco", "auditor"])
def test_the_senco_and_the_auditor_get_the_case_report_as_a_page_html_and_pdf(audit_client, username):
    from audit.report import chromium

    client = audit_client(username)
    replay = client.get(PAGE_REPLAY)
    assert f'<a href="{REPORT}">Audit report<span class="visually-hidden"> of case {CASE}</span></a>' in replay.text
    assert "<caption>Who was told, and how it went then</caption>" in replay.text  # finding 4, on the same page
    notices = client.get(API_REPLAY).json()["timeline"]["notices"]
    assert [n["kind"] for n in notices] == ["assigned"] + ["reminder"] * 4 + ["overdue"] * 2 + ["completed"]
    assert notices[-1]["deliveries"] == [
        {"recipient": "teacher", "channel": "outbox", "status": "kept"},
        {"recipient": "senco", "channel": "outbox", "status": "kept"},
    ]

    page = client.get(REPORT)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "Audit report: case EHC-H001" in text and "Was every statutory deadline met?" in text
    assert "<strong>No.</strong> 1 of 1 statutory date was missed." in text and ">9 days late<" in text
    assert "Note: \u201csent by e-mail\u201d." in text  # the SENCO's and the auditor's copy has staff's notes
    assert "The school's database matches this history" in text.replace("&#39;", "'")
    assert f'<a href="{REPORT}.pdf">Download the report (PDF)</a>' in text and f'href="/cases/{CASE}"' in text
    assert "True" not in text and "UTC" not in text

    download = client.get(f"{REPORT}.html")
    assert (
        download.status_code == 200
        and download.headers["content-disposition"] == f'attachment; filename="{CASE}-audit-report.html"'
    )
    assert "Was every statutory deadline met?" in download.text and "Download the report" not in download.text

    pdf = client.get(f"{REPORT}.pdf")
    if chromium() is None:
        assert pdf.status_code == 503 and "Chromium" in pdf.text  # a page route: the error as a page
        return
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="{CASE}-audit-report.pdf"'
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("username", ["head", "ta"])
def test_leadership_and_staff_get_403_for_the_case_report(audit_client, username):
    client = audit_client(username)
    for path in REPORT_ROUTES + ["/cases/EHC-9999/audit-report", "/cases/bad%20ref/audit-report.pdf"]:
        assert client.get(path).status_code == 403, path


def test_the_case_report_needs_a_signed_in_auditor_and_a_known_case(audit_client):
    for path in REPORT_ROUTES:
        response = audit_client(None).get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    client = audit_client("auditor")
    assert client.get("/cases/EHC-9999/audit-report").status_code == 404
    assert client.get("/cases/bad%20ref/audit-report").status_code == 422
    # In the database, but neither Temporal (unreachable) nor the archive has its history.
    assert client.get("/cases/EHC-0042/audit-report").status_code == 503
