"""Start and record forms and the API refuse bad input field by field, before Temporal is contacted; the API has
its OpenAPI schema; API keys work without cookies or CSRF; staff may record only their own steps."""

from __future__ import annotations

import html as html_module
import re

import pytest
from fastapi.testclient import TestClient

from store.accounts_queries import account_by_username, add_token, revoke_token
from store.credentials import new_token, token_digest
from tests.dashboard.conftest import NoTemporal, csrf_of
from tests.dashboard.seed import TODAY, seed

KENT = "ehc-advice-request-EHC-0042-20270111"


def error_for(html: str, field: str) -> str:
    found = re.search(
        rf'<p class="error-message" id="e-{field}"><span class="visually-hidden">Error:</span> ([^<]*)</p>', html
    )
    assert found, f"no error shown next to {field}"
    return html_module.unescape(found.group(1))


def post_form(client: TestClient, path: str, data: dict):
    token = csrf_of(client.get(path).text)
    return client.post(path, data=data | {"csrf_token": token}, follow_redirects=False)


def test_start_forms_render_with_labels(client: TestClient) -> None:
    for kind in ("ehc-advice-request", "draft-plan-consultation", "annual-review", "reassessment"):
        html = client.get(f"/start/{kind}").text
        for field in re.findall(r'<input type="(?:text|date|number)" id="f-([a-z_]+)"', html):
            assert f'<label for="f-{field}">' in html, (kind, field)
    assert client.get("/start/nonsense").status_code == 404


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"case_ref": "Jane Smith", "la": "Kent", "received_on": "2027-03-01", "owner": "senco"},
            "case_ref",
            "not a case reference: 1 to 40 letters",
        ),
        ({"case_ref": "EHC-1", "la": "", "received_on": "2027-03-01", "owner": "senco"}, "la", "Field required"),
        (
            {"case_ref": "EHC-1", "la": "Kent", "received_on": "yesterday", "owner": "senco"},
            "received_on",
            "Input should be a valid date",
        ),
        (
            {"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-04-01", "owner": "senco"},
            "received_on",
            "is in the future (today is Wed 10 Mar 2027)",
        ),
        (
            {"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "nobody"},
            "owner",
            "no staff member with id 'nobody'",
        ),
        (
            {
                "case_ref": "EHC-1",
                "la": "Kent",
                "received_on": "2027-03-01",
                "owner": "senco",
                "assessment_requested_on": "2027-03-05",
            },
            "assessment_requested_on",
            "is after the request for advice",
        ),
    ],
)
def test_advice_start_form_shows_errors_next_to_fields(client: TestClient, data, field, message) -> None:
    response = post_form(client, "/start/ehc-advice-request", data)
    assert response.status_code == 422
    assert message in error_for(response.text, field)
    assert 'aria-invalid="true"' in response.text and "There is a problem" in response.text
    assert f'value="{data["la"]}"' in response.text  # what was typed is kept
    assert NoTemporal.calls == 0


def test_other_start_forms_validate(client: TestClient) -> None:
    r = post_form(
        client,
        "/start/reassessment",
        {
            "case_ref": "EHC-1",
            "la": "Kent",
            "needs_changed_on": "2027-03-01",
            "last_assessment_on": "2027-03-05",
            "owner": "senco",
        },
    )
    assert r.status_code == 422 and "the last assessment comes first" in error_for(r.text, "last_assessment_on")
    r = post_form(
        client,
        "/start/annual-review",
        {"case_ref": "EHC-1", "la": "Kent", "plan_date": "2027-03-01", "transfer_on": "2027-09-01"},
    )
    assert r.status_code == 422 and "give both" in error_for(r.text, "transfer_kind")
    r = post_form(
        client,
        "/start/draft-plan-consultation",
        {"case_ref": "EHC-1", "la": "Kent", "owner": "senco", "received_on": "2027-03-05", "served_on": "2027-03-01"},
    )
    assert r.status_code == 422 and "is before the date received" in error_for(r.text, "served_on")
    assert NoTemporal.calls == 0


def test_record_forms_validate(client: TestClient, db) -> None:
    seed(db)
    r = post_form(client, f"/processes/{KENT}/advice-sent", {"sent_on": "2027-03-11"})
    assert r.status_code == 422 and "is in the future" in error_for(r.text, "sent_on")
    r = post_form(client, f"/processes/{KENT}/reassignment", {"rule_id": "ehc-advice", "owner": "Not An Id"})
    assert r.status_code == 422 and "not a staff id" in error_for(r.text, "owner")
    r = post_form(client, f"/processes/{KENT}/exemption", {"rule_id": "ehc-advice"})
    assert r.status_code == 422 and "Field required" in error_for(r.text, "ground")
    assert client.get(f"/processes/{KENT}/meeting").status_code == 403  # not an annual review
    assert client.get("/processes/nope/advice-sent").status_code == 404
    review = "annual-review-EHC-0007"
    html = client.get(f"/processes/{review}/plan-ceased").text
    assert '<label for="f-ceased_on">Date the plan ceased</label>' in html
    r = post_form(client, f"/processes/{review}/plan-ceased", {"ceased_on": "2027-03-01"})
    assert r.status_code == 422 and "Field required" in error_for(r.text, "reason")
    assert client.get(f"/processes/{KENT}/reassessment-decision").status_code in (403, 404)  # not a re-assessment
    assert NoTemporal.calls == 0


