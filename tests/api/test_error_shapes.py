"""One error shape for the whole API (dashboard/api.py's docstring): bad input is a 422 whose `detail` is a list of
{loc, msg, type}; every other error is `{"detail": "one sentence"}`. Each case here once answered otherwise: a 404 and
a 403 shaped as validation errors (FieldErrors with another status), a 422 whose detail was a string (the audit
routes' malformed workflow ID), and a 400 for a body FastAPI could not parse. Each answer also matches the schema
the document gives for its status."""

from __future__ import annotations

import jsonschema
import pytest

from store.accounts_queries import add_token
from store.credentials import new_token, token_digest
from tests.dashboard.seed import seed

KENT = "ehc-advice-request-EHC-0042-20270111"


@pytest.fixture
def api(make_client, db):
    seed(db)
    client = make_client("senco")
    return client, {"x-csrf-token": client.get("/api/me").json()["csrf_token"]}


def documented(client, path: str, method: str, response) -> None:
    """The response's body validates against the schema the document gives for its status."""
    doc = client.get("/api/openapi.json").json()
    declared = doc["paths"][path][method]["responses"][str(response.status_code)]
    schema = declared["content"]["application/json"]["schema"] | {"components": doc["components"]}
    jsonschema.validate(response.json(), schema)


def is_list_shape(body) -> bool:
    return isinstance(body["detail"], list) and all(set(d) == {"loc", "msg", "type"} for d in body["detail"])


def is_sentence(body) -> bool:
    return set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"]


def test_a_process_that_does_not_exist_is_a_404_sentence(api) -> None:
    client, headers = api
    r = client.post(
        "/api/processes/ehc-advice-request-NOPE-20270101/step-done",
        headers=headers,
        json={"rule_id": "ehc-advice", "done_on": "2027-03-01"},
    )
    assert r.status_code == 404 and is_sentence(r.json()) and r.json()["detail"].startswith("form: no such process")
    documented(client, "/api/processes/{workflow_id}/step-done", "post", r)
    r = client.post(f"/api/processes/{KENT}/meeting", headers=headers, json={"meeting_on": "2027-06-01"})
    assert r.status_code == 404 and is_sentence(r.json())  # the action does not apply to an advice request


def test_an_account_without_a_staff_id_is_a_403_sentence(make_client, db) -> None:
    from store.accounts_queries import add_account
    from tests.dashboard.conftest import _HASH

    seed(db)
    with db.begin() as session:
        add_account(session, username="nostaff", password_hash=_HASH, role="senco", staff_id=None)
    client = make_client("nostaff")
    r = client.post(
        f"/api/processes/{KENT}/step-done",
        headers={"x-csrf-token": client.get("/api/me").json()["csrf_token"]},
        json={"rule_id": "ehc-advice", "done_on": "2027-03-01"},
    )
    assert r.status_code == 403 and is_sentence(r.json()) and "staff id" in r.json()["detail"]
    documented(client, "/api/processes/{workflow_id}/step-done", "post", r)


def test_a_malformed_workflow_id_is_a_422_list_everywhere(api) -> None:
    client, headers = api
    r = client.get("/api/processes/not-a-process/history")  # dashboard/audit_views.py (once a string detail)
    assert r.status_code == 422 and is_list_shape(r.json())
    assert r.json()["detail"][0]["loc"] == ["path", "workflow_id"]
    documented(client, "/api/processes/{workflow_id}/history", "get", r)
    r = client.post(
        "/api/processes/not-a-process/step-done",
        headers=headers,
        json={"rule_id": "ehc-advice", "done_on": "2027-03-01"},
    )
    assert r.status_code == 422 and is_list_shape(r.json()) and r.json()["detail"][0]["loc"] == ["path", "workflow_id"]


def test_a_body_that_cannot_be_parsed_is_a_422_list_not_a_400(api) -> None:
    client, headers = api
    for raw in (b"[" * 5000, b"{"):  # too deep for the parser; not JSON
        r = client.post(
            "/api/processes/ehc-advice-request", content=raw, headers=headers | {"content-type": "application/json"}
        )
        assert r.status_code == 422 and is_list_shape(r.json()), (raw[:5], r.text)
        documented(client, "/api/processes/ehc-advice-request", "post", r)


def test_401_403_and_unknown_routes_are_sentences(make_client, db) -> None:
    seed(db)
    anonymous = make_client()
    r = anonymous.get("/api/steps")
    assert r.status_code == 401 and is_sentence(r.json()) and r.headers["www-authenticate"] == "Bearer"
    head = make_client("head")
    documented(head, "/api/steps", "get", r)  # the document is for signed-in callers (SECURITY.md)
    r = head.get("/api/audit")
    assert r.status_code == 403 and is_sentence(r.json())
    documented(head, "/api/audit", "get", r)
    assert is_sentence(head.get("/api/no-such-route").json())


def test_an_api_key_works_and_a_bad_one_is_a_401(make_client, db) -> None:
    seed(db)
    key = new_token()
    with db.begin() as session:
        from store.accounts import Account

        senco = session.query(Account).filter_by(username="senco").one()
        add_token(session, digest=token_digest(key), kind="api", account_id=senco.id)
    client = make_client()
    assert client.get("/api/steps", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    r = client.get("/api/steps", headers={"Authorization": f"Bearer {new_token()}"})
    assert r.status_code == 401 and is_sentence(r.json())


def test_a_refusal_beyond_the_schema_is_a_422_list_naming_the_field(api) -> None:
    client, headers = api
    r = client.post(
        "/api/processes/ehc-advice-request",
        headers=headers,
        json={"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-04-01", "owner": "senco"},
    )
    assert r.status_code == 422 and is_list_shape(r.json()) and r.json()["detail"][0]["loc"] == ["body", "received_on"]
    documented(client, "/api/processes/ehc-advice-request", "post", r)
