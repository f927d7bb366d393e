"""The dashboard pages, rendered from a real (migrated) SQLite file with fictional rows and a fixed today."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from dashboard.app import create_app
from store.models import Outbox, Process, Step
from tests.dashboard.conftest import sign_in

TODAY = date(2027, 3, 10)
OPENED = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)


@pytest.fixture
def today() -> date:
    return TODAY


def d(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def process(workflow_id: str, case_ref: str, la: str, owner: str = "senco", status: str = "open") -> Process:
    return Process(
        workflow_id=workflow_id, kind="ehc-advice-request", case_ref=case_ref, la=la, owner=owner,
        status=status, received_on=date(2027, 1, 11), channel="email", opened_at=OPENED,
    )  # fmt: skip


def step(p: Process, rule_id: str, due: date, target: date, owner: str, status: str = "open", **kw) -> Step:
    return Step(
        process=p, rule_id=rule_id, rule_version=date(2014, 9, 1), basis=f"SEND Regulations 2014 ({rule_id})",
        anchor=date(2027, 1, 11), due=due, target=target, explanation=["fictional"], owner=owner, status=status, **kw,
    )  # fmt: skip


@pytest.fixture
def seeded(db: sessionmaker[Session]) -> sessionmaker[Session]:
    with db.begin() as session:
        kent = process("ehc-advice-request-0042", "EHC-0042", "Kent")
        medway = process("ehc-advice-request-0007", "EHC-0007", "Medway", owner="head")
        surrey = process("ehc-advice-request-0100", "EHC-0100", "Surrey")
        session.add_all([kent, medway, surrey])
        session.add_all(
            [
                step(kent, "advice-ack", due=d(20), target=d(15), owner="senco"),  # open, later
                step(medway, "advice-6wk", due=d(-3), target=d(-6), owner="head"),  # 3 days overdue
                step(surrey, "advice-6wk", due=d(5), target=d(1), owner="ghost", exempt=True),  # unknown owner id
                step(kent, "advice-6wk", due=d(-1), target=d(-4), owner="senco"),  # 1 day overdue
                step(surrey, "advice-ack", due=d(-30), target=d(-35), owner="senco", status="completed"),
            ]
        )
    return db


def body_rows(html: str) -> list[str]:
    tbody = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", tbody, flags=re.S)


def test_index_lists_overdue_first_with_text(client: TestClient, seeded) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "<title>Open statutory steps" in html and "<h1>Open statutory steps</h1>" in html
    assert 'lang="en-GB"' in html and "<main>" in html and "<caption>" in html and '<th scope="col">' in html

    rows = body_rows(html)
    assert len(rows) == 4  # the completed step is not shown
    assert "EHC-0007" in rows[0] and "3 days overdue" in rows[0]
    assert "EHC-0042" in rows[1] and "1 day overdue" in rows[1] and "advice-6wk" in rows[1]
    assert "EHC-0100" in rows[2] and "5 days left" in rows[2] and "exemption applies" in rows[2]
    assert "EHC-0042" in rows[3] and "20 days left" in rows[3] and "advice-ack" in rows[3]
    assert all("overdue" not in r for r in rows[2:])

    assert '<abbr title="SEND Regulations 2014 (advice-6wk)">advice-6wk</abbr>' in rows[0]
    assert "Medway" in rows[0] and "Kent" in rows[1]
    assert "Jo Example (Head)" in rows[0] and "Alex Example (SENCO)" in rows[1]
    assert "ghost" in rows[2]  # no such staff member: the id is shown
    assert '<time datetime="2027-03-07">Sun 7 Mar 2027</time>' in rows[0]  # due, in the one date format
    assert '<time datetime="2027-03-04">Thu 4 Mar 2027</time>' in rows[0]  # target


def test_index_counts(client: TestClient, seeded) -> None:
    html = client.get("/").text
    assert '<dd id="count-overdue">2</dd>' in html
    assert '<dd id="count-due-soon">1</dd>' in html  # due in 5 days; 20 days is outside 14
    assert '<dd id="count-open">4</dd>' in html


def test_index_links_to_temporal_ui(client: TestClient, seeded) -> None:
    # The step tables speak to a SENCO; each process's workflow is a link on its case page (issue 23).
    assert "Open in Temporal" not in client.get("/").text
    html = client.get("/cases/EHC-0007").text
    assert 'href="/temporal/namespaces/school-ns/workflows/ehc-advice-request-0007"' in html  # through the dashboard


def test_workflow_ids_are_url_encoded(make_client, db) -> None:
    with db.begin() as session:
        p = process("ehc-advice-request/EHC 0042", "EHC-0042", "Kent")
        session.add_all([p, step(p, "advice-6wk", due=d(3), target=d(1), owner="senco")])
    html = make_client("senco").get("/cases/EHC-0042").text
    assert "/namespaces/school-ns/workflows/ehc-advice-request%2FEHC%200042" in html


def test_index_empty_state(client: TestClient) -> None:
    html = client.get("/").text
    assert "No statutory steps are open" in html
    assert "<table" not in html
    assert '<dd id="count-open">0</dd>' in html and '<dd id="count-overdue">0</dd>' in html


def test_index_has_no_script_and_escapes_data(client: TestClient, db) -> None:
    with db.begin() as session:
        p = process("wf-x", "EHC-<b>1</b>", "Kent")
        session.add_all([p, step(p, "advice-6wk", due=d(1), target=d(1), owner="senco")])
    html = client.get("/").text
    assert "<script" not in html
    assert "EHC-&lt;b&gt;1&lt;/b&gt;" in html


def test_outbox_failures_first(client: TestClient, db) -> None:
    t = datetime(2027, 3, 9, 8, 0, tzinfo=UTC)
    with db.begin() as session:
        for i, (status, recipient) in enumerate([("kept", "senco"), ("failed", "head"), ("sent", "nobody")]):
            session.add(
                Outbox(
                    key=f"k{i}",
                    kind="reminder",
                    recipient=recipient,
                    channel="outbox" if i != 1 else "email",
                    subject=f"EHC-0042 advice-6wk reminder {i}",
                    body="fictional",
                    status=status,
                    scheduled_for=t,
                    created_at=t + timedelta(hours=i),
                )  # fmt: skip
            )
    response = client.get("/outbox")
    assert response.status_code == 200
    rows = body_rows(response.text)
    assert len(rows) == 3
    assert "failed" in rows[0] and "Jo Example (Head)" in rows[0] and "email" in rows[0] and "reminder 1" in rows[0]
    assert "sent" in rows[1] and "nobody" in rows[1]
    assert "kept" in rows[2] and "Alex Example (SENCO)" in rows[2]
    assert '<time datetime="2027-03-09T08:00:00+00:00">Tue 9 Mar 2027 08:00</time>' in rows[2]  # GMT in March
    assert 'aria-current="page">Outbox' in response.text


def test_outbox_empty(client: TestClient) -> None:
    assert "The outbox is empty." in client.get("/outbox").text


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_default_sessionmaker_and_today(settings: Settings, db) -> None:
    """Without a sessionmaker or clock, the app opens settings.resolved_database_url and uses today's date."""
    with TestClient(create_app(settings)) as client:
        html = sign_in(client, "senco").get("/").text
    assert "No statutory steps are open" in html
    assert "As of" in html
