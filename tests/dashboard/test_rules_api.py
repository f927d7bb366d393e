"""The rule book on the API: GET /api/rules and GET /api/deadline give what `sendclock rules` and `sendclock
deadline` give (one checking function serves both, starter/deadline.py), and bad input is a 422 naming the parameter."""

from __future__ import annotations

import pytest

from statutory import RULES


def test_rules_lists_every_version_with_its_basis(make_client) -> None:
    rules = make_client("ta").get("/api/rules").json()
    assert len(rules) == len(RULES)
    by_id = {r["id"]: r for r in rules}
    assert by_id["phase-transfer-meeting-by"]["convention"] == "C9" and by_id["phase-transfer-meeting-by"]["guidance"]
    assert by_id["review-la-decision"]["holder"] == "la" and "reg 20" in by_id["review-la-decision"]["basis"]
    assert [r["fixed_day"] for r in rules if r["id"] == "post16-transfer-review"] == [[5, 30], [3, 30], [3, 30]]


@pytest.mark.parametrize(
    ("query", "due", "target"),
    [
        ("rule=review-notice&from=2026-11-04", "2026-10-20", "2026-10-20"),
        ("rule=review-notice&from=2026-11-04&reading=inclusive", "2026-10-21", "2026-10-21"),
        ("rule=phase-transfer-meeting-by&from=2027-09-01", "2026-11-22", "2026-11-20"),
        ("rule=phase-transfer-meeting-by&from=2027-09-01&post16=true", "2027-01-05", "2027-01-05"),
        ("rule=ehc-final-plan&from=2027-03-01", "2027-07-19", "2027-07-19"),  # the LA's: no school closure moves it
    ],
)
def test_deadline_computes_as_the_cli_does(make_client, query, due, target) -> None:
    response = make_client("ta").get(f"/api/deadline?{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["due"], body["target"]) == (due, target) and body["explanation"]


def test_a_transfer_before_the_reg_18_date_comes_with_its_warning(make_client) -> None:
    body = make_client("senco").get("/api/deadline?rule=phase-transfer-review&from=2027-01-04").json()
    assert body["warning"].startswith("The transfer on Mon 4 Jan 2027 is before the date regulation 18 sets (Sun 14")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("rule=no-such-rule&from=2026-02-02", "rule", "unknown rule 'no-such-rule'"),
        ("rule=ehc-advice&from=2010-01-04", "from", "not in force"),
        ("rule=ehc-advice&from=2026-02-02&post16=true", "post16", "only for a planning date derived"),
        ("rule=phase-transfer-meeting-by&from=2027-09-01&la=Narnia", "la", "no LA named 'Narnia'"),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter(make_client, query, field, message) -> None:
    response = make_client("senco").get(f"/api/deadline?{query}")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", field] and message in error["msg"]


@pytest.mark.parametrize(
    "query",
    [
        "rule=ehc-advice&from=2026-02-30",
        "rule=ehc-advice",
        "from=2026-02-02",
        "rule=review-notice&from=2026-11-04&reading=loose",
    ],
)
def test_malformed_queries_are_refused_by_the_schema(make_client, query) -> None:
    assert make_client("senco").get(f"/api/deadline?{query}").status_code == 422
