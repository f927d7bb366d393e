"""Backdated completions on the pages (issue 21, finding 3), from the records as the worker writes them: the case page
marks the step (within each role's scope), the compliance figures count it by its date given and again apart
("recorded late (backdated)", per rule and per LA, and how many of those count on time), the CSV says why and who
recorded it. One step's overdue notices never flag another step; sendclock's own completions are never flagged."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from config.settings import CalendarSettings, ClosureSetting
from store.models import Event, Process, Step

DAY = date.fromisoformat


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed(db) -> None:
    def process(wid: str, case: str, la: str, owner: str, kind: str = "ehc-advice-request") -> Process:
        return Process(
            workflow_id=wid,
            case_ref=case,
            la=la,
            kind=kind,
            owner=owner,
            status="open",
            received_on=DAY("2027-01-04"),
            channel="email",
            opened_at=at("2027-01-04T09:00:00"),
            facts={},
        )

    def step(p: Process, rule: str, due: str, *, done: str | None = None, owner: str | None = None) -> Step:
        completed = DAY(done) if done else None
        return Step(
            process=p,
            rule_id=rule,
            instance=1,
            rule_version=DAY("2014-09-01"),
            basis="reg 8(1)",
            anchor=DAY("2027-01-04"),
            due=DAY(due),
            target=DAY(due),
            explanation=["test"],
            owner=owner or p.owner,
            status="completed" if done else "open",
            exempt=False,
            completed_on=completed,
            on_time=completed <= DAY(due) if completed else None,
            days_late=max(0, (completed - DAY(due)).days) if completed else None,
        )

    def escalation(p: Process, rule: str, on: str) -> Event:
        instant = at(f"{on}T08:00:00")
        return Event(
            key=f"{p.workflow_id}/{rule}/overdue/{instant.isoformat()}",
            process_id=p.workflow_id,
            rule_id=rule,
            kind="escalation-sent",
            occurred_at=instant,
            actor=None,
            data={"kind": "overdue", "on": on, "recipients": [p.owner, "senco"], "delivered": True},
        )

    def completion(p: Process, rule: str, recorded: str, actor: str, done: str, **data) -> Event:
        return Event(
            key=f"{p.workflow_id}/{rule}/completed",
            process_id=p.workflow_id,
            rule_id=rule,
            kind="completed",
            occurred_at=at(recorded),
            actor=actor,
            data={"completed_on": done, **data},
        )

    with db.begin() as s:
        # Sent "on Fri 19 Feb", recorded on Wed 24 Feb after the overdue notice of Tue 23 Feb: flagged, on time.
        p1 = process("ehc-advice-request-EHC-B1-20270104", "EHC-B1", "Kent", "ta")
        # Sent late on Mon 8 Feb, recorded on Tue 23 Feb: six working days later (the half term does not count),
        # flagged, late anyway.
        p2 = process("ehc-advice-request-EHC-B2-20270104", "EHC-B2", "Surrey", "senco")
        # Sent a day late, recorded two days later; the notice between them is another step's: not flagged.
        p3 = process("ehc-advice-request-EHC-B3-20270104", "EHC-B3", "Kent", "senco")
        # A parent's window that sendclock closed itself, recorded a fortnight later (the worker was away).
        p4 = process("draft-plan-consultation-EHC-B4-20270104", "EHC-B4", "Kent", "senco", "draft-plan-consultation")
        s.add_all([p1, p2, p3, p4])
        s.add_all(
            [
                step(p1, "ehc-advice", "2027-02-22", done="2027-02-19"),
                step(p2, "ehc-advice", "2027-02-01", done="2027-02-08"),
                step(p3, "ehc-advice", "2027-02-09", done="2027-02-10"),
                step(p3, "ehc-final-plan", "2027-06-01"),
                step(p4, "draft-plan-representations", "2027-02-05", done="2027-02-05"),
            ]
        )
        s.flush()  # the events' processes first
        s.add_all(
            [
                escalation(p1, "ehc-advice", "2027-02-23"),
                completion(p1, "ehc-advice", "2027-02-24T09:00:00", "ta", "2027-02-19", recorded_by="web:ta"),
                completion(p2, "ehc-advice", "2027-02-23T10:00:00", "senco", "2027-02-08", recorded_by="cli:as:senco"),
                escalation(p3, "ehc-final-plan", "2027-02-11"),
                completion(p3, "ehc-advice", "2027-02-12T10:00:00", "senco", "2027-02-10"),
                completion(
                    p4,
                    "draft-plan-representations",
                    "2027-02-19T00:00:00",
                    "sendclock",
                    "2027-02-05",
                    closed="the period ended",
                ),
            ]
        )


B1 = (
    "Recorded 5 days after the date given (given Fri 19 Feb 2027, recorded Wed 24 Feb 2027), after an overdue "
    "notice was sent on Tue 23 Feb 2027."
)
B2 = (
    "Recorded 15 days after the date given (given Mon 8 Feb 2027, recorded Tue 23 Feb 2027; 6 working days, over "
    "the limit of 5)."
)


@pytest.fixture(autouse=True)
def half_term(settings) -> None:
    """The school's calendar: closed for the February half term (15-19 Feb 2027)."""
    settings.calendar = CalendarSettings(
        closures=[ClosureSetting(start=DAY("2027-02-15"), end=DAY("2027-02-19"), label="February half term")]
    )


