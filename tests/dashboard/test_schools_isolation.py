"""One deployment for a trust of two schools (issue 25): a user never sees or changes another school's data unless a
role says so, on every page and API route (dashboard/scope.py; SECURITY.md, "Who may see what").

The walks below go over every route of the app, as tests/api/test_check_order.py does, so a route added later is held
to the same rules: for each account at a school, every route it may use, with the other school's process, case and
LA in the path, answers exactly as it does for ones that do not exist (the same status and the same words); every
route with its own school's, or with no path parameter, shows nothing of the other school. The trust-wide roles read
both schools and change nothing. Processes, steps, events and notices are seeded directly (tests/dashboard/schools.py),
an overdue step at each school; each school has a `senco` and a `ta`, so that a staff id alone never tells a school.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from dashboard.access import guards_of
from store.accounts import AccessToken
from store.accounts_queries import account_by_username
from store.credentials import new_token, token_digest
from tests.api.test_check_order import MUTATING
from tests.api.test_check_order import guarded as routes  # every guarded route of the app, by method
from tests.dashboard.conftest import NoTemporal, csrf_of
from tests.dashboard.schools import (
    ACCOUNTS,
    ELM_ADVICE,
    ELM_REVIEW,
    EXAMPLES,
    OAK_ADVICE,
    OAK_REVIEW,
    OTHER,
    SCHOOL_USERS,
    SHARED_REF,
    TRUST_USERS,
    leaked,
    settings,  # noqa: F401  (fixture: the trust's settings)
    trust,  # noqa: F401  (fixture: both schools seeded)
)

# Routes that reach Temporal for their answer (histories, replays, the case's audit report): walked only with the
# other school's objects, which must be refused before Temporal is asked anything.
TEMPORAL = ("/history", "/replay", "/audit-report")
# The Temporal Web UI and its codec server check sign-in and role themselves (tested below).
OWN_CHECKS = ("/codec/encode", "/codec/decode", "/temporal", "/temporal/{path:path}")
# Path parameters that name something of one school: its process, its case, an LA its processes name.
SCHOOLS_OWN = ("{workflow_id}", "{case_ref}", "/las/{")
# Routes open to a trust role that change its own account only (its password; signing out), not a school's data.
OWN_ACCOUNT = ("/account/password", "/logout", "/login")


def url(path: str, school: str, name: str = "step-done") -> str:
    """`path` with `school`'s objects as its parameters: its process, case, LA; the action `name`."""
    found = EXAMPLES[school]

    def example(match: re.Match) -> str:
        param = match.group(1).split(":")[0]
        if param == "name":
            return found["la"] if path.startswith(("/las/", "/api/las/")) else name
        return {
            "workflow_id": found["workflow_id"],
            "case_ref": found["case_ref"],
            "kind": "ehc-advice-request",
            "rule_id": "ehc-advice",
            "token": "not-a-token",
        }[param]

    return re.sub(r"\{([^}]+)\}", example, path)


def may(route, role: str) -> bool:
    return all(role in guard.roles for guard in guards_of(route.dependant))


def same_answer(a, b, a_school: str, b_school: str) -> bool:
    """Two answers that say the same, once each school's ids, references and LA are written alike."""

    def plain(text: str, school: str) -> str:
        for value in EXAMPLES[school].values():
            text = text.replace(value, "X")
        return text

    return a.status_code == b.status_code and plain(a.text, a_school) == plain(b.text, b_school)


@pytest.fixture
def clients(make_client, trust):
    """A client signed in as each account (tests/dashboard/schools.py), with its CSRF token for the API."""
    signed_in = {}
    for username in ACCOUNTS:
        client = make_client(username)
        signed_in[username] = (client, client.get("/api/me").json()["csrf_token"])
    return signed_in