def test_staff_may_record_only_their_own_completions(client_as, db) -> None:
    seed(db)
    ta = client_as("ta")
    review = "annual-review-EHC-0007"
    assert ta.get(f"/processes/{review}/report-sent").status_code == 200  # the TA's step
    assert ta.get(f"/processes/{review}/meeting").status_code == 403
    assert ta.get(f"/processes/{KENT}/advice-sent").status_code == 404  # no step of the TA's: not there for them
    html = ta.get(f"/processes/{review}/step-done").text
    assert '<option value="review-report"' in html and 'value="review-notice"' not in html
    token = csrf_of(html)
    r = ta.post(
        f"/processes/{review}/step-done",
        data={"csrf_token": token, "rule_id": "review-notice", "done_on": "2027-03-01"},
    )
    assert r.status_code == 403
    r = ta.post(
        "/api/processes/annual-review-EHC-0007/step-done",
        json={"rule_id": "review-notice", "done_on": "2027-03-01"},
        headers={"x-csrf-token": ta.get("/api/me").json()["csrf_token"]},
    )
    assert r.status_code == 403
    assert NoTemporal.calls == 0


def test_api_bad_input_is_422_by_field(client: TestClient) -> None:
    csrf = client.get("/api/me").json()["csrf_token"]
    r = client.post(
        "/api/processes/ehc-advice-request",
        headers={"x-csrf-token": csrf},
        json={"case_ref": "Jane Smith", "la": "Kent", "received_on": "not a date"},
    )
    assert r.status_code == 422
    fields = {tuple(e["loc"]): e["msg"] for e in r.json()["detail"]}
    assert ("body", "case_ref") in fields and ("body", "received_on") in fields and ("body", "owner") in fields
    r = client.post(
        "/api/processes/ehc-advice-request",
        headers={"x-csrf-token": csrf},
        json={"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-04-01", "owner": "senco"},
    )
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "received_on"],
            "msg": "Thu 1 Apr 2027 is in the future (today is Wed 10 Mar 2027)",
            "type": "in_future",
        }
    ]  # the code: commands/errors.py
    r = client.post(
        "/api/processes/ehc-advice-request",
        headers={"x-csrf-token": csrf},
        json={"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "senco", "extra": "no"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "extra"]
    assert NoTemporal.calls == 0


def test_api_changes_need_csrf_with_a_cookie(client: TestClient) -> None:
    r = client.post(
        "/api/processes/ehc-advice-request",
        json={"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "senco"},
    )
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]


def test_api_roles(client_as, db) -> None:
    seed(db)
    body = {"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "senco"}
    for username in ("head", "auditor", "ta"):
        client = client_as(username)
        csrf = client.get("/api/me").json()["csrf_token"]
        assert (
            client.post("/api/processes/ehc-advice-request", json=body, headers={"x-csrf-token": csrf}).status_code
            == 403
        )
    head = client_as("head")
    csrf = head.get("/api/me").json()["csrf_token"]
    assert (
        head.post(
            f"/api/processes/{KENT}/advice-sent", json={"sent_on": "2027-03-01"}, headers={"x-csrf-token": csrf}
        ).status_code
        == 403
    )


def test_api_keys(make_client, db) -> None:
    seed(db)
    secret = new_token()
    with db.begin() as session:
        token = add_token(
            session,
            digest=token_digest(secret),
            kind="api",
            account_id=account_by_username(session, "senco").id,
            label="Power Automate",
        )
        token_id = token.id
    client = make_client()
    auth = {"authorization": f"Bearer {secret}"}
    assert client.get("/api/me", headers=auth).json()["role"] == "senco"
    r = client.post(
        "/api/processes/ehc-advice-request",
        headers=auth,  # no CSRF needed with a key
        json={"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-04-01", "owner": "senco"},
    )
    assert r.status_code == 422  # got past authentication and CSRF to validation
    assert client.get("/api/me", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", headers=auth, follow_redirects=False).status_code == 303  # keys are for the API only
    with db.begin() as session:
        revoke_token(session, token_id)
    assert client.get("/api/me", headers=auth).status_code == 401


def test_openapi_schema(make_client) -> None:
    schema = make_client("ta").get("/api/openapi.json").json()  # any signed-in role (tests/api/test_check_order.py)
    paths = schema["paths"]
    for kind in ("ehc-advice-request", "draft-plan-consultation", "annual-review", "reassessment"):
        assert f"/api/processes/{kind}" in paths
    for action in (
        "advice-sent",
        "meeting",
        "meeting-held",
        "report-sent",
        "exemption",
        "withdrawal",
        "reassignment",
        "step-done",
        "cancellation",
        "la-decision",
        "plan-ceased",
        "reassessment-decision",
    ):
        assert f"/api/processes/{{workflow_id}}/{action}" in paths
    assert "/api/steps" in paths and "/api/cases/{case_ref}" in paths and "/api/outbox" in paths
    assert not [p for p in paths if not p.startswith("/api/")]  # pages are not in the API schema
    assert "StartAdvice" in schema["components"]["schemas"]


def test_the_button_in_a_notice_lands_on_the_record_form_with_the_step_chosen_and_today_filled_in(
    client_as, db
) -> None:
    """A notice's "Record it as done" goes to /processes/ID/step-done?rule=RULE (issue 19, defect 14): after sign-in
    the form has that step chosen and today's date in "Date done"; the user may change either."""
    seed(db)
    ta = client_as("ta")
    html = ta.get("/processes/annual-review-EHC-0007/step-done?rule=review-report").text
    assert '<option value="review-report" selected' in html
    assert re.search(
        rf'name="done_on"[^>]*value="{TODAY.isoformat()}"|value="{TODAY.isoformat()}"[^>]*name="done_on"', html
    ), "today's date filled in"