def test_the_case_page_marks_a_backdated_step_for_those_who_see_it(client_as, db) -> None:
    seed(db)
    staff = client_as("ta")
    page = staff.get("/cases/EHC-B1").text
    assert '<span class="tag backdated">backdated</span>' in page and B1 in page and "Completed on time" in page
    assert staff.get("/cases/EHC-B2").status_code == 404  # not theirs: no flag to leak
    head = client_as("head")
    assert B2 in head.get("/cases/EHC-B2").text
    for case in ("EHC-B3", "EHC-B4"):
        assert "backdated" not in head.get(f"/cases/{case}").text
    steps = head.get("/api/cases/EHC-B1").json()["processes"][0]["steps"]
    assert [s["backdated"] for s in steps] == [B1]


def test_compliance_counts_by_the_date_given_and_counts_backdated_apart(client_as, db) -> None:
    seed(db)
    client = client_as("auditor")
    figures = client.get("/api/compliance", params={"year": 2026}).json()
    total = figures["total"]
    assert (
        total["counted"],
        total["on_time"],
        total["recorded_late_backdated"],
        total["backdated_counted_on_time"],
    ) == (3, 1, 2, 1)  # the parent's window (EHC-B4) is never the school's late or on-time work: not counted (issue 23)
    by_la = {
        r["key"]: (r["counted"], r["recorded_late_backdated"], r["backdated_counted_on_time"]) for r in figures["by_la"]
    }
    assert by_la == {"Kent": (2, 1, 1), "Surrey": (1, 1, 0)}
    [advice] = [r for r in figures["by_rule"] if r["key"] == "ehc-advice"]
    assert (advice["counted"], advice["recorded_late_backdated"], advice["backdated_counted_on_time"]) == (3, 2, 1)
    html = client.get("/compliance", params={"year": 2026}).text
    assert '<dd id="backdated">2, of which 1 counted on time</dd>' in html
    backdated = '<td data-label="Recorded late (backdated)">'
    assert f"{backdated}1 (1 counted on time)</td>" in html and f"{backdated}1 (0 counted on time)</td>" in html

    rows = {
        r["case_ref"]: r
        for r in csv.DictReader(io.StringIO(client.get("/steps.csv").text))
        if r["status"] == "completed"
    }
    assert (
        rows["EHC-B1"]["result"],
        rows["EHC-B1"]["done_by"],
        rows["EHC-B1"]["recorded_by"],
        rows["EHC-B1"]["backdated"],
    ) == ("on time", "ta", "web:ta", B1)
    assert rows["EHC-B1"]["recorded_at"].startswith("2027-02-24T09:00:00")
    assert (rows["EHC-B2"]["result"], rows["EHC-B2"]["backdated"]) == ("late", B2)
    assert rows["EHC-B3"]["backdated"] == rows["EHC-B4"]["backdated"] == "" and rows["EHC-B3"]["recorded_by"] == ""


def test_the_limit_is_the_schools_setting(client_as, db, settings) -> None:
    seed(db)
    settings.audit.backdating_working_days = 6  # six working days: EHC-B2 is exactly at the limit
    total = client_as("auditor").get("/api/compliance", params={"year": 2026}).json()["total"]
    assert (total["recorded_late_backdated"], total["backdated_counted_on_time"]) == (1, 1)