@pytest.mark.databases
def test_a_school_user_reads_nothing_of_the_other_school_on_any_route(clients) -> None:
    """Every GET route an account at a school may use: with the other school's process, case or LA it answers as for
    one that does not exist; with its own (or none), nothing of the other school is in the answer."""
    wrong: list[str] = []
    app = next(iter(clients.values()))[0].app
    for username in SCHOOL_USERS:
        role, school, _ = ACCOUNTS[username]
        other = OTHER[school]
        client, _ = clients[username]
        for route, path, _ in routes(app, {"GET"}):
            if not may(route, role):
                continue
            if any(param in path for param in SCHOOLS_OWN):
                theirs, unknown = client.get(url(path, other)), client.get(url(path, "unknown"))
                if not same_answer(theirs, unknown, other, "unknown") or theirs.status_code < 400:
                    wrong.append(f"{username} GET {path} with {other}'s: {theirs.status_code} {theirs.text[:120]}")
                if any(part in path for part in TEMPORAL):
                    continue
            mine = client.get(url(path, school))
            if found := leaked(mine.text, other):
                wrong.append(f"{username} GET {path}: {other}'s {found} ({mine.status_code})")
    assert not wrong, "\n".join(wrong)


def test_asking_for_the_other_school_changes_nothing_for_a_school_user(clients) -> None:
    """?school= narrows a trust role's reads; a school's account reads its own school whatever it asks."""
    client, _ = clients["oak-senco"]
    for path in ("/", "/overdue", "/api/steps", "/outbox", "/api/outbox", "/api/audit", "/compliance", "/this-term"):
        r = client.get(path, params={"school": "elm"})
        assert r.status_code == 200 and not leaked(r.text, "elm"), path
    assert "OAK-0001" in client.get("/api/steps", params={"school": "elm"}).text


@pytest.mark.parametrize("api", [True, False], ids=["api", "form"])
def test_a_change_to_the_other_schools_process_is_a_404_as_an_unknown_one(clients, api) -> None:
    """Every route that records a change on a process: the other school's process answers as an unknown one, for
    every account that may record anything (a SENCO with good input too), and Temporal is never asked."""
    wrong: list[str] = []
    calls = NoTemporal.calls
    app = next(iter(clients.values()))[0].app
    for username in SCHOOL_USERS:
        role, school, _ = ACCOUNTS[username]
        other = OTHER[school]
        client, token = clients[username]
        for route, path, method in routes(app, MUTATING):
            if "{workflow_id}" not in path or path.startswith("/api/") != api or not may(route, role):
                continue
            csrf = token if api else csrf_of(client.get("/").text)

            def post(school: str, path=path, client=client, csrf=csrf):
                target = url(path, school)
                if api:
                    return client.post(target, json={"__x__": 1}, headers={"x-csrf-token": csrf})
                return client.post(target, data={"__x__": "1", "csrf_token": csrf}, follow_redirects=False)

            theirs, unknown = post(other), post("unknown")
            if not same_answer(theirs, unknown, other, "unknown") or theirs.status_code < 400:
                wrong.append(f"{username} {method} {path} on {other}'s: {theirs.status_code} {theirs.text[:120]}")
    assert not wrong, "\n".join(wrong)
    # Good input, from the SENCO of the other school: no such process, as an unknown one.
    client, token = clients["oak-senco"]
    body = {"rule_id": "ehc-advice", "done_on": "2027-03-01"}
    if api:
        theirs = client.post(f"/api/processes/{ELM_ADVICE}/step-done", json=body, headers={"x-csrf-token": token})
        unknown = client.post(
            f"/api/processes/{EXAMPLES['unknown']['workflow_id']}/step-done", json=body, headers={"x-csrf-token": token}
        )
    else:
        form = body | {"csrf_token": csrf_of(client.get("/").text)}
        theirs = client.post(f"/processes/{ELM_ADVICE}/step-done", data=form, follow_redirects=False)
        unknown = client.post(
            f"/processes/{EXAMPLES['unknown']['workflow_id']}/step-done", data=form, follow_redirects=False
        )
    assert theirs.status_code == unknown.status_code == 404 and same_answer(theirs, unknown, "elm", "unknown")
    assert NoTemporal.calls == calls  # nothing reached Temporal


def test_the_chase_letter_of_the_other_schools_process_is_not_found(clients) -> None:
    client, token = clients["oak-senco"]
    for path in (f"/processes/{ELM_ADVICE}/chase/ehc-advice", f"/api/processes/{ELM_ADVICE}/chase/ehc-advice"):
        assert client.get(path).status_code == 404
    r = client.post(
        f"/processes/{ELM_ADVICE}/chase/ehc-advice",
        data={"subject": "s", "body": "b", "csrf_token": csrf_of(client.get("/").text)},
        follow_redirects=False,
    )
    assert r.status_code == 404


