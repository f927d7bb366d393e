"""The JSON API and the forms against the real dev server and worker: idempotent starts, recording, the step
leaving the open list, the case timeline and the compliance figures; a transfer year met by the final plan, and a
decision to cease with its appeal."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import jsonschema
import pytest

from statutory.clock import fmt
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


def matches_document(http: httpx.Client, path: str, response: httpx.Response) -> None:
    """The live answer validates against the schema the OpenAPI document declares for its status (typed POST
    answers: what a generated client or a Power Automate connector reads)."""
    doc = http.get("/api/openapi.json").json()
    declared = doc["paths"][path]["post"]["responses"][str(response.status_code)]
    jsonschema.validate(
        response.json(), declared["content"]["application/json"]["schema"] | {"components": doc["components"]}
    )


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
        for response in (first, again):
            matches_document(http, "/api/processes/ehc-advice-request", response)

        other_la = http.post("/api/processes/ehc-advice-request", json=body | {"la": "Medway"})
        assert other_la.status_code == 422 and other_la.json()["detail"][0]["loc"] == ["body", "la"]
        matches_document(http, "/api/processes/ehc-advice-request", other_la)

        overdue = http.get("/api/steps", params={"view": "overdue"}).json()
        mine = [s for s in overdue["steps"] if s["case_ref"] == "API-0001"]
        assert len(mine) == 1 and mine[0]["rule_id"] == "ehc-advice" and mine[0]["overdue"]

        refused = http.post(
            f"/api/processes/{workflow_id}/exemption", json={"rule_id": "ehc-advice", "ground": "no-such-ground"}
        )
        assert refused.status_code == 422, refused.text

        sent = http.post(f"/api/processes/{workflow_id}/advice-sent", json={"sent_on": today().isoformat()})
        assert sent.status_code == 200, sent.text
        assert sent.json()["state"]["step"]["status"] == "completed"
        matches_document(http, "/api/processes/{workflow_id}/advice-sent", sent)
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
        started = http.post(
            "/api/processes/annual-review", json={"case_ref": "API-0002", "la": "Surrey", "plan_date": plan.isoformat()}
        )
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        meeting = today() + timedelta(days=3)
        short = http.post(f"/api/processes/{workflow_id}/meeting", json={"meeting_on": meeting.isoformat()})
        assert short.status_code == 422
        assert short.json()["detail"][0]["loc"] == ["body", "meeting_on"] and "reg 20(3)" in short.text
        ok = http.post(
            f"/api/processes/{workflow_id}/meeting", json={"meeting_on": meeting.isoformat(), "short_notice": True}
        )
        assert ok.status_code == 200, ok.text
        moved = http.post(
            f"/api/processes/{workflow_id}/reassignment", json={"rule_id": "review-notice", "owner": "head"}
        )
        assert moved.status_code == 200, moved.text
        notice = [s for s in moved.json()["state"]["steps"] if s["rule_id"] == "review-notice"][-1]
        assert notice["owner"] == "head"
        timeline = http.get("/api/cases/API-0002").json()["processes"][0]
        assert "Reassigned" in [e["label"] for e in timeline["events"]]

        ceased = http.post(
            f"/api/processes/{workflow_id}/plan-ceased",
            json={"ceased_on": today().isoformat(), "reason": "moved to another LA's area"},
        )
        assert ceased.status_code == 200, ceased.text
        assert closed(http, "API-0002")
        assert (
            http.post(
                f"/api/processes/{workflow_id}/plan-ceased", json={"ceased_on": today().isoformat(), "reason": "again"}
            ).status_code
            == 422
        )


def test_reassessment_decision_through_the_api(live) -> None:
    auth = {"authorization": f"Bearer {live.api_key}"}
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:
        started = http.post(
            "/api/processes/reassessment",
            json={
                "case_ref": "API-0003",
                "la": "Kent",
                "needs_changed_on": (today() - timedelta(days=3)).isoformat(),
                "last_assessment_on": (today() - timedelta(days=300)).isoformat(),
                "owner": "senco",
            },
        )
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        too_early = http.post(
            f"/api/processes/{workflow_id}/reassessment-decision",
            json={"decided_on": today().isoformat(), "decision": "refused"},
        )
        assert too_early.status_code == 422, too_early.text  # no request sent yet: no decision step open
        sent = http.post(
            f"/api/processes/{workflow_id}/step-done",
            json={"rule_id": "reassessment-earliest", "done_on": today().isoformat()},
        )
        assert sent.status_code == 200, sent.text
        bad = http.post(
            f"/api/processes/{workflow_id}/reassessment-decision",
            json={"decided_on": today().isoformat(), "decision": "maybe"},
        )
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "decision"]
        refused = http.post(
            f"/api/processes/{workflow_id}/reassessment-decision",
            json={"decided_on": today().isoformat(), "decision": "refused", "evidence": "LA-REF-9"},
        )
        assert refused.status_code == 200, refused.text
        assert closed(http, "API-0003")


def held_today(http: httpx.Client, workflow_id: str) -> None:
    """Set the meeting for today (short notice, recorded) and hold it."""
    r = http.post(
        f"/api/processes/{workflow_id}/meeting", json={"meeting_on": today().isoformat(), "short_notice": True}
    )
    assert r.status_code == 200, r.text
    r = http.post(
        f"/api/processes/{workflow_id}/meeting-held", json={"held_on": today().isoformat(), "attended": ["parents"]}
    )
    assert r.status_code == 200, r.text


def open_step(http: httpx.Client, case_ref: str, rule_id: str) -> dict | None:
    steps = http.get(f"/api/cases/{case_ref}").json()["processes"][0]["steps"]
    return next((s for s in steps if s["rule_id"] == rule_id and s["status"] == "open"), None)


def test_january_transfer_is_met_by_the_final_plan_through_the_api(live) -> None:
    auth = {"authorization": f"Bearer {live.api_key}"}
    transfer = date(today().year + 1, 1, 4)  # before 15 February: regulation 18's date does not help
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:
        started = http.post(
            "/api/processes/annual-review",
            json={
                "case_ref": "API-0010",
                "la": "Kent",
                "plan_date": (today() - timedelta(days=200)).isoformat(),
                "transfer_on": transfer.isoformat(),
                "transfer_kind": "phase",
            },
        )
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        step = open_step(http, "API-0010", "phase-transfer-review")
        assert step is not None and step["warning"].startswith(
            f"The transfer on {fmt(transfer)} is before the date regulation 18 sets"
        )
        held_today(http, workflow_id)
        r = http.post(
            f"/api/processes/{workflow_id}/la-decision", json={"decided_on": today().isoformat(), "decision": "amend"}
        )
        assert r.status_code == 200, r.text
        assert open_step(http, "API-0010", "phase-transfer-review") is not None  # a decision does not meet reg 18
        bad = http.post(f"/api/processes/{workflow_id}/final-plan", json={"issued_on": today().isoformat()})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "names_setting"]
        r = http.post(
            f"/api/processes/{workflow_id}/final-plan",
            json={"issued_on": today().isoformat(), "names_setting": "Northgate Academy"},
        )
        assert r.status_code == 200, r.text
        assert open_step(http, "API-0010", "phase-transfer-review") is None
        assert open_step(http, "API-0010", "amended-plan-final") is None
        again = http.post(
            f"/api/processes/{workflow_id}/final-plan", json={"issued_on": today().isoformat(), "already_named": True}
        )
        assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "issued_on"]


def test_cease_with_appeal_through_the_api_and_the_review_in_the_csv(live) -> None:
    auth = {"authorization": f"Bearer {live.api_key}"}
    with httpx.Client(base_url=live.url, headers=auth, timeout=60) as http:
        started = http.post(
            "/api/processes/annual-review",
            json={"case_ref": "API-0011", "la": "Surrey", "plan_date": (today() - timedelta(days=200)).isoformat()},
        )
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        held_today(http, workflow_id)
        r = http.post(
            f"/api/processes/{workflow_id}/la-decision", json={"decided_on": today().isoformat(), "decision": "cease"}
        )
        assert r.status_code == 200, r.text
        assert open_step(http, "API-0011", "cease-appeal-window") is not None
        early = http.post(
            f"/api/processes/{workflow_id}/plan-ceased",
            json={"ceased_on": today().isoformat(), "reason": "LA decided to cease"},
        )
        assert early.status_code == 422 and early.json()["detail"][0]["loc"] == ["body", "ceased_on"]

        no_outcome = http.post(f"/api/processes/{workflow_id}/appeal", json={"decided_on": today().isoformat()})
        assert no_outcome.status_code == 422 and no_outcome.json()["detail"][0]["loc"] == ["body", "outcome"]
        not_lodged = http.post(
            f"/api/processes/{workflow_id}/appeal", json={"decided_on": today().isoformat(), "outcome": "cease-upheld"}
        )
        assert not_lodged.status_code == 422 and not_lodged.json()["detail"][0]["loc"] == ["body", "decided_on"]
        lodged = http.post(f"/api/processes/{workflow_id}/appeal", json={"lodged_on": today().isoformat()})
        assert lodged.status_code == 200, lodged.text
        assert open_step(http, "API-0011", "cease-appeal-window") is None  # lodging meets the window
        decided = http.post(
            f"/api/processes/{workflow_id}/appeal", json={"decided_on": today().isoformat(), "outcome": "cease-upheld"}
        )
        assert decided.status_code == 200, decided.text

        rows = list(csv.DictReader(io.StringIO(http.get("/api/steps.csv").text)))
        due = next(r for r in rows if r["case_ref"] == "API-0011" and r["rule_id"] == "annual-review-due")
        assert due["status"] == "completed" and due["completed_on"] == today().isoformat()  # the LA's decision
        assert (due["meeting_held_on"], due["meeting_on_time"], due["result"]) == (
            today().isoformat(),
            "True",
            "on time",
        )

        ceased = http.post(
            f"/api/processes/{workflow_id}/plan-ceased",
            json={"ceased_on": today().isoformat(), "reason": "appeal dismissed"},
        )
        assert ceased.status_code == 200, ceased.text
        assert closed(http, "API-0011")
