"""Every route checks in one order (dashboard/access.py): authenticate (401 on the API, the sign-in page otherwise),
authorise (a role that may not: 403; a cookie session without its CSRF token: 403; staff on a process with no step
of theirs: 404), and only then read and validate the input (422). A caller who may not act learns nothing about the
input a route expects: no field names, no schema details.

The tests walk the app's routes, so a route added later is held to the same order: a route that answers to anyone
must be in PUBLIC or OWN_CHECKS below, with the reason; every other route must declare a Guard and be a
CheckedRoute. Each once answered otherwise: a cookie session without the CSRF header, or a role that may not act,
got the body's 422 (FastAPI validated the body before the handler checked the token), and malformed JSON got a 422
even with no credentials at all (FastAPI parses the body before it runs any dependency); /api/openapi.json was
public."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from dashboard.access import CheckedRoute, Guard, guards_of
from store.accounts import Account
from store.accounts_queries import account_by_username, add_token
from store.credentials import new_token, token_digest
from tests.dashboard.conftest import _HASH, csrf_of
from tests.dashboard.seed import OPENED, seed

KENT = "ehc-advice-request-EHC-0042-20270111"  # seeded: the SENCO's open advice request; no step of the TA's
REVIEW = "annual-review-EHC-0007"  # seeded: an annual review with the TA's open review-report
UNKNOWN = "ehc-advice-request-EHC-9999-20270111"
# Routes that answer to anyone, and why.
PUBLIC = {
    "/login": "signing in: the form's CSRF token, then the attempt",
    "/logout": "signing out: the form's CSRF token only",
    "/healthz": "liveness, no data",
    "/feeds/{token}.ics": "the secret token in the URL is the credential (unknown and revoked: 404)",
}
# Routes that check sign-in and role themselves, before any input, and whose input FastAPI does not validate.
OWN_CHECKS = {
    "/codec/encode": "the Temporal UI's codec server: origin, session, role, then the payloads",
    "/codec/decode": "the Temporal UI's codec server: origin, session, role, then the payloads",
    "/temporal": "the Temporal Web UI's entry: a redirect to /temporal/",
    "/temporal/{path:path}": "the Temporal Web UI through the dashboard: session, role, then a read-only allow-list",
}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
USERS = {"senco": "senco", "leadership": "head", "staff": "ta", "auditor": "auditor"}  # role -> seeded account
# The trust-wide roles (issue 25), which read as leadership and an auditor do and change nothing: accounts at no school.
USERS |= {"trust-leadership": "trust-lead", "trust-auditor": "trust-auditor"}
TRUST_ACCOUNTS = {"trust-lead": "trust-leadership", "trust-auditor": "trust-auditor"}
EXAMPLES = {
    "workflow_id": KENT,
    "kind": "ehc-advice-request",
    "name": "advice-sent",
    "case_ref": "EHC-0042",
    "rule_id": "ehc-final-plan",
}
NOT_A_FIELD = "__not_a_field__"


def walk(app) -> list[tuple[APIRoute, str, set[str]]]:
    """Every route of the app as (route, path, methods). FastAPI 0.16x keeps included routers lazily, so
    app.routes holds them unflattened: iter_route_contexts flattens them (earlier versions: app.routes is flat)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - FastAPI before included routers were kept lazily
        return [(r, r.path, set(getattr(r, "methods", None) or ())) for r in app.routes]
    return [(c.original_route, c.path, set(c.methods or ())) for c in iter_route_contexts(app.routes)]


def query_names(dependant) -> set[str]:
    """The query parameters a route declares, its dependencies' included."""
    return {p.alias for p in dependant.query_params} | {n for d in dependant.dependencies for n in query_names(d)}


def roles_of(route: APIRoute) -> set[str]:
    """The roles every one of the route's guards lets through."""
    found = set(USERS)
    for guard in guards_of(route.dependant):
        found &= set(guard.roles)
    return found