@pytest.mark.databases
def test_the_trust_roles_read_both_schools(clients) -> None:
    for username in TRUST_USERS:
        client, _ = clients[username]
        for path in ("/", "/overdue", "/api/steps", "/outbox", "/api/outbox", "/steps.csv", "/this-term", "/today"):
            text = client.get(path).text
            assert not [m for m in ("OAK-0001", "ELM-0001") if m not in text], (username, path)
        soon = client.get("/api/steps", params={"view": "due-soon"}).json()["steps"]
        assert {(s["school"], s["case_ref"]) for s in soon} == {("oak", SHARED_REF), ("elm", SHARED_REF)}
        for ref in ("OAK-0001", "ELM-0001"):
            assert client.get(f"/cases/{ref}").status_code == 200 and client.get(f"/api/cases/{ref}").status_code == 200
        steps = client.get("/api/steps").json()["steps"]
        assert {(s["school"], s["school_name"]) for s in steps} == {
            ("oak", "Oak Primary School"),
            ("elm", "Elm Academy"),
        }
        html = client.get("/overdue").text
        assert '<th scope="col">School</th>' in html and 'id="f-school"' in html
        assert "Oak Primary School" in html and "Elm Academy" in html
        # A member of staff by their own school's name: each school's "senco" is someone else.
        assert "Asha Oakley (SENCO)" in html and "Cara Elmwood (SENCO)" in html
        csv = client.get("/steps.csv").text.splitlines()
        assert csv[0].startswith("school,case_ref,") and any(line.startswith("Elm Academy,ELM-0001,") for line in csv)
    auditor, _ = clients["trust-auditor"]
    log = auditor.get("/api/audit").json()
    assert {e["school"] for e in log} == {"oak", "elm"}
    assert "ELM-0001" in auditor.get("/audit").text and "OAK-0001" in auditor.get("/audit").text
    assert clients["trust-lead"][0].get("/audit").status_code == 403  # leadership reads no audit log, trust-wide too


@pytest.mark.databases
def test_a_trust_role_narrows_to_one_school(clients) -> None:
    client, _ = clients["trust-lead"]
    steps = client.get("/api/steps", params={"school": "elm"}).json()["steps"]
    assert steps and {s["school"] for s in steps} == {"elm"}
    html = client.get("/overdue", params={"school": "oak"}).text
    assert "OAK-0001" in html and "ELM-0001" not in html
    assert client.get("/api/steps", params={"school": "ash"}).status_code == 422  # no such school
    compliance = client.get("/api/compliance", params={"school": "oak"}).json()
    assert compliance["total"]["counted"] == 1 and compliance["total"]["on_time"] == 0  # oak's overdue advice only
    term = client.get("/this-term", params={"school": "elm"}).text
    assert "Everything due at Elm Academy." in term and "ELM-0001" in term and "OAK-0001" not in term
    assert 'id="register-annual-review">1<' in term  # elm's one pupil with a plan (EHC-0042 at elm, not oak's)
    assert 'id="register-annual-review">2<' in client.get("/this-term").text  # both schools' EHC-0042: two pupils
    assert client.get("/compliance/termly.csv", params={"school": "elm"}).status_code == 200
    las = client.get("/las.csv", params={"school": "elm"}).text
    assert "Elmshire,2026-27,ehc-assessment-decision" in las and "Oakshire" not in las
    assert "Elmshire" not in client.get("/las.csv", params={"school": "oak"}).text


def test_a_case_reference_both_schools_use_is_two_pupils(clients) -> None:
    oak_ta, _ = clients["oak-ta"]
    html = oak_ta.get(f"/cases/{SHARED_REF}").text
    assert "Ben Oakley (TA)" in html and not leaked(html, "elm")
    [process] = oak_ta.get(f"/api/cases/{SHARED_REF}").json()["processes"]
    assert process["workflow_id"] == OAK_REVIEW and process["school"] == "oak"
    elm_head, _ = clients["elm-head"]
    [process] = elm_head.get(f"/api/cases/{SHARED_REF}").json()["processes"]
    assert process["workflow_id"] == ELM_REVIEW
    # A trust role is asked which school's pupil, and each link opens that school's case.
    trust_lead, _ = clients["trust-lead"]
    choose = trust_lead.get(f"/cases/{SHARED_REF}").text
    assert 'id="choose-school"' in choose and "EHC-0042 at Oak Primary School" in choose
    assert f"/cases/{SHARED_REF}?school=elm" in choose
    page = trust_lead.get(f"/cases/{SHARED_REF}", params={"school": "elm"}).text
    assert "Elm Academy" in page and "Eve Elmwood (TA)" in page and OAK_REVIEW not in page
    both = trust_lead.get(f"/api/cases/{SHARED_REF}").json()["processes"]
    assert {p["school"] for p in both} == {"oak", "elm"}


