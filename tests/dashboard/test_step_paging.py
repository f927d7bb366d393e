"""The step lists a page at a time (issue 26): the pages' "Next" links and the API's cursor walk the whole list once,
in order, with the counts of the whole list on every page; a link this list did not make is refused, saying so."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from tests.dashboard.seed import d, process, step
from tests.dashboard.test_pages import body_rows

N = 45  # processes, each with an overdue and a later step


def seed_many(db) -> None:
    with db.begin() as session:
        for n in range(N):
            p = process(f"ehc-advice-request-EHC-{n:04d}", f"EHC-{n:04d}", ("Kent", "Medway")[n % 2])
            session.add(p)
            session.add(step(p, "ehc-advice", due=d(-1 - n % 9), target=d(-3 - n % 9), owner="senco"))
            session.add(step(p, "review-report", due=d(2 + n % 20), target=d(1 + n % 20), owner="ta"))


def case_refs(html: str) -> list[str]:
    return [re.search(r">(EHC-\d{4})</a>", row)[1] for row in body_rows(html)]  # type: ignore[index]


def next_link(html: str) -> str | None:
    found = re.search(r'<a rel="next" id="next-page" href="([^"]+)"', html)
    return unescape(found[1]) if found else None


def test_the_pages_walk_the_whole_list_by_their_next_links(client: TestClient, db) -> None:
    seed_many(db)
    whole = case_refs(client.get("/?limit=500").text)
    assert len(whole) == 2 * N and next_link(client.get("/?limit=500").text) is None
    html = client.get("/?limit=20").text
    assert '<dd id="count-open">90</dd>' in html and '<dd id="count-overdue">45</dd>' in html
    assert "Showing steps 1 to 20 of 90." in html
    walked, pages = case_refs(html), 1
    while (link := next_link(html)) is not None:
        html = client.get("/" + link).text
        assert '<dd id="count-open">90</dd>' in html  # the counts are the whole list's on every page
        walked += case_refs(html)
        pages += 1
    assert walked == whole and pages == 5
    assert "Showing steps 81 to 90 of 90." in html and "Back to the first page" in html


def test_the_default_page_holds_fifty_and_sorting_starts_again(client: TestClient, db) -> None:
    seed_many(db)
    html = client.get("/?sort=case&desc=1").text
    assert len(body_rows(html)) == 50 and case_refs(html)[:2] == ["EHC-0044", "EHC-0044"]
    link = next_link(html)
    assert link is not None and "sort=case" in link and "desc=1" in link
    assert len(body_rows(client.get("/" + link).text)) == 40
    assert "cursor" not in re.search(r'<a href="\?([^"]*sort=due[^"]*)"', html)[1]  # type: ignore[index]


def test_the_api_pages_by_its_cursor(client: TestClient, db) -> None:
    seed_many(db)
    whole = client.get("/api/steps", params={"view": "overdue", "limit": 500}).json()
    assert whole["total"] == N and len(whole["steps"]) == N and whole["next_cursor"] is None
    answer = client.get("/api/steps", params={"view": "overdue", "limit": 10, "sort": "la"}).json()
    assert answer["counts"]["overdue"] == N and answer["limit"] == 10
    walked = []
    while True:
        walked += [(s["case_ref"], s["rule_id"]) for s in answer["steps"]]
        if answer["next"] is None:
            assert answer["next_cursor"] is None
            break
        assert answer["next"].startswith("/api/steps?") and "sort=la" in answer["next"]
        answer = client.get(answer["next"]).json()
    assert sorted(walked) == sorted((s["case_ref"], s["rule_id"]) for s in whole["steps"])
    assert len(set(walked)) == N


def test_a_link_this_list_did_not_make_is_refused(client: TestClient, db) -> None:
    seed_many(db)
    cursor = client.get("/api/steps", params={"limit": 5, "sort": "due"}).json()["next_cursor"]
    refused = client.get("/api/steps", params={"cursor": cursor, "sort": "case"})
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["query", "cursor"] and "another order" in problem["msg"]
    assert client.get("/api/steps", params={"cursor": "not-a-cursor"}).status_code == 422
    assert client.get("/api/steps", params={"limit": 0}).status_code == 422
    page = client.get("/?cursor=not-a-cursor")
    assert page.status_code == 422 and "start again from the first page" in page.text
    assert client.get("/?limit=lots").status_code == 422
