"""schemathesis against /api/openapi.json, in-process (ASGI), with an API key: every operation the document
declares, every check on (no 5xx but the documented 503; status code, content type, headers and body conform to the
document; schema-valid requests are not refused with 422; schema-invalid ones are refused; a request without the key
gets the documented 401). Bounded: 20 examples per operation, no deadline (about a minute in all). The fast lane
skips it (`-m "not schemathesis"`); the default run and CI run it.

Set-up, and why:
- The document is for signed-in callers and API keys only (SECURITY.md), and the key is made by the fixture, after
  the module is imported (when schemathesis needs the document): so the document is read from the app in-process,
  as the JSON it serves, and test_the_document_declares_security_and_bounds checks that /api/openapi.json serves
  exactly this document to the key (and a 401 without it).
- The database is the dashboard tests' seed (tests/dashboard/seed.py), so the case and workflow-ID routes meet
  both known and unknown IDs (unknown: the documented 404).
- Temporal is unreachable, with no stub: the settings point the real client (starter.client.connect) at a closed
  local port, so every POST that passes its checks answers the documented 503, and nothing is started.
- The app's today is the last date sendclock accepts (2099-12-31), so no date the document allows is in the future:
  "not after today" is a check against the clock that no static document can state. (The API refuses such dates
  with a 422 naming the field; the module docstring of dashboard/api.py says so.)
- positive_data_acceptance is replaced by valid_data_is_accepted (below): the same check, except for the refusals
  the document describes beyond its schema (a transfer date without its kind, a step that is not open, `post16` for
  another rule): those are 422s by the API's contract (README: "422 names each bad field"), and they are told apart
  from a gap in the document by the server's own input model, which must accept every such body.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from pydantic import ValidationError
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings, StaffMember
from dashboard.app import create_app
from dashboard.commands import ACTIONS, START_COMMANDS
from dashboard.web_settings import WebSettings
from store.accounts_queries import add_account, add_token
from store.credentials import new_token, token_digest
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from tests.dashboard.seed import seed
from workflows.models.common import LAST_DATE

pytestmark = pytest.mark.schemathesis


# The app exists when the module is imported (schemathesis reads its document then: its lazy `from_fixture` loader
# does not work with pytest 9); nothing touches the database until the fixture below migrates and seeds it.
_VAR = Path(tempfile.mkdtemp(prefix="sendclock-schemathesis-"))
SETTINGS = Settings(
    var_dir=_VAR,
    database_url=f"sqlite:///{_VAR}/t.db",
    staff={
        "senco": StaffMember(name="Alex Example (SENCO)", role="senco", email="senco@example.org"),
        "ta": StaffMember(name="Sam Example (TA)", role="staff", email="ta@example.org"),
    },
    temporal={"address": "127.0.0.1:9", "namespace": "school-ns"},  # nothing listens there: Temporal is unreachable
)
_ENGINE = make_engine(SETTINGS.resolved_database_url)
_MAKER: sessionmaker[Session] = make_sessionmaker(_ENGINE)
APP = create_app(
    SETTINGS, sessionmaker=_MAKER, today=lambda: LAST_DATE, web_settings=WebSettings(session_secret="s" * 40)
)
# A 503 is what the document promises when Temporal cannot be reached (and what this set-up provokes): every other
# 5xx still fails the run.
CONFIG = schemathesis.Config.from_str("""
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", "503"]
""")


def served_document() -> dict:
    """The document as GET /api/openapi.json serves it (its JSON), built in-process without a request."""
    return json.loads(json.dumps(APP.openapi()))


schema = schemathesis.openapi.from_dict(served_document(), config=CONFIG)
schema.app, schema.location = APP, "/api/openapi.json"  # what from_asgi sets: calls go to the app, in-process


@pytest.fixture(scope="module")
def api_key() -> Iterator[str]:
    """The database migrated and seeded, and an API key of the SENCO's account (what `sendclock user add` and
    `sendclock user api-key` write)."""
    upgrade(SETTINGS.resolved_database_url)
    seed(_MAKER)
    key = new_token()
    with _MAKER.begin() as session:
        account = add_account(session, username="senco", password_hash="x", role="senco", staff_id="senco")
        add_token(session, digest=token_digest(key), kind="api", account_id=account.id, label="schemathesis")
    yield key
    _ENGINE.dispose()
    shutil.rmtree(_VAR, ignore_errors=True)


BODIES = {f"/api/processes/{kind}": model for kind, model in START_COMMANDS.items()} | {
    f"/api/processes/{{workflow_id}}/{action.name}": action.model for action in ACTIONS.values()
}


@schemathesis.check
def valid_data_is_accepted(ctx, response, case) -> None:
    """positive_data_acceptance, with the one 422 the document describes for schema-valid input: a refusal *beyond*
    the schema (the 422 description: wrong against other input, the rule book or the process's open steps, e.g.
    a transfer date without its kind, or `post16` for a rule it does not apply to). It is told apart from a gap
    in the document by the server's own model: a body the model accepts but the route refuses; a query refused by
    the deadline's rule book (type value_error), or a step list's cursor it did not make, never by FastAPI's
    parameter validation (pydantic's types).
    Anything else the document calls valid must not be a 422."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return positive_data_acceptance(ctx, response, case)
    detail = response.json()["detail"]
    model = BODIES.get(case.operation.path)
    if model is not None and case.method == "POST":
        try:
            model.model_validate(case.body)
        except ValidationError as err:
            raise AssertionError(f"the document accepts a body its model refuses: {err}") from None
        return None
    if case.operation.path == "/api/deadline" and all(d["type"] == "value_error" for d in detail):
        return None
    if case.operation.path == "/api/steps" and [d["loc"] for d in detail] == [["query", "cursor"]]:
        return None  # a cursor is opaque: only one the list made (for this order) is taken, as its document says
    return positive_data_acceptance(ctx, response, case)


@schema.parametrize()
@hsettings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_matches_its_document(case, api_key) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"},
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_data_is_accepted],
    )