def test_staff_see_their_own_steps_of_their_own_school_only(clients) -> None:
    """Both schools have a member of staff with the id `ta`: oak's TA sees oak's TA's step and notice, not elm's."""
    client, _ = clients["oak-ta"]
    steps = client.get("/api/steps").json()["steps"]
    assert [(s["workflow_id"], s["owner"]) for s in steps] == [(OAK_REVIEW, "ta")]
    subjects = [m["subject"] for m in client.get("/api/outbox").json()]
    assert subjects == ["EHC-0042 OAK-NOTICE to the TA"]
    assert client.get(f"/cases/{SHARED_REF}").status_code == 200
    assert client.get(f"/processes/{ELM_REVIEW}/report-sent").status_code == 404  # elm's TA's step: not theirs
    assert client.get(f"/processes/{OAK_REVIEW}/report-sent").status_code == 200


def test_search_finds_the_schools_own_cases_only(clients) -> None:
    client, _ = clients["oak-senco"]
    assert client.get("/search", params={"q": "ELM"}).status_code == 200
    assert "ELM-0001" not in client.get("/search", params={"q": "ELM"}).text
    r = client.get("/search", params={"q": "OAK-0"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/cases/OAK-0001"
    trust_client, _ = clients["trust-auditor"]
    found = trust_client.get("/search", params={"q": "E"}).text
    assert "ELM-0001" in found and "EHC-0042" in found


def test_the_sign_in_log_of_a_school_is_its_accounts(clients) -> None:
    elm, _ = clients["elm-auditor"]
    html = elm.get("/audit/sign-ins").text
    assert "elm-head" in html and "oak-senco" not in html and "trust-lead" not in html
    everyone = clients["trust-auditor"][0].get("/audit/sign-ins").text
    assert "elm-head" in everyone and "oak-senco" in everyone


def test_a_schools_auditor_is_not_shown_the_whole_trusts_fingerprint(clients) -> None:
    html = clients["elm-auditor"][0].get("/audit").text
    assert 'id="head-now"' not in html and 'id="whole-record"' in html
    assert 'id="head-now"' in clients["trust-auditor"][0].get("/audit").text


def test_the_trust_roles_change_nothing(clients) -> None:
    """Every route that changes something answers 403 to a trust role, on both schools' processes, except its own
    account's password (and signing out)."""
    wrong: list[str] = []
    app = next(iter(clients.values()))[0].app
    for username in TRUST_USERS:
        client, token = clients[username]
        for _route, path, method in routes(app, MUTATING):
            if path in OWN_ACCOUNT:
                continue
            for school in ("oak", "elm"):
                target = url(path, school)
                if path.startswith("/api/"):
                    r = client.request(method, target, json={"__x__": 1}, headers={"x-csrf-token": token})
                else:
                    data = {"__x__": "1", "csrf_token": csrf_of(client.get("/").text)}
                    r = client.request(method, target, data=data, follow_redirects=False)
                if r.status_code != 403:
                    wrong.append(f"{username} {method} {path} ({school}): {r.status_code} {r.text[:100]}")
    assert not wrong, "\n".join(wrong)
    for username in TRUST_USERS:
        html = clients[username][0].get("/cases/OAK-0001").text
        assert 'href="/processes/' not in html  # no change is offered


def test_only_the_trusts_auditor_opens_the_temporal_web_ui_in_a_trust(clients) -> None:
    """The Temporal Web UI lists every school's workflows and cannot be limited to one: a school's SENCO and auditor
    are refused it (and the codec server), and get no link to it; the trust's auditor passes the check (the UI itself
    does not run here)."""
    for username in ("oak-senco", "elm-auditor", "elm-head", "trust-lead"):
        client, _ = clients[username]
        assert client.get("/temporal/", follow_redirects=False).status_code == 403, username
        assert client.get("/temporal/api/v1/namespaces").status_code == 403, username
        decoded = client.post("/codec/decode", json={"payloads": []})
        assert decoded.status_code == 403, username
        assert "Temporal Web UI" not in client.get("/overdue").text
    auditor, _ = clients["trust-auditor"]
    assert auditor.post("/codec/decode", json={"payloads": []}).status_code == 200
    assert auditor.get("/temporal/api/v1/namespaces").status_code == 503  # let through: nothing listens here
    assert "Temporal Web UI" in auditor.get("/overdue").text


def test_me_says_the_accounts_school(clients) -> None:
    assert clients["oak-ta"][0].get("/api/me").json()["school"] == "oak"
    assert clients["trust-lead"][0].get("/api/me").json()["school"] is None


def test_a_school_user_sees_its_schools_name_and_staff(clients) -> None:
    html = clients["elm-head"][0].get("/overdue").text
    assert "sendclock · Elm Academy" in html and "Cara Elmwood (SENCO)" in html
    assert '<th scope="col">School</th>' not in html and 'id="f-school"' not in html  # one school: named nowhere
    # The API names each row's school in a deployment of several (its own, here), for every caller.
    assert {s["school"] for s in clients["elm-head"][0].get("/api/steps").json()["steps"]} == {"elm"}
    trust_html = clients["trust-lead"][0].get("/overdue").text
    assert "sendclock · Example Learning Trust" in trust_html


def feed(make_client, db, kind: str, staff_id: str | None, school: str | None, username: str | None = None):
    secret = new_token()
    with db.begin() as session:
        account = account_by_username(session, username).id if username else None
        session.add(
            AccessToken(
                digest=token_digest(secret),
                kind=kind,
                staff_id=staff_id,
                school=school,
                account_id=account,
                label="t",
                created_at=datetime.now(UTC),
            )
        )
    return Calendar.from_ical(make_client().get(f"/feeds/{secret}.ics").content)


def test_a_feed_is_one_schools(make_client, trust) -> None:
    """A feed is the school's it was made for (else its account's): a staff feed that person's steps there (each
    school has a `ta`), a school feed every open step there. One whose school cannot be told is empty and says so:
    never the other school's steps, never both."""

    def cases(cal: Calendar) -> set[str]:
        return {re.search(r"(OAK|ELM|EHC)-\d{4}", str(e["summary"])).group() for e in cal.walk("VEVENT")}

    def uids(cal: Calendar) -> set[str]:
        return {str(e["uid"]).partition("/")[0] for e in cal.walk("VEVENT")}

    elm_ta = feed(make_client, trust, "feed-staff", "ta", "elm")
    assert uids(elm_ta) == {ELM_REVIEW} and str(elm_ta["x-wr-calname"]) == "sendclock: Eve Elmwood (TA)"
    oak_school = feed(make_client, trust, "feed-school", None, "oak")
    assert uids(oak_school) == {OAK_ADVICE, OAK_REVIEW}
    assert str(oak_school["x-wr-calname"]) == "sendclock: Oak Primary School"
    by_account = feed(make_client, trust, "feed-staff", "ta", None, "oak-ta")  # no school of its own: its account's
    assert uids(by_account) == {OAK_REVIEW}
    nobodys = feed(make_client, trust, "feed-school", None, None)
    assert cases(nobodys) == set() and "which school" in str(nobodys["x-wr-calname"])


def test_the_api_document_names_no_schools_staff_ids(clients) -> None:
    doc = clients["oak-senco"][0].get("/api/openapi.json").json()
    owner = doc["components"]["schemas"]["StartAdvice"]["properties"]["owner"]
    assert "enum" not in owner
    assert "/api/trust" in doc["paths"]


def test_every_route_is_walked(clients) -> None:
    """The walks above see every guarded route (a route added later is walked too)."""
    app = next(iter(clients.values()))[0].app
    paths = {path for _, path, _ in routes(app, {"GET"} | MUTATING)}
    assert {"/trust", "/api/trust", "/cases/{case_ref}", "/api/processes/{workflow_id}/step-done"} <= paths
    assert {OAK_ADVICE, ELM_ADVICE} == {EXAMPLES["oak"]["workflow_id"], EXAMPLES["elm"]["workflow_id"]}
