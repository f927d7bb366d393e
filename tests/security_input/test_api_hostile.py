"""Hostile JSON at every /api/ route that takes input: never a 500 or a traceback; a 422 whose `detail` names the
bad field (or 4xx for a bad path or body); no row written; Temporal never reached (the starter functions are stubs
that count calls: see conftest.guard)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.dashboard.seed import seed
from tests.helpers import examples
from tests.security_input.conftest import snapshot
from tests.security_input.hostile import (
    INJECTIONS,
    bad_any_date,
    bad_case_ref,
    bad_la,
    bad_past_date,
    bad_rule_id,
    bad_staff_id,
    hostile_text,
    non_string,
)
from workflows.models.common import CASE_REF_PATTERN

FEW = hsettings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EXAMPLES = hsettings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KENT = "ehc-advice-request-EHC-0042-20270111"  # seeded: an open advice request (step ehc-advice, the SENCO's)
REVIEW = "annual-review-EHC-0007"  # seeded: an open annual review (steps review-report, review-notice)

GOOD_START = {
    "ehc-advice-request": {"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "senco"},
    "draft-plan-consultation": {"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "senco"},
    "annual-review": {"case_ref": "EHC-1", "la": "Kent", "plan_date": "2027-03-01", "owner": "senco"},
    "reassessment": {
        "case_ref": "EHC-1",
        "la": "Kent",
        "needs_changed_on": "2027-03-01",
        "last_assessment_on": "2026-06-01",
        "owner": "senco",
    },
}
# field -> a strategy of values always wrong for it
START_FIELDS = {
    "case_ref": bad_case_ref | non_string,
    "la": bad_la | non_string,
    "owner": bad_staff_id | non_string,
    "received_on": bad_past_date,
    "plan_date": bad_past_date,
    "needs_changed_on": bad_past_date,
    "last_assessment_on": bad_past_date,
    "assessment_requested_on": bad_past_date,
    "served_on": bad_past_date,
    "channel": hostile_text.filter(lambda s: s.strip() not in ("email", "post", "hand", "portal")) | non_string,
    "transfer_on": bad_any_date,
    "year_group": st.integers(15, 2**70) | st.integers(-(2**70), -2) | st.floats(0.5, 0.9),
    "requested_on": bad_past_date,
    "transfer_kind": hostile_text.filter(lambda s: s.strip() not in ("phase", "post16", "post16-move"))
    | non_string.filter(lambda v: v is not None),
}
GOOD_RECORD = {  # (workflow, action): a good body
    (KENT, "advice-sent"): {"sent_on": "2027-03-01", "method": "email", "note": "sent"},
    (KENT, "step-done"): {"rule_id": "ehc-advice", "done_on": "2027-03-01"},
    (KENT, "exemption"): {"rule_id": "ehc-advice", "ground": "reg8-2-a", "start": "2027-02-01"},
    (KENT, "withdrawal"): {"withdrawn_on": "2027-03-01", "reason": "withdrawn"},
    (KENT, "reassignment"): {"rule_id": "ehc-advice", "owner": "ta"},
    (REVIEW, "cancellation"): {"rule_id": "review-notice", "cancelled_on": "2027-03-01", "reason": "entered in error"},
    (REVIEW, "meeting"): {"meeting_on": "2027-06-01"},
    (REVIEW, "meeting-held"): {"held_on": "2027-03-01", "attended": ["parents"]},
    (REVIEW, "report-sent"): {"done_on": "2027-03-01"},
    (REVIEW, "la-decision"): {"decided_on": "2027-03-01", "decision": "maintain"},
    (REVIEW, "final-plan"): {"issued_on": "2027-03-01", "names_setting": "Northgate College"},
    (REVIEW, "appeal"): {"decided_on": "2027-03-01", "outcome": "withdrawn", "note": "decided"},
}
RECORD_FIELDS = {
    "sent_on": bad_past_date,
    "done_on": bad_past_date,
    "withdrawn_on": bad_past_date,
    "cancelled_on": bad_past_date,
    "held_on": bad_past_date,
    "decided_on": bad_past_date,
    "start": bad_past_date,
    "meeting_on": bad_any_date,
    "rule_id": bad_rule_id | non_string,
    "owner": bad_staff_id | non_string,
    "ground": bad_rule_id | non_string | st.sampled_from(["reg8-2-z", "la-closure"]),
    "method": hostile_text.filter(lambda s: s.strip() not in ("email", "post", "hand", "portal"))
    | non_string.filter(lambda v: v is not None),
    "decision": hostile_text.filter(lambda s: s.strip() not in ("maintain", "amend", "cease")) | non_string,
    "attended": st.lists(
        hostile_text.filter(
            lambda s: s.strip() not in ("parents", "pupil", "la-sen-officer", "health", "social-care", "school-staff")
        ),
        min_size=1,
        max_size=3,
    )
    | non_string.filter(lambda v: not isinstance(v, list) and v is not None),
    "note": st.sampled_from(["x" * 1001, "a\x00b", "\x07bell", "\u202eevil", "\ud800"]),
    "reason": st.sampled_from(["x" * 1001, "a\x00b", "\x1b[31mred", "\u2066x"]),
    "short_notice": st.sampled_from(["maybe", 2, [True], {"a": 1}]),
    "issued_on": bad_past_date,
    "lodged_on": bad_past_date,
    "names_setting": bad_la | non_string,
    "already_named": st.sampled_from(["maybe", 2, [True], {"a": 1}]),
    "outcome": hostile_text.filter(lambda s: s.strip() not in ("plan-maintained", "cease-upheld", "withdrawn"))
    | non_string,
}


short = hostile_text.filter(lambda s: len(s) < 2000)  # httpx refuses URLs over 64 KiB (a client-side limit)


@pytest.fixture
def api(make_client, db, guard):
    """The SENCO's client (its Temporal client factory a guard stub too), its CSRF header, the seeded database, and
    the guard."""
    seed(db)
    client = make_client("senco", client_factory=guard.stub("client_factory"))
    return client, {"x-csrf-token": client.get("/api/me").json()["csrf_token"]}, db, guard


def post_json(client, path: str, body, headers):
    """POST a JSON body (lone surrogates survive: json.dumps escapes them)."""
    return client.post(path, content=json.dumps(body), headers=headers | {"content-type": "application/json"})


def assert_refused(response, field: str | None, guard, before, db) -> None:
    assert response.status_code < 500, response.text
    assert 400 <= response.status_code < 500, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    if field is not None:
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert all(d["msg"] for d in detail), detail
        named = {d["loc"][1] for d in detail if len(d["loc"]) > 1}
        assert field in named, (field, detail)
    assert guard.calls == [], guard.calls
    assert snapshot(db) == before


@pytest.mark.parametrize("kind", sorted(GOOD_START))
def test_start_routes_refuse_each_hostile_field(api, kind) -> None:
    client, headers, db, guard = api
    before = snapshot(db)
    fields = sorted(
        set(START_FIELDS)
        & (
            set(GOOD_START[kind])
            | {
                "ehc-advice-request": {"assessment_requested_on", "channel"},
                "draft-plan-consultation": {"served_on", "channel"},
                "annual-review": {"transfer_on", "transfer_kind", "year_group"},
                "reassessment": set(),
            }[kind]
            | ({"requested_on"} if kind == "ehc-advice-request" else set())
        )
    )

    @FEW
    @given(field=st.sampled_from(fields), data=st.data())
    def check(field, data):
        value = data.draw(START_FIELDS[field], label=field)
        body = GOOD_START[kind] | {field: value}
        if field == "transfer_on":
            body["transfer_kind"] = "phase"
        if field == "transfer_kind":
            body["transfer_on"] = "2027-09-01"
        response = post_json(client, f"/api/processes/{kind}", body, headers)
        assert_refused(response, field, guard, before, db)

    check()


@pytest.mark.parametrize("workflow_id, action", sorted(GOOD_RECORD))
def test_record_routes_refuse_each_hostile_field(api, workflow_id, action) -> None:
    client, headers, db, guard = api
    before = snapshot(db)
    from dashboard.commands import ACTIONS

    fields = sorted(set(RECORD_FIELDS) & set(ACTIONS[action].model.model_fields))

    @FEW
    @given(field=st.sampled_from(fields), data=st.data())
    def check(field, data):
        value = data.draw(RECORD_FIELDS[field], label=field)
        body = GOOD_RECORD[(workflow_id, action)] | {field: value}
        if field == "end":
            body["start"] = "2027-02-01"
        response = post_json(client, f"/api/processes/{workflow_id}/{action}", body, headers)
        assert_refused(response, field, guard, before, db)

    check()


@EXAMPLES
@given(
    body=st.one_of(
        non_string,
        hostile_text,
        st.lists(hostile_text, max_size=3),
        st.dictionaries(hostile_text, hostile_text | non_string, max_size=4),
    )
)
def test_whole_bodies_of_the_wrong_shape_are_refused(api, body) -> None:
    client, headers, db, guard = api
    before = snapshot(db)
    for path in ("/api/processes/ehc-advice-request", f"/api/processes/{KENT}/step-done"):
        assert_refused(post_json(client, path, body, headers), None, guard, before, db)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b'{"case_ref": }',
        b"\x00\x01\x02",
        b"\xff\xfe{}",
        b"[" * 5000,
        b'{"a":' * 2000,
        b"NaN",
        b'{"case_ref": "\\ud800"}',
        b"{" + b" " * 2_000_000 + b"}",
    ],
)
def test_malformed_json_is_a_4xx(api, raw) -> None:
    client, headers, db, guard = api
    before = snapshot(db)
    response = client.post(
        "/api/processes/ehc-advice-request", content=raw, headers=headers | {"content-type": "application/json"}
    )
    assert_refused(response, None, guard, before, db)


@EXAMPLES
@given(
    workflow_id=short.filter(lambda s: "/" not in s and s.strip()),
    action=st.sampled_from(["advice-sent", "step-done", "meeting", "nonsense"]),
)
def test_hostile_workflow_ids_in_the_path_are_404(api, workflow_id, action) -> None:
    client, headers, db, guard = api
    before = snapshot(db)
    from urllib.parse import quote

    response = post_json(
        client, f"/api/processes/{quote(workflow_id, safe='')}/{action}", {"done_on": "2027-03-01"}, headers
    )
    assert_refused(response, None, guard, before, db)
    assert response.status_code in (404, 422), response.text


@EXAMPLES
@given(
    case_ref=short.filter(str.strip),
    view=short,
    sort=short,
    limit=st.one_of(st.integers(-(2**70), 2**70).map(str), short),
    year=st.one_of(st.integers(-(2**70), 2**70).map(str), short),
)
def test_read_routes_never_fail_on_hostile_parameters(api, case_ref, view, sort, limit, year) -> None:
    client, headers, db, guard = api
    from urllib.parse import quote

    for path, params in (
        (f"/api/cases/{quote(case_ref, safe='')}", {}),
        (
            "/api/steps",
            {"view": view, "sort": sort, "la": case_ref, "owner": case_ref, "rule": case_ref, "process": case_ref},
        ),
        ("/api/audit", {"limit": limit}),
        ("/api/compliance", {"year": year}),
    ):
        response = client.get(path, params=params)
        assert response.status_code < 500 and "Traceback" not in response.text, (path, response.text)
    assert guard.calls == []


def test_injection_strings_are_data_not_code(api) -> None:
    """A case reference or LA name full of SQL or markup is refused or stored as text: the tables are intact."""
    client, headers, db, guard = api
    before = snapshot(db)
    for text in [t for t in INJECTIONS if not re.fullmatch(CASE_REF_PATTERN, t.strip())]:
        response = post_json(
            client, "/api/processes/ehc-advice-request", GOOD_START["ehc-advice-request"] | {"case_ref": text}, headers
        )
        assert response.status_code == 422, (text, response.text)
        listing = client.get("/api/steps", params={"la": text, "rule": text})
        assert listing.status_code in (200, 422) and "Traceback" not in listing.text
    assert snapshot(db) == before and guard.calls == []
