"""Annual reviews in the compliance figures and the CSV: the meeting (the school's part) and the review concluded by
the LA's decision (the LA's part), each against annual-review-due's due date; "late (LA)" when only the decision
was late. And the case page's warning for a transfer on or before the date regulation 18 sets."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from store.compliance import CONCLUDED_KEY, MEETING_KEY, compliance, meeting_outcome, result_text
from store.models import Event
from store.web_queries import all_steps, completion_key
from tests.dashboard.seed import OPENED, TODAY, process, step

DUE = "annual-review-due"


def review(session, case_ref: str, facts: dict | None = None):
    p = process(f"annual-review-{case_ref}", case_ref, "Kent", kind="annual-review")
    p.facts = facts or {}
    session.add(p)
    return p


def completed(session, p, due: date, done: date, meeting: date | None, instance: int = 1) -> None:
    """An annual-review-due step completed on `done`; its completion event carries the meeting (since issue 18) or
    not (a step completed by the meeting, before it)."""
    late = max(0, (done - due).days)
    session.add(
        step(
            p,
            DUE,
            due=due,
            target=due,
            owner="senco",
            status="completed",
            instance=instance,
            completed_on=done,
            on_time=done <= due,
            days_late=late,
        )
    )
    data = {"completed_on": done.isoformat(), "on_time": done <= due, "days_late": late, "decision": "maintain"}
    if meeting is not None:
        data["meeting_held_on"] = meeting.isoformat()
    session.flush()  # the process row first (the event refers to it)
    session.add(
        Event(
            key=completion_key(p.workflow_id, DUE, instance),
            process_id=p.workflow_id,
            kind="completed",
            rule_id=DUE,
            occurred_at=OPENED,
            data=data,
        )
    )


def seed_reviews(db) -> None:
    with db.begin() as session:
        a = review(session, "AR-A")  # meeting on time, the LA's decision late: late (LA); its second cycle
        session.add(
            step(
                a,
                DUE,
                due=date(2026, 2, 1),
                target=date(2026, 2, 1),
                owner="senco",
                status="completed",
                completed_on=date(2026, 1, 20),
                on_time=True,
                days_late=0,
            )
        )  # last year's: not counted
        completed(session, a, due=date(2027, 2, 1), done=date(2027, 2, 20), meeting=date(2027, 1, 20), instance=2)
        b = review(session, "AR-B")  # before issue 18: completed by the meeting itself, on time
        completed(session, b, due=date(2027, 1, 15), done=date(2027, 1, 10), meeting=None)
        c = review(session, "AR-C")  # the meeting late, and the decision
        completed(session, c, due=date(2027, 2, 10), done=date(2027, 2, 25), meeting=date(2027, 2, 12))
        d = review(session, "AR-D", {"held_on": "2027-02-20"})  # open past due, meeting held on time: late (LA) so far
        session.add(step(d, DUE, due=date(2027, 3, 1), target=date(2027, 3, 1), owner="senco"))
        e = review(session, "AR-E")  # open past due, no meeting
        session.add(step(e, DUE, due=date(2027, 2, 1), target=date(2027, 2, 1), owner="senco"))
        f = review(session, "AR-F", {"held_on": "2027-03-01"})  # not due yet, meeting held: the meeting counts
        session.add(step(f, DUE, due=date(2027, 6, 1), target=date(2027, 6, 1), owner="senco"))
        g = review(session, "AR-G")  # not due yet, no meeting: counted in neither
        session.add(step(g, DUE, due=date(2027, 7, 1), target=date(2027, 7, 1), owner="senco"))
        session.add(
            step(
                g,
                "review-report",
                due=date(2027, 2, 1),
                target=date(2027, 2, 1),
                owner="senco",
                status="completed",
                completed_on=date(2027, 2, 3),
                on_time=False,
                days_late=2,
            )
        )


def test_meeting_dates_come_from_the_completion_event_or_the_completion_or_this_cycles_meeting(db) -> None:
    seed_reviews(db)
    with db() as session:
        steps = {(s.case_ref, s.rule_id, s.instance): s for s in all_steps(session)}
    assert steps[("AR-A", DUE, 2)].meeting_on == date(2027, 1, 20)  # the "#2" completion key
    assert steps[("AR-A", DUE, 1)].meeting_on == date(2026, 1, 20)  # no event: the completion date
    assert steps[("AR-B", DUE, 1)].meeting_on == date(2027, 1, 10)
    assert steps[("AR-C", DUE, 1)].meeting_on == date(2027, 2, 12)
    assert steps[("AR-D", DUE, 1)].meeting_on == date(2027, 2, 20)  # open: this cycle's meeting
    assert steps[("AR-E", DUE, 1)].meeting_on is None
    assert steps[("AR-G", "review-report", 1)].meeting_on is None  # other rules have none
    results = {
        k[0]: (meeting_outcome(s, TODAY), result_text(s, TODAY))
        for k, s in steps.items()
        if k[1] == DUE and k[2] == (2 if k[0] == "AR-A" else 1)
    }
    assert results == {
        "AR-A": (True, "late (LA)"),
        "AR-B": (True, "on time"),
        "AR-C": (False, "late"),
        "AR-D": (True, "late (LA)"),
        "AR-E": (False, "late"),
        "AR-F": (True, ""),
        "AR-G": (None, ""),
    }


def test_meeting_on_time_and_decision_late_count_on_time_for_the_meeting_and_late_for_the_review(db) -> None:
    seed_reviews(db)
    with db() as session:
        figures = compliance(all_steps(session), 2026, TODAY)
    meeting, concluded = figures.review(MEETING_KEY), figures.review(CONCLUDED_KEY)
    assert (meeting.on_time, meeting.counted) == (4, 6)  # A, B, D, F on time; C, E late
    assert (concluded.on_time, concluded.counted) == (1, 5)  # B on time; A, C, D, E late (F, G not yet due)
    by_rule = {r.key: (r.on_time, r.counted) for r in figures.by_rule}
    assert by_rule[DUE] == (1, 5) and by_rule["review-report"] == (0, 1)
    last_year = compliance_figures(db, 2025)
    assert last_year.review(MEETING_KEY).counted == 1 and last_year.review(CONCLUDED_KEY).on_time == 1


def compliance_figures(db, year: int):
    with db() as session:
        return compliance(all_steps(session), year, TODAY)


def test_compliance_page_and_api_report_both_parts_of_a_review(client_as, db) -> None:
    seed_reviews(db)
    client = client_as("head")
    html = client.get("/compliance?year=2026").text
    assert "Meeting within 12 months (the school)" in html
    assert "Review concluded within 12 months (the LA's decision)" in html
    assert '<td id="meeting-count" data-label="On time">4 of 6</td>' in html
    assert '<td id="meeting-rate" data-label="On-time rate">67%</td>' in html
    assert '<td id="concluded-count" data-label="On time">1 of 5</td>' in html
    assert '<td id="concluded-rate" data-label="On-time rate">20%</td>' in html
    data = client.get("/api/compliance", params={"year": 2026}).json()["annual_reviews"]
    assert (data["meeting_within_12_months"]["on_time"], data["meeting_within_12_months"]["counted"]) == (4, 6)
    assert data["review_concluded_within_12_months"]["percent"] == 20
    empty = client.get("/compliance?year=2019").text
    assert '<td id="meeting-count" data-label="On time">0 of 0</td>' in empty
    assert '<td id="meeting-rate" data-label="On-time rate">no steps counted</td>' in empty


def test_csv_has_the_meeting_and_late_la_columns_on_the_page_and_the_api(client_as, db) -> None:
    seed_reviews(db)
    client = client_as("auditor")
    for path in ("/steps.csv", "/api/steps.csv"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        # appended in this order (readers by position keep working): the review's parts, then the completion's record
        assert list(rows[0])[-7:] == [
            "meeting_held_on",
            "meeting_on_time",
            "result",
            "recorded_at",
            "done_by",
            "recorded_by",
            "backdated",
        ]
        got = {
            (r["case_ref"], r["instance"]): (r["meeting_held_on"], r["meeting_on_time"], r["result"])
            for r in rows
            if r["rule_id"] == DUE
        }
        assert got[("AR-A", "2")] == ("2027-01-20", "True", "late (LA)")
        assert got[("AR-B", "1")] == ("2027-01-10", "True", "on time")
        assert got[("AR-C", "1")] == ("2027-02-12", "False", "late")
        assert got[("AR-E", "1")] == ("", "False", "late")
        assert got[("AR-G", "1")] == ("", "", "")
        report = next(r for r in rows if r["rule_id"] == "review-report")
        assert (report["meeting_held_on"], report["meeting_on_time"], report["result"]) == ("", "", "late")


def test_api_csv_takes_an_api_key_and_keeps_the_roles(client_as, make_client, db) -> None:
    from store.accounts_queries import account_by_username, add_token
    from store.credentials import new_token, token_digest

    seed_reviews(db)
    assert client_as("ta").get("/api/steps.csv").status_code == 403  # staff see only their own steps
    secret = new_token()
    with db.begin() as session:
        add_token(session, digest=token_digest(secret), kind="api", account_id=account_by_username(session, "head").id)
    r = make_client().get("/api/steps.csv", headers={"authorization": f"Bearer {secret}"})
    assert r.status_code == 200 and "late (LA)" in r.text


def test_case_page_says_late_la_when_only_the_decision_was_late(client: TestClient, db) -> None:
    seed_reviews(db)
    html = client.get("/cases/AR-A").text
    assert (
        "Completed 19 days late (LA): the meeting was on time (Wed 20 Jan 2027), the LA&#39;s decision was not" in html
    )
    assert "Completed 15 days late (LA)" not in client.get("/cases/AR-C").text
    steps = client.get("/api/cases/AR-A").json()["processes"][0]["steps"]
    assert [s["meeting_held_on"] for s in steps] == [None, "2027-01-20"]
    assert steps[1]["state"].startswith("Completed 19 days late (LA)")


# --- the transfer-date warning -----------------------------------------------------------------------------------


def seed_transfers(db) -> None:
    with db.begin() as session:
        january = review(session, "TR-JAN")
        session.add(
            step(january, "phase-transfer-review", due=date(2027, 2, 14), target=date(2027, 2, 12), owner="senco")
        )
        january.steps[-1].anchor = date(2027, 1, 4)
        september = review(session, "TR-SEP")
        session.add(
            step(september, "phase-transfer-review", due=date(2027, 2, 14), target=date(2027, 2, 12), owner="senco")
        )
        september.steps[-1].anchor = date(2027, 9, 1)
        college = review(session, "TR-P16")  # reg 18(2): always five months before, never a warning
        session.add(step(college, "post16-move-review", due=date(2027, 4, 1), target=date(2027, 4, 1), owner="senco"))
        college.steps[-1].anchor = date(2027, 9, 1)
        march = review(session, "TR-MAR")  # on the day itself
        session.add(
            step(march, "post16-transfer-review", due=date(2027, 3, 30), target=date(2027, 3, 30), owner="senco")
        )
        march.steps[-1].anchor = date(2027, 3, 30)


def test_case_page_warns_when_the_transfer_is_before_the_reg_18_date(client: TestClient, db) -> None:
    seed_transfers(db)
    html = client.get("/cases/TR-JAN").text
    assert (
        "<strong>Warning:</strong> The transfer on Mon 4 Jan 2027 is before the date regulation 18 sets "
        "(Sun 14 Feb 2027): the plan must still be reviewed and amended, naming the new school or institution, "
        "before the transfer."
    ) in html
    step_row = html.split('id="phase-transfer-review"')[1].split("</tr>")[0]
    assert "The transfer on Mon 4 Jan 2027" in step_row  # beside its step
    assert "Warning:" not in client.get("/cases/TR-SEP").text
    assert "Warning:" not in client.get("/cases/TR-P16").text
    assert "The transfer on Tue 30 Mar 2027 is on the date regulation 18 sets" in client.get("/cases/TR-MAR").text
    api = client.get("/api/cases/TR-JAN").json()["processes"][0]["steps"][0]
    assert api["warning"].startswith("The transfer on Mon 4 Jan 2027 is before")
    assert client.get("/api/cases/TR-SEP").json()["processes"][0]["steps"][0]["warning"] is None


def test_all_steps_stays_one_query(db) -> None:
    """The meeting date is joined in SQL: listing the steps runs one statement, however many reviews there are."""
    from sqlalchemy import event

    seed_reviews(db)
    with db() as session:
        statements = []
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            steps = all_steps(session, due_from=TODAY - timedelta(days=400))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and len(steps) == 8  # all but AR-A's first cycle


@pytest.mark.databases
def test_the_meeting_join_works_on_sqlite_and_postgresql(database_url: str) -> None:
    from store.db import make_engine, make_sessionmaker
    from store.migrate import upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        maker = make_sessionmaker(engine)
        seed_reviews(maker)
        with maker() as session:
            meetings = {(s.case_ref, s.instance): s.meeting_on for s in all_steps(session) if s.rule_id == DUE}
    finally:
        engine.dispose()
    assert meetings == {
        ("AR-A", 1): date(2026, 1, 20),
        ("AR-A", 2): date(2027, 1, 20),
        ("AR-B", 1): date(2027, 1, 10),
        ("AR-C", 1): date(2027, 2, 12),
        ("AR-D", 1): date(2027, 2, 20),
        ("AR-E", 1): None,
        ("AR-F", 1): date(2027, 3, 1),
        ("AR-G", 1): None,
    }