def url(path: str, values: dict[str, str] | None = None) -> str:
    def example(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        if values is not None:
            return values.get(name, "!bad!")
        assert name in EXAMPLES, f"{path}: add an example for the path parameter {name} to EXAMPLES"
        return EXAMPLES[name]

    return re.sub(r"\{([^}]+)\}", example, path)


def guarded(app, methods: set[str]) -> list[tuple[APIRoute, str, str]]:
    found = []
    for route, path, route_methods in walk(app):
        if path in PUBLIC or path in OWN_CHECKS:
            continue
        for method in sorted(route_methods & methods):
            found.append((route, path, method))
    assert found, "no routes found: the walk is broken"
    return found


@pytest.fixture
def clients(make_client, db):
    """A signed-in client per role, with its CSRF token; an anonymous client; an API key per role."""
    seed(db)
    with db.begin() as session:
        for username, role in TRUST_ACCOUNTS.items():
            session.add(
                Account(
                    username=username,
                    password_hash=_HASH,
                    role=role,
                    school=None,
                    staff_id=None,
                    active=True,
                    created_at=OPENED,
                )
            )
    signed_in = {}
    for role, username in USERS.items():
        client = make_client(username)
        signed_in[role] = (client, client.get("/api/me").json()["csrf_token"])
    keys = {}
    with db.begin() as session:
        for role, username in USERS.items():
            keys[role] = new_token()
            add_token(
                session,
                digest=token_digest(keys[role]),
                kind="api",
                account_id=account_by_username(session, username).id,
                label="check order",
            )
    return make_client(), signed_in, keys


def send(
    client,
    method: str,
    path: str,
    *,
    csrf: str | None = None,
    malformed: bool = False,
    headers: dict[str, str] | None = None,
):
    """`method` on `path` with input that is wrong for every route: an unknown field (JSON on the API, a form on the
    pages), or JSON that does not parse; `csrf`, when given, as the route kind expects it."""
    headers = dict(headers or {})
    if path.startswith("/api/"):
        if csrf is not None:
            headers["x-csrf-token"] = csrf
        if malformed:
            return client.request(
                method,
                path,
                content=b"{",
                headers=headers | {"content-type": "application/json"},
                follow_redirects=False,
            )
        return client.request(method, path, json={NOT_A_FIELD: 1}, headers=headers, follow_redirects=False)
    data = {NOT_A_FIELD: "1"} | ({"csrf_token": csrf} if csrf is not None else {})
    return client.request(method, path, data=data, headers=headers, follow_redirects=False)


def page_csrf(client) -> str:
    return csrf_of(client.get("/").text)


def signed_out(response, path: str) -> bool:
    if path.startswith("/api/"):
        return response.status_code == 401 and response.headers.get("www-authenticate") == "Bearer"
    return response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_every_route_declares_its_guard(make_client) -> None:
    """A new route that forgets its guard, or is not a CheckedRoute (so FastAPI would read its body first), fails
    here until it declares one, or is listed in PUBLIC or OWN_CHECKS with its reason."""
    app = make_client().app
    unguarded = []
    for route, path, methods in walk(app):
        if path in PUBLIC or path in OWN_CHECKS:
            continue
        if not isinstance(route, CheckedRoute) or not guards_of(route.dependant):
            unguarded.append(f"{sorted(methods)} {path}")
    assert not unguarded, f"routes without a Guard on a CheckedRoute: {unguarded}"
    paths = {path for _, path, _ in walk(app)}
    assert set(PUBLIC) <= paths, f"PUBLIC lists routes the app no longer has: {set(PUBLIC) - paths}"


def test_every_mutating_route_authenticates_then_authorises_then_validates(clients) -> None:
    anonymous, signed_in, keys = clients
    app = anonymous.app
    wrong: list[str] = []

    def expect(ok: bool, what: str, response) -> None:
        if not ok:
            wrong.append(f"{what}: {response.status_code} {response.text[:160]}")

    for route, path, method in guarded(app, MUTATING):
        target, api = url(path), path.startswith("/api/")
        may = roles_of(route)
        assert "senco" in may, f"{method} {path}: no role may act (senco is every guard's)"
        # 1. No credentials: 401 / the sign-in page, whatever the input (even JSON that does not parse).
        for malformed in (False, True) if api else (False,):
            r = send(anonymous, method, target, malformed=malformed)
            expect(signed_out(r, path), f"{method} {path} signed out{' malformed' if malformed else ''}", r)
        # 2. A role that may not act: 403, with a good CSRF token, and with an API key (no CSRF in play).
        for role in set(USERS) - may:
            client, token = signed_in[role]
            r = send(client, method, target, csrf=token if api else page_csrf(client))
            expect(r.status_code == 403, f"{method} {path} as {role}", r)
            if api:
                for malformed in (False, True):
                    r = send(
                        anonymous,
                        method,
                        target,
                        malformed=malformed,
                        headers={"authorization": f"Bearer {keys[role]}"},
                    )
                    expect(r.status_code == 403, f"{method} {path} as {role} with a key", r)
        # 3. A role that may act, by cookie, without the CSRF token or with a forged one: 403.
        client, token = signed_in["senco"]
        for forged in (None, "forged"):
            for malformed in (False, True) if api else (False,):
                r = send(client, method, target, csrf=forged, malformed=malformed)
                expect(
                    r.status_code == 403 and "csrf" in r.text.lower(),
                    f"{method} {path} as senco, CSRF {forged}{' malformed' if malformed else ''}",
                    r,
                )
        # 4. Only now the input: 422 (the API: a list by field; the pages: the form again).
        for malformed in (False, True) if api else (False,):
            r = send(client, method, target, csrf=token if api else page_csrf(client), malformed=malformed)
            expect(r.status_code == 422, f"{method} {path} as senco, bad input{' malformed' if malformed else ''}", r)
            if api:
                expect(isinstance(r.json().get("detail"), list), f"{method} {path}: 422 as a list", r)
                r = send(
                    anonymous, method, target, malformed=malformed, headers={"authorization": f"Bearer {keys['senco']}"}
                )
                expect(r.status_code == 422, f"{method} {path} with the SENCO's key, bad input", r)
    assert not wrong, "\n".join(wrong)


def test_every_read_authenticates_then_authorises_before_its_parameters(clients) -> None:
    """GET routes with validated path or query parameters: junk in every parameter still gets 401 / the sign-in
    page without credentials, and 403 for a role that may not read, never a 422."""
    anonymous, signed_in, keys = clients
    wrong: list[str] = []
    for route, path, _method in guarded(anonymous.app, {"GET"}):
        junk = dict.fromkeys(query_names(route.dependant), "!bad!")
        target = url(path, {})
        r = anonymous.get(target, params=junk, follow_redirects=False)
        if not signed_out(r, path):
            wrong.append(f"GET {path} signed out: {r.status_code}")
        for role in set(USERS) - roles_of(route):
            r = signed_in[role][0].get(target, params=junk, follow_redirects=False)
            if r.status_code != 403:
                wrong.append(f"GET {path} as {role}: {r.status_code} {r.text[:120]}")
            if path.startswith("/api/"):
                r = anonymous.get(target, params=junk, headers={"authorization": f"Bearer {keys[role]}"})
                if r.status_code != 403:
                    wrong.append(f"GET {path} as {role} with a key: {r.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("api", [True, False], ids=["api", "form"])
def test_staff_on_a_process_that_is_not_theirs_get_404_before_anything_about_the_input(clients, api) -> None:
    """A process with no step of theirs is a 404 for staff, as an unknown one (never a 403 that would confirm it,
    nor a 422 that would describe its form); on a process of theirs, an action that is not theirs is a 403; only a
    change open to them reaches validation."""
    anonymous, signed_in, _ = clients
    client, token = signed_in["staff"]

    def post(workflow_id: str, action: str, csrf: str | None = "good"):
        path = f"/api/processes/{workflow_id}/{action}" if api else f"/processes/{workflow_id}/{action}"
        csrf = None if csrf is None else (token if api else page_csrf(client)) if csrf == "good" else csrf
        return send(client, "POST", path, csrf=csrf)

    theirs_not, unknown = post(KENT, "advice-sent"), post(UNKNOWN, "advice-sent")
    assert theirs_not.status_code == unknown.status_code == 404
    assert theirs_not.text.replace(KENT, "ID") == unknown.text.replace(UNKNOWN, "ID")  # nothing tells them apart
    assert post(KENT, "step-done").status_code == 404
    assert post(REVIEW, "meeting").status_code == 403  # the SENCO's move, on the TA's review
    assert post(REVIEW, "report-sent", csrf=None).status_code == 403  # theirs, but no CSRF token
    assert post(REVIEW, "report-sent").status_code == 422  # theirs: now the input is read
    form = client.get(f"/processes/{KENT}/advice-sent")
    assert form.status_code == 404 and NOT_A_FIELD not in form.text


def test_routes_with_their_own_checks_still_authenticate_and_authorise_first(clients) -> None:
    anonymous, signed_in, _ = clients
    paths = {path for _, path, _ in walk(anonymous.app)}
    head = signed_in["leadership"][0]
    if "/codec/decode" in paths:
        for path in ("/codec/decode", "/codec/encode"):
            assert anonymous.post(path, content=b"{", headers={"content-type": "application/json"}).status_code == 401
            assert head.post(path, content=b"{", headers={"content-type": "application/json"}).status_code == 403
    if "/temporal/{path:path}" in paths:
        terminate = "/temporal/api/v1/namespaces/school-ns/workflows/x/terminate"
        assert anonymous.post(terminate, json={NOT_A_FIELD: 1}).status_code == 401
        assert head.post(terminate, json={NOT_A_FIELD: 1}).status_code == 403


def test_the_api_document_is_for_signed_in_callers_and_keys_only(clients) -> None:
    """It describes no data, but names the school's staff ids (the `owner` enums): a school's server keeps it to
    its own accounts (SECURITY.md, README)."""
    anonymous, signed_in, keys = clients
    r = anonymous.get("/api/openapi.json")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer" and "senco" not in r.text
    assert anonymous.get("/openapi.json").status_code == 404 and anonymous.get("/docs").status_code == 404
    documents = [client.get("/api/openapi.json") for client, _ in signed_in.values()]
    documents += [anonymous.get("/api/openapi.json", headers={"authorization": f"Bearer {k}"}) for k in keys.values()]
    assert all(d.status_code == 200 for d in documents)
    doc = documents[0].json()
    assert all(d.json() == doc for d in documents)
    assert doc["components"]["schemas"]["StartAdvice"]["properties"]["owner"]["enum"] == [
        "class-teacher",
        "head",
        "senco",
        "ta",
    ]


def test_the_guards_roles_are_those_of_auth() -> None:
    """dashboard.access's guards let through the roles dashboard.auth names (one list of who may do what)."""
    from dashboard import access, auth

    assert isinstance(access.reader, Guard) and access.reader.roles == auth.READERS
    assert access.all_reader.roles == auth.ALL_READERS and access.recording().roles == auth.WRITERS
    assert access.auditor.roles == auth.AUDITORS and access.senco_only.roles == ("senco",)
