"""Hostile input at the HTML start and record forms (with a valid CSRF token): never a 500; the form comes back
(422) with the message next to the bad field; nothing written; Temporal never reached. Without the token: 403."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.dashboard.conftest import csrf_of
from tests.dashboard.seed import seed
from tests.helpers import examples
from tests.security_input.conftest import snapshot
from tests.security_input.hostile import (
    bad_any_date,
    bad_case_ref,
    bad_la,
    bad_past_date,
    bad_rule_id,
    bad_staff_id,
    hostile_text,
)
from tests.security_input.test_api_hostile import GOOD_RECORD, GOOD_START

FEW = hsettings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
form_text = hostile_text.filter(lambda s: "\ud800" not in s)
FIELDS = {
    "case_ref": bad_case_ref,
    "la": bad_la.filter(str.strip),
    "owner": bad_staff_id.filter(str.strip),
    "received_on": bad_past_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "plan_date": bad_past_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "needs_changed_on": bad_past_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "last_assessment_on": bad_past_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "sent_on": bad_past_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "done_on": bad_past_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "withdrawn_on": bad_past_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "meeting_on": bad_any_date.filter(lambda v: isinstance(v, str) and v.strip()),
    "rule_id": bad_rule_id.filter(str.strip),
    "note": st.sampled_from(["x" * 1001, "a\x00b", "\x07", "\u202eevil"]),
    "reason": st.sampled_from(["x" * 1001, "a\x00b", "\x1b[31m"]),
}


def error_next_to(html: str, field: str) -> str | None:
    found = re.search(rf'id="e-{field}"><span class="visually-hidden">Error:</span> ([^<]*)</p>', html)
    return found.group(1) if found else None


@pytest.fixture
def forms(make_client, db, guard):
    seed(db)
    return make_client("senco", client_factory=guard.stub("client_factory")), db, guard


def check(client, db, guard, path: str, data: dict, field: str, before) -> None:
    token = csrf_of(client.get(path).text)
    response = client.post(path, data=data | {"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 422, (field, data.get(field, "")[:80], response.status_code)
    assert "Traceback" not in response.text
    assert error_next_to(response.text, field), (field, data.get(field, "")[:80])
    assert guard.calls == [] and snapshot(db) == before


@pytest.mark.parametrize("kind", sorted(GOOD_START))
def test_start_forms_show_the_error_next_to_the_field(forms, kind) -> None:
    client, db, guard = forms
    before = snapshot(db)
    fields = sorted(set(FIELDS) & set(GOOD_START[kind]))

    @FEW
    @given(field=st.sampled_from(fields), data=st.data())
    def run(field, data):
        check(
            client,
            db,
            guard,
            f"/start/{kind}",
            GOOD_START[kind] | {field: data.draw(FIELDS[field], label=field)},
            field,
            before,
        )

    run()


@pytest.mark.parametrize(
    "workflow_id, action",
    [
        k
        for k in sorted(GOOD_RECORD)
        if k[1] in ("advice-sent", "step-done", "withdrawal", "reassignment", "meeting", "cancellation")
    ],
)
def test_record_forms_show_the_error_next_to_the_field(forms, workflow_id, action) -> None:
    client, db, guard = forms
    before = snapshot(db)
    good = {k: v for k, v in GOOD_RECORD[(workflow_id, action)].items() if isinstance(v, str)}
    fields = sorted(
        set(FIELDS)
        & (
            set(good)
            | {"note", "reason"}
            & {
                "advice-sent": {"note"},
                "withdrawal": {"reason"},
                "reassignment": {"reason"},
                "meeting": {"note"},
                "cancellation": {"reason"},
            }.get(action, set())
        )
    )

    @FEW
    @given(field=st.sampled_from(fields), data=st.data())
    def run(field, data):
        check(
            client,
            db,
            guard,
            f"/processes/{workflow_id}/{action}",
            good | {field: data.draw(FIELDS[field], label=field)},
            field,
            before,
        )

    run()


def test_a_form_without_its_csrf_token_is_refused(forms) -> None:
    client, db, guard = forms
    before = snapshot(db)
    for token in (None, "", "x" * 10_000, "\x00", "' OR 1=1 --"):
        data = GOOD_START["ehc-advice-request"] | ({"csrf_token": token} if token is not None else {})
        response = client.post("/start/ehc-advice-request", data=data, follow_redirects=False)
        assert response.status_code == 403 and "Traceback" not in response.text
    assert guard.calls == [] and snapshot(db) == before
