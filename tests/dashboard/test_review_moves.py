"""The annual review's moves of issue 18 on the forms and the API: the LA's final plan naming the new school or
college, an appeal against a decision to cease, a move between post-16 institutions, and the date on the LA's
request letter. Bad input is refused field by field before Temporal is contacted, and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from store.models import Event, Outbox, Process, Step
from tests.dashboard.conftest import NoTemporal, csrf_of
from tests.dashboard.seed import OPENED, process, seed, step
from tests.dashboard.test_input import error_for, post_form

TRANSFER = "annual-review-EHC-0300"  # an open phase-transfer-review (the final plan is owed)
CEASE = "annual-review-EHC-0400"  # an open cease-appeal-window (an appeal may be lodged)
PLAIN = "annual-review-EHC-0007"  # seeded: a review with neither


def seed_reviews(db) -> None:
    seed(db)
    with db.begin() as session:
        transfer = process(TRANSFER, "EHC-0300", "Kent", kind="annual-review")
        cease = process(CEASE, "EHC-0400", "Kent", kind="annual-review")
        session.add_all([transfer, cease])
        session.add_all(
            [
                step(transfer, "phase-transfer-review", due=date(2027, 2, 14), target=date(2027, 2, 12), owner="senco"),
                step(cease, "cease-appeal-window", due=date(2027, 5, 1), target=date(2027, 4, 30), owner="senco"),
            ]
        )


def counts(db) -> tuple[int, int, int, int]:
    with db() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Process, Step, Event, Outbox))


def api_post(client: TestClient, path: str, body: dict):
    return client.post(path, json=body, headers={"x-csrf-token": client.get("/api/me").json()["csrf_token"]})


class Recorded:
    """A stand-in for the starter function: keeps what it was given, and writes the event the worker would (so the
    page does not wait for the projection)."""

    def __init__(self, db, workflow_id: str) -> None:
        self.db, self.workflow_id, self.given = db, workflow_id, []

    async def __call__(self, client, settings, workflow_id, change):
        from workflows.models import ProcessState

        self.given.append((workflow_id, change))
        with self.db.begin() as session:
            session.add(
                Event(
                    key=f"fake/{len(self.given)}",
                    process_id=workflow_id,
                    kind="final-plan",
                    occurred_at=OPENED,
                    data={},
                )
            )
        return ProcessState.model_construct(workflow_id=workflow_id)


async def fake_client():
    return object()


# --- final plan --------------------------------------------------------------------------------------------------


def test_final_plan_is_offered_only_while_a_transfer_review_or_amended_plan_is_open(client: TestClient, db) -> None:
    seed_reviews(db)
    title = "Record the LA&#39;s final plan naming the new school or college"
    assert title in client.get("/cases/EHC-0300").text
    assert title not in client.get("/cases/EHC-0007").text
    assert client.get(f"/processes/{PLAIN}/final-plan").status_code == 403
    html = client.get(f"/processes/{TRANSFER}/final-plan").text
    assert '<label for="f-issued_on">Date of the LA&#39;s final plan (or of its letter)</label>' in html
    assert '<label for="f-names_setting">The school or college the final plan names</label>' in html
    assert 'id="f-already_named"' in html
    assert "phase-transfer-review" not in html  # plain words, no rule ids


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"issued_on": "2027-03-01"}, "names_setting", "or confirm that the plan already names it"),
        (
            {"issued_on": "2027-03-01", "names_setting": "Northgate College", "already_named": "true"},
            "names_setting",
            "not both",
        ),
        ({"names_setting": "Northgate College"}, "issued_on", "Field required"),
        (
            {"issued_on": "2027-03-11", "names_setting": "Northgate College"},
            "issued_on",
            "is in the future (today is Wed 10 Mar 2027)",
        ),
        ({"issued_on": "2027-03-01", "names_setting": "N" * 81}, "names_setting", "at most 80 characters"),
    ],
)
def test_final_plan_form_shows_errors_next_to_fields(client: TestClient, db, data, field, message) -> None:
    seed_reviews(db)
    before = counts(db)
    response = post_form(client, f"/processes/{TRANSFER}/final-plan", data)
    assert response.status_code == 422
    assert message in error_for(response.text, field)
    assert counts(db) == before and NoTemporal.calls == 0


def test_final_plan_through_the_api_refuses_by_field_and_by_role(client_as, db) -> None:
    seed_reviews(db)
    before = counts(db)
    senco = client_as("senco")
    r = api_post(senco, f"/api/processes/{TRANSFER}/final-plan", {"issued_on": "2027-03-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "names_setting"]
    r = api_post(senco, f"/api/processes/{TRANSFER}/final-plan", {"issued_on": "2027-03-01", "already_named": "maybe"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "already_named"]
    r = api_post(senco, f"/api/processes/{TRANSFER}/final-plan", {"issued_on": "2027-03-01", "named": "X"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "named"]
    r = api_post(
        senco,
        "/api/processes/ehc-advice-request-EHC-0042-20270111/final-plan",
        {"issued_on": "2027-03-01", "already_named": True},
    )
    assert r.status_code == 404  # not an annual review
    for username in ("head", "ta"):  # the SENCO records the LA's moves, as the other review moves
        r = api_post(
            client_as(username),
            f"/api/processes/{TRANSFER}/final-plan",
            {"issued_on": "2027-03-01", "already_named": True},
        )
        # leadership may not record (403); the TA has no step in this review, so it is not there for them (404)
        assert r.status_code == (403 if username == "head" else 404), (username, r.text)
    assert counts(db) == before and NoTemporal.calls == 0


def test_a_good_final_plan_reaches_the_workflow_as_the_starter_expects(make_client, db, monkeypatch) -> None:
    import starter.review
    from workflows.models import FinalPlan

    seed_reviews(db)
    fake = Recorded(db, TRANSFER)
    monkeypatch.setattr(starter.review, "final_plan", fake)
    client = make_client("senco", client_factory=fake_client)
    token = csrf_of(client.get(f"/processes/{TRANSFER}/final-plan").text)
    r = client.post(
        f"/processes/{TRANSFER}/final-plan",
        data={
            "csrf_token": token,
            "issued_on": "2027-03-01",
            "names_setting": " Northgate College ",
            "evidence": "LA-REF-7",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/cases/EHC-0300?done=final-plan"
    r = api_post(client, f"/api/processes/{TRANSFER}/final-plan", {"issued_on": "2027-03-02", "already_named": True})
    assert r.status_code == 200, r.text
    assert fake.given == [
        (
            TRANSFER,
            FinalPlan(
                issued_on=date(2027, 3, 1),
                names_setting="Northgate College",
                by="senco",
                evidence="LA-REF-7",
                recorded_by="web:senco",
            ),
        ),  # the form: the signed-in account
        (TRANSFER, FinalPlan(issued_on=date(2027, 3, 2), already_named=True, by="senco", recorded_by="api:senco")),
    ]


# --- appeal against a decision to cease --------------------------------------------------------------------------


def test_appeal_is_offered_only_while_the_appeal_window_is_open_or_an_appeal_runs(client: TestClient, db) -> None:
    seed_reviews(db)
    title = "Record an appeal against the decision to cease"
    assert title in client.get("/cases/EHC-0400").text
    assert title not in client.get("/cases/EHC-0300").text
    assert client.get(f"/processes/{TRANSFER}/appeal").status_code == 403
    with db.begin() as session:  # lodged: the window step is met, the appeal still runs
        session.get(Process, TRANSFER).facts = {"cease_decided_on": "2027-01-10", "appeal_lodged_on": "2027-02-01"}
    assert title in client.get("/cases/EHC-0300").text
    html = client.get(f"/processes/{CEASE}/appeal").text
    assert '<label for="f-lodged_on">Date the appeal was lodged with the Tribunal</label>' in html
    assert '<option value="cease-upheld">the decision to cease was upheld</option>' in html
    assert "cease-appeal-window" not in html


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({}, "lodged_on", "give the date the appeal was lodged, or the date it was decided"),
        ({"lodged_on": "2027-03-01", "outcome": "withdrawn"}, "outcome", "not with its lodging"),
        ({"decided_on": "2027-03-01"}, "outcome", "say how the appeal ended"),
        (
            {"lodged_on": "2027-02-01", "decided_on": "2027-03-01", "outcome": "cease-upheld"},
            "decided_on",
            "one date at a time",
        ),
        ({"lodged_on": "2027-03-11"}, "lodged_on", "is in the future"),
        ({"decided_on": "2027-04-01", "outcome": "plan-maintained"}, "decided_on", "is in the future"),
        ({"decided_on": "2027-03-01", "outcome": "won"}, "outcome", "Input should be"),
        ({"lodged_on": "1 March"}, "lodged_on", "Input should be a valid date"),
    ],
)
def test_appeal_form_shows_errors_next_to_fields(client: TestClient, db, data, field, message) -> None:
    seed_reviews(db)
    before = counts(db)
    response = post_form(client, f"/processes/{CEASE}/appeal", data)
    assert response.status_code == 422, response.text
    assert message in error_for(response.text, field)
    assert counts(db) == before and NoTemporal.calls == 0


def test_appeal_through_the_api(make_client, client_as, db, monkeypatch) -> None:
    import starter.review
    from workflows.models import AppealChange

    seed_reviews(db)
    before = counts(db)
    head = client_as("head")
    assert api_post(head, f"/api/processes/{CEASE}/appeal", {"lodged_on": "2027-03-01"}).status_code == 403
    r = api_post(client_as("senco"), f"/api/processes/{CEASE}/appeal", {"decided_on": "2027-03-01"})
    assert r.status_code == 422 and r.json()["detail"] == [
        {"loc": ["body", "outcome"], "msg": "say how the appeal ended", "type": "missing"}
    ]  # the problem's code
    assert counts(db) == before and NoTemporal.calls == 0

    fake = Recorded(db, CEASE)
    monkeypatch.setattr(starter.review, "appeal", fake)
    senco = make_client("senco", client_factory=fake_client)
    assert api_post(senco, f"/api/processes/{CEASE}/appeal", {"lodged_on": "2027-03-01"}).status_code == 200
    assert (
        api_post(
            senco,
            f"/api/processes/{CEASE}/appeal",
            {"decided_on": "2027-03-09", "outcome": "withdrawn", "note": "parent withdrew"},
        ).status_code
        == 200
    )
    assert [change for _, change in fake.given] == [
        AppealChange(lodged_on=date(2027, 3, 1), by="senco", recorded_by="api:senco"),
        AppealChange(
            decided_on=date(2027, 3, 9),
            outcome="withdrawn",
            by="senco",
            note="parent withdrew",
            recorded_by="api:senco",
        ),
    ]


def test_the_new_moves_are_in_the_api_schema(make_client) -> None:
    paths = make_client("senco").get("/api/openapi.json").json()["paths"]  # for signed-in callers only
    assert "/api/processes/{workflow_id}/final-plan" in paths and "/api/processes/{workflow_id}/appeal" in paths
    assert "/api/steps.csv" in paths


# --- starting: a move between post-16 institutions; the LA's request letter ------------------------------------


class Started:
    def __init__(self) -> None:
        self.given = []

    async def __call__(self, client, settings, *given):
        from starter.processes import StartedProcess

        # start_advice_request(client, settings, request), or start_process(client, settings, run, run_input, id, kind)
        self.given.append(given[0] if len(given) == 1 else given[1])
        return StartedProcess(created=False, state=_State())


class _State:
    def model_dump(self, mode: str = "json") -> dict:
        return {}


def test_start_form_offers_a_move_between_post16_institutions(make_client, db, monkeypatch) -> None:
    import starter.processes

    fake = Started()
    monkeypatch.setattr(starter.processes, "start_process", fake)  # every process but the advice request starts so
    client = make_client("senco", client_factory=fake_client)
    html = client.get("/start/annual-review").text
    assert '<option value="post16-move">from one post-16 institution to another</option>' in html
    r = post_form(
        client,
        "/start/annual-review",
        {
            "case_ref": "EHC-0500",
            "la": "Kent",
            "plan_date": "2026-11-01",
            "owner": "senco",
            "transfer_on": "2027-09-01",
            "transfer_kind": "post16-move",
        },
    )
    assert r.status_code == 303, r.text
    r = api_post(
        client,
        "/api/processes/annual-review",
        {
            "case_ref": "EHC-0501",
            "la": "Kent",
            "plan_date": "2026-11-01",
            "transfer_on": "2027-09-01",
            "transfer_kind": "post16-move",
        },
    )
    assert r.status_code == 200, r.text
    assert [(i.header.case_ref, i.transfer_kind, i.transfer_on) for i in fake.given] == [
        ("EHC-0500", "post16-move", date(2027, 9, 1)),
        ("EHC-0501", "post16-move", date(2027, 9, 1)),
    ]
    r = api_post(
        client,
        "/api/processes/annual-review",
        {
            "case_ref": "EHC-0502",
            "la": "Kent",
            "plan_date": "2026-11-01",
            "transfer_on": "2027-09-01",
            "transfer_kind": "college",
        },
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "transfer_kind"]


ADVICE = {"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "senco"}


def test_advice_start_form_asks_for_the_request_letter_date_in_plain_words(client: TestClient) -> None:
    html = client.get("/start/ehc-advice-request").text
    assert '<label for="f-requested_on">Date of the LA&#39;s request letter (if different)</label>' in html
    assert "reg 8" not in html.split('id="f-requested_on"')[0].rsplit("<label", 1)[1]


@pytest.mark.parametrize(
    "requested_on, message",
    [
        ("2027-03-02", "is after the date the request was received (Mon 1 Mar 2027)"),
        ("2027-03-31", "is after the date the request was received"),
        ("2027-02-30", "Input should be a valid date"),
    ],
)
def test_request_letter_date_is_checked_before_anything_starts(client: TestClient, requested_on, message) -> None:
    r = post_form(client, "/start/ehc-advice-request", ADVICE | {"requested_on": requested_on})
    assert r.status_code == 422 and message in error_for(r.text, "requested_on")
    r = api_post(client, "/api/processes/ehc-advice-request", ADVICE | {"requested_on": requested_on})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "requested_on"]
    assert NoTemporal.calls == 0


def test_request_letter_date_reaches_the_advice_request(make_client, monkeypatch) -> None:
    import starter.advice
    from workflows.models import AdviceRequest

    if "requested_on" not in AdviceRequest.model_fields:
        pytest.skip("AdviceRequest.requested_on has not landed yet")
    fake = Started()
    monkeypatch.setattr(starter.advice, "start_advice_request", fake)
    client = make_client("senco", client_factory=fake_client)
    r = post_form(client, "/start/ehc-advice-request", ADVICE | {"requested_on": "2027-02-25"})
    assert r.status_code == 303, r.text
    r = api_post(client, "/api/processes/ehc-advice-request", ADVICE | {"requested_on": "2027-03-01"})
    assert r.status_code == 200, r.text
    r = api_post(client, "/api/processes/ehc-advice-request", ADVICE)
    assert r.status_code == 200, r.text
    assert [i.requested_on for i in fake.given] == [date(2027, 2, 25), date(2027, 3, 1), None]
