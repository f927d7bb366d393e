"""The trust view (issue 25, dashboard/trust.py): overdue and due-soon steps across the trust's schools, the compliance
figures per school and per step, each school's own overdue list one click away; for the trust-wide roles only, in the
SENCO's words (school names and plain titles, the one date format, no ids). A deployment of one school has none."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from config.settings import Settings, StaffMember
from statutory.clock import fmt
from store.accounts import Account
from tests.dashboard.conftest import _HASH, sign_in
from tests.dashboard.schools import (
    ELM_ADVICE,
    OAK_ADVICE,
    SCHOOL_USERS,
    SHARED_REF,
    TRUST_USERS,
    trust,  # noqa: F401  (fixture: both schools seeded)
    trust_settings,
)
from tests.dashboard.seed import OPENED, d, seed


@pytest.fixture
def settings(request, tmp_path: Path, database_url: str) -> Settings:
    """The trust's two schools (tests/dashboard/schools.py); for a test asking for `one_school`, the shipped shape,
    one school (as tests/dashboard/conftest.py's)."""
    if "one_school" not in request.fixturenames:
        return trust_settings(tmp_path, database_url)
    staff = {
        "senco": StaffMember(name="Alex Example (SENCO)", role="senco", email="senco@example.org"),
        "ta": StaffMember(name="Sam Example (TA)", role="staff", email="ta@example.org"),
    }
    return Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/t.db", staff=staff)


def rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table `table_id`, each cell's text."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, f"no table {table_id}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S).group(1)
    return [
        [
            re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", cell))).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def visible(html: str) -> str:
    """The page's words, without its markup (links' addresses, attributes)."""
    main = html[html.index("<main>") :]
    return unescape(re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize("username", TRUST_USERS)
def test_the_trust_view_lists_both_schools_overdue_steps(client_as, trust, username) -> None:
    client = client_as(username)
    response = client.get("/trust")
    assert response.status_code == 200
    html = response.text
    overdue = rows(html, "overdue")
    # Most overdue first: elm's advice (4 days) before oak's (3 days), each with its school, its owner by name.
    assert [(r[0], r[1]) for r in overdue] == [("Elm Academy", "ELM-0001"), ("Oak Primary School", "OAK-0001")]
    assert overdue[0][3] == "Advice to the LA for an EHC needs assessment" and overdue[0][4] == fmt(d(-4))
    assert overdue[0][5] == "4 days overdue" and overdue[0][6] == "Cara Elmwood (SENCO)"
    assert overdue[1][6] == "Asha Oakley (SENCO)"  # each school's `senco` by that school's directory
    soon = rows(html, "due-soon")
    assert [(r[0], r[1], r[6]) for r in soon] == [
        ("Oak Primary School", SHARED_REF, "Ben Oakley (TA)"),
        ("Elm Academy", SHARED_REF, "Eve Elmwood (TA)"),
    ]
    # The case links keep the school: two schools use EHC-0042.
    assert f'href="/cases/{SHARED_REF}?school=elm"' in html and f'href="/cases/{SHARED_REF}?school=oak"' in html


def test_each_schools_page_is_one_click_away(client_as, trust) -> None:
    client = client_as("trust-lead")
    html = client.get("/trust").text
    schools = rows(html, "schools")
    assert [r[:4] for r in schools] == [
        ["Oak Primary School", "1", "1", "2"],
        ["Elm Academy", "1", "1", "2"],
    ]
    links = dict(re.findall(r'<th scope="row" data-label="School"><a href="([^"]+)">([^<]+)</a>', html))
    assert links == {"/overdue?school=oak": "Oak Primary School", "/overdue?school=elm": "Elm Academy"}
    page = client.get("/overdue?school=elm").text
    assert "ELM-0001" in page and "OAK-0001" not in page
    assert '<option value="elm" selected>Elm Academy</option>' in page  # the school filter says which


@pytest.mark.databases
def test_compliance_per_school_and_per_step(client_as, trust) -> None:
    client = client_as("trust-auditor")
    html = client.get("/trust").text
    table = re.search(r'<table[^>]*id="per-rule".*?</table>', html, re.S).group(0)
    assert '<th scope="col">Oak Primary School</th>' in table and '<th scope="col">Elm Academy</th>' in table
    per_rule = rows(html, "per-rule")
    # Oak: its advice is overdue (late so far); elm: one sent on time last autumn, one overdue, and Elmshire's
    # decision to assess came late. Review reports are not yet due: not counted.
    assert per_rule == [
        ["All steps", "0% on time (0 of 1)", "33% on time (1 of 3)"],
        ["Advice to the LA for an EHC needs assessment", "0% on time (0 of 1)", "50% on time (1 of 2)"],
        ["LA decision whether to carry out an EHC needs assessment", "none counted", "0% on time (0 of 1)"],
    ]
    assert rows(html, "schools")[1][4] == "33% on time (1 of 3) at Elm Academy"
    earlier = rows(client.get("/trust?year=2025").text, "per-rule")
    assert earlier == [["All steps", "none counted", "none counted"]]
    data = client.get("/api/trust").json()
    assert data["academic_year"] == "2026-27" and [s["school"] for s in data["schools"]] == ["oak", "elm"]
    oak, elm = data["schools"]
    assert (oak["overdue"], oak["due_soon"], oak["open"]) == (1, 1, 2)
    assert elm["total"]["on_time"] == 1 and elm["total"]["counted"] == 3
    assert elm["by_rule"][0]["key"] == "ehc-advice" and elm["by_rule"][0]["title"].startswith("Advice to the LA")
    assert [(s["school"], s["workflow_id"]) for s in data["overdue"]] == [("elm", ELM_ADVICE), ("oak", OAK_ADVICE)]
    assert {s["school_name"] for s in data["due_soon"]} == {"Oak Primary School", "Elm Academy"}


def test_the_trust_view_speaks_like_a_senco(client_as, trust) -> None:
    """School names and plain titles, the one date format; no workflow ids, school ids or Python reprs on the page."""
    html = client_as("trust-lead").get("/trust").text
    words = visible(html)
    assert "Example Learning Trust: every school" in words
    for said in ("oak~", "elm~", "None", "Rate(", "StepRow", "ehc-advice-request", " oak ", " elm "):
        assert said not in words, said
    assert fmt(d(-3)) in words and d(-3).isoformat() not in words  # dates as fmt says them (ISO only in datetime=)
    assert "Due within 14 days" in words


def test_a_trust_role_narrowed_to_one_school_sees_it_alone(client_as, trust) -> None:
    html = client_as("trust-lead").get("/trust?school=oak").text
    assert [r[0] for r in rows(html, "schools")] == ["Oak Primary School"]
    assert "ELM-0001" not in html


@pytest.mark.parametrize("username", SCHOOL_USERS)
def test_the_trust_view_is_for_the_trust_roles_only(client_as, trust, username) -> None:
    client = client_as(username)
    assert client.get("/trust").status_code == 403
    assert client.get("/api/trust").status_code == 403
    assert 'href="/trust"' not in client.get("/overdue").text


def test_a_trust_role_lands_on_the_trust_view_and_has_it_in_the_navigation(make_client, trust) -> None:
    client = make_client()
    from tests.dashboard.conftest import PASSWORD, csrf_of

    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": "trust-auditor", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/trust"
    html = client.get("/trust").text
    assert '<a href="/trust" aria-current="page">Trust</a>' in html
    assert "(trust auditor)" in html  # the role in words
    assert '<a href="/audit"' in html and '<a href="/compliance"' in html  # an auditor's pages, every school's


@pytest.fixture
def one_school(db):
    """The shipped shape: one school (tests/dashboard/conftest.py's settings), and a trust-wide account anyway."""
    seed(db)
    with db.begin() as session:
        session.add(
            Account(
                username="trust-lead",
                password_hash=_HASH,
                role="trust-leadership",
                school=None,
                staff_id=None,
                active=True,
                created_at=OPENED,
            )
        )
    return db


def test_a_single_school_deployment_has_no_trust_view(make_client, one_school) -> None:
    """One school: /trust and /api/trust are not found (403 first for a role that may not), and no page names a
    school: no School column, no school filter, no link to the trust view."""
    trust_lead = sign_in(make_client(), "trust-lead")
    assert trust_lead.get("/trust").status_code == 404 and trust_lead.get("/api/trust").status_code == 404
    assert "one school" in trust_lead.get("/api/trust").json()["detail"]
    senco = make_client("senco")
    assert senco.get("/trust").status_code == 403
    for client in (trust_lead, senco):
        html = client.get("/overdue").text
        assert 'href="/trust"' not in html and 'id="f-school"' not in html and ">School<" not in html
        assert "EHC-0042" in html  # a trust role reads the one school as leadership does
        assert "school" not in client.get("/api/steps").json()["steps"][0]
        assert "school" not in client.get("/api/me").json()


def test_long_lists_show_their_first_fifty_and_the_whole_counts(client_as, trust) -> None:
    from tests.dashboard.seed import process, step

    with trust.begin() as session:
        for n in range(60):
            p = process(f"oak~ehc-advice-request-OAK-9{n:03d}", f"OAK-9{n:03d}", "Oakshire")
            p.school = "oak"
            session.add(p)
            session.add(step(p, "ehc-advice", due=d(-1 - n % 7), target=d(-3 - n % 7), owner="senco"))
    client = client_as("trust-lead")
    html = client.get("/trust").text
    assert len(rows(html, "overdue")) == 50
    assert "Overdue across the trust (62)" in html  # the two of the seed, and these sixty
    assert 'These are the 50 most overdue: <a href="/overdue">see every overdue step</a>' in html
    assert rows(html, "schools")[0][:2] == ["Oak Primary School", "61"]
    answer = client.get("/api/trust").json()
    assert len(answer["overdue"]) == 50 and answer["overdue_total"] == 62