def test_the_document_declares_security_and_bounds(api_key) -> None:
    """What the fuzz cannot see missing: the security schemes, and the constraints the API enforces; and that the
    document fuzzed above is the one served, to an API key only."""
    from fastapi.testclient import TestClient

    client = TestClient(APP)
    assert client.get("/api/openapi.json").status_code == 401
    response = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 200
    doc = response.json()
    assert doc == served_document()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["apiKey"] == schemes["apiKey"] | {"type": "http", "scheme": "bearer"}
    assert (
        schemes["sessionCookie"] | {"type": "apiKey", "in": "cookie", "name": "sendclock_session"}
        == schemes["sessionCookie"]
    )
    for path, operations in doc["paths"].items():
        if path.startswith("/api/"):
            for op in operations.values():
                assert op["security"] == [{"apiKey": []}, {"sessionCookie": []}], path
                assert "401" in op["responses"], path
                for code, response in op["responses"].items():
                    if code >= "400":
                        ref = response["content"]["application/json"]["schema"]["$ref"]
                        assert ref.endswith("/ValidationProblem" if code == "422" else "/ErrorMessage"), (path, code)
    start = doc["paths"]["/api/processes/ehc-advice-request"]["post"]["responses"]
    assert {"200", "201", "403", "422", "503"} <= set(start) and "$ref" in str(start["201"])
    received = doc["components"]["schemas"]["StartAdvice"]["properties"]["received_on"]
    assert "2014-09-01" in received["description"] and received["pattern"].startswith("^(?:2014-")
    [param] = doc["paths"]["/api/processes/{workflow_id}/step-done"]["post"]["parameters"]
    # the process registry's id pattern (workflows/registry.py): every kind's ids, nothing else (no "..")
    pattern = re.compile(param["schema"]["pattern"])
    assert pattern.match("ehc-advice-request-EHC-0042-20270104") and pattern.match("annual-review-EHC-0042")
    assert not pattern.match("ehc-advice-request-..-20270104") and not pattern.match("annual-review-../x")
