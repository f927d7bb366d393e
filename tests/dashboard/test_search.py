"""Finding a case by its reference from any page: a prefix, case-insensitive; one match opens the case; staff find
only the cases with a step of theirs."""

from __future__ import annotations

import pytest

from tests.dashboard.seed import d, process, step


@pytest.fixture
def cases(db) -> None:
    with db.begin() as session:
        a = process("ehc-advice-request-EHC-0042-20270111", "EHC-0042", "Kent")
        b = process("ehc-advice-request-EHC-0043-20270111", "EHC-0043", "Kent")
        c = process("annual-review-EHC-0007", "EHC-0007", "Medway", kind="annual-review")
        u = process("annual-review-PUP_1", "PUP_1", "Medway", kind="annual-review")
        session.add_all([a, b, c, u])
        session.add_all(
            [
                step(a, "ehc-advice", due=d(3), target=d(1), owner="senco"),
                step(b, "ehc-advice", due=d(3), target=d(1), owner="ta"),
                step(c, "annual-review-due", due=d(30), target=d(20), owner="senco"),
                step(u, "annual-review-due", due=d(30), target=d(20), owner="senco"),
            ]
        )


def test_every_page_has_the_search_box(cases, client) -> None:
    for page in ("/today", "/", "/overdue", "/cases/EHC-0042"):
        assert 'action="/search" role="search"' in client.get(page).text, page


def test_one_match_opens_the_case(cases, client) -> None:
    r = client.get("/search", params={"q": "ehc-0042"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/cases/EHC-0042"


def test_several_matches_are_listed(cases, client) -> None:
    html = client.get("/search", params={"q": "EHC-004"}).text
    assert "2 cases start with “EHC-004”" in html
    assert '<a href="/cases/EHC-0042">EHC-0042</a>' in html and '<a href="/cases/EHC-0043">EHC-0043</a>' in html
    assert "EHC-0007" not in html.split('id="found"')[1]


def test_no_match_and_like_characters_match_themselves(cases, client) -> None:
    assert "No case reference starts with “XYZ”" in client.get("/search", params={"q": "XYZ"}).text
    assert client.get("/search", params={"q": "PUP_"}, follow_redirects=False).headers["location"] == "/cases/PUP_1"
    assert "No case reference starts with “PUP%”" in client.get("/search", params={"q": "PUP%"}).text
    assert client.get("/search", params={"q": "x" * 41}).status_code == 422


def test_staff_find_only_cases_with_a_step_of_theirs(cases, client_as) -> None:
    ta = client_as("ta")
    assert ta.get("/search", params={"q": "EHC-004"}, follow_redirects=False).headers["location"] == "/cases/EHC-0043"
    assert "among the cases with a step of yours" in ta.get("/search", params={"q": "EHC-0007"}).text
