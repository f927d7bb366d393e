"""The JSON API and the forms against the real dev server and worker: idempotent starts, recording, the step
leaving the open list, the case timeline and the compliance figures."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from store.compliance import academic_year_of

pytestmark = pytest.mark.devserver


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def closed(http: httpx.Client, case_ref: str, seconds: float = 15) -> bool:
    """The case's process closes just after the update that ends it (its last records follow): wait, bounded."""
    for _ in range(int(seconds * 10)):
        if http.get(f"/api/cases/{case_ref}").json()["processes"][0]["status"] != "open":
            return True
        time.sleep(0.1)
    return False


def test_api_start_is_idempotent_then_record_sent(live) -> None:
    auth = {"authorization": f"Bearer {live.api_key}"}
    received = today() - timedelta(days=70)
    body = {"case_ref": "API-0001", "la": "Kent", "received_on": received.isoformat(), "owner": "senco"}
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:
        first = http.post("/api/processes/ehc-advice-request", json=body)
        assert first.status_code == 201, first.text
        workflow_id = first.json()["workflow_id"]
        assert workflow_id == f"ehc-advice-request-API-0001-{received:%Y%m%d}"
        assert first.json()["created"] is True

        again = http.post("/api/processes/ehc-advice-request", json=body)
        assert again.status_code == 200 and again.json()["workflow_id"] == workflow_id
        assert again.json()["created"] is False

        other_la = http.post("/api/processes/ehc-advice-request", json=body | {"la": "Medway"})
        assert other_la.status_code == 422 and other_la.json()["detail"][0]["loc"] == ["body", "la"]

        overdue = http.get("/api/steps", params={"view": "overdue"}).json()
        mine = [s for s in overdue["steps"] if s["case_ref"] == "API-0001"]
        assert len(mine) == 1 and mine[0]["rule_id"] == "ehc-advice" and mine[0]["overdue"]

        refused = http.post(f"/api/processes/{workflow_id}/exemption", json={"rule_id": "ehc-advice",
                                                                            "ground": "no-such-ground"})
        assert refused.status_code == 422, refused.text

        sent = http.post(f"/api/processes/{workflow_id}/advice-sent", json={"sent_on": today().isoformat()})
        assert sent.status_code == 200, sent.text
        assert sent.json()["state"]["step"]["status"] == "completed"
        assert not [s for s in http.get("/api/steps").json()["steps"] if s["case_ref"] == "API-0001"]

        case = http.get("/api/cases/API-0001").json()["processes"][0]
        assert case["steps"][0]["status"] == "completed" and case["steps"][0]["on_time"] is False
        assert "Completed" in [e["label"] for e in case["events"]]
        year = academic_year_of(date.fromisoformat(case["steps"][0]["due"]))
        figures = http.get("/api/compliance", params={"year": year}).json()
        assert any(r["key"] == "ehc-advice" and r["counted"] >= 1 for r in figures["by_rule"])

        gone = http.post(f"/api/processes/{workflow_id}/advice-sent", json={"sent_on": today().isoformat()})
        assert gone.status_code == 422  # the process has ended


def test_annual_review_forms_through_the_api(live) -> None:
    auth = {"authorization": f"Bearer {live.api_key}"}
    plan = today() - timedelta(days=200)
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:
        started = http.post("/api/processes/annual-review", json={"case_ref": "API-0002", "la": "Surrey",
                                                                   "plan_date": plan.isoformat()})
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        meeting = today() + timedelta(days=3)
        short = http.post(f"/api/processes/{workflow_id}/meeting", json={"meeting_on": meeting.isoformat()})
        assert short.status_code == 422
        assert short.json()["detail"][0]["loc"] == ["body", "meeting_on"] and "reg 20(3)" in short.text
        ok = http.post(f"/api/processes/{workflow_id}/meeting", json={"meeting_on": meeting.isoformat(),
                                                                      "short_notice": True})
        assert ok.status_code == 200, ok.text
        moved = http.post(f"/api/processes/{workflow_id}/reassignment", json={"rule_id": "review-notice",
                                                                              "owner": "head"})
        assert moved.status_code == 200, moved.text
        notice = [s for s in moved.json()["state"]["steps"] if s["rule_id"] == "review-notice"][-1]
        assert notice["owner"] == "head"
        timeline = http.get("/api/cases/API-0002").json()["processes"][0]
        assert "Reassigned" in [e["label"] for e in timeline["events"]]

        ceased = http.post(f"/api/processes/{workflow_id}/plan-ceased",
                           json={"ceased_on": today().isoformat(), "reason": "moved to another LA's area"})
        assert ceased.status_code == 200, ceased.text
        assert closed(http, "API-0002")
        assert http.post(f"/api/processes/{workflow_id}/plan-ceased", json={"ceased_on": today().isoformat(),
                                                                          "reason": "again"}).status_code == 422


def test_reassessment_decision_through_the_api(live) -> None:
    auth = {"authorization": f"Bearer {live.api_key}"}
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:
        started = http.post("/api/processes/reassessment", json={
            "case_ref": "API-0003", "la": "Kent", "needs_changed_on": (today() - timedelta(days=3)).isoformat(),
            "last_assessment_on": (today() - timedelta(days=300)).isoformat(), "owner": "senco"})
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        too_early = http.post(f"/api/processes/{workflow_id}/reassessment-decision",
                              json={"decided_on": today().isoformat(), "decision": "refused"})
        assert too_early.status_code == 422, too_early.text  # no request sent yet: no decision step open
        sent = http.post(f"/api/processes/{workflow_id}/step-done",
                         json={"rule_id": "reassessment-earliest", "done_on": today().isoformat()})
        assert sent.status_code == 200, sent.text
        bad = http.post(f"/api/processes/{workflow_id}/reassessment-decision",
                        json={"decided_on": today().isoformat(), "decision": "maybe"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "decision"]
        refused = http.post(f"/api/processes/{workflow_id}/reassessment-decision",
                            json={"decided_on": today().isoformat(), "decision": "refused", "evidence": "LA-REF-9"})
        assert refused.status_code == 200, refused.text
        assert closed(http, "API-0003")
