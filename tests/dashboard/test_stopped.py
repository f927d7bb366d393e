"""A process stopped outside sendclock (store/reconcile.py) comes first on the dashboard: a banner on the step lists
naming it and (for the SENCO) how to resume it, its steps first and marked, a warning on the case page, and the
API's rows saying so. Staff see it only when a step of it is theirs."""

from __future__ import annotations

from datetime import UTC, datetime

from store.reconcile import record_stopped
from tests.dashboard.seed import seed

MEDWAY = "annual-review-EHC-0007"  # the TA owns one of its steps
KENT = "ehc-advice-request-EHC-0042-20270111"  # none of the TA's


def stop(db, workflow_id: str) -> None:
    with db.begin() as session:
        record_stopped(
            session.connection(),
            workflow_id,
            found_at=datetime(2027, 3, 10, 9, 5, tzinfo=UTC),
            temporal_status="terminated",
            run_id="run-1",
            closed_at=None,
            reason="tidying up",
            identity="temporal-ui",
            sentence='terminated in Temporal (reason: "tidying up"; by temporal-ui)',
        )


def test_the_senco_sees_a_stopped_process_first_with_how_to_resume_it(db, client):
    seed(db)
    stop(db, MEDWAY)
    page = client.get("/").text
    banner = page.split('id="stopped"', 1)[1].split("</div>", 1)[0]
    assert "1 process stopped outside sendclock" in banner
    assert "EHC-0007" in banner and "Annual review from Medway" in banner
    assert "terminated in Temporal" in banner and "sendclock process resume --case EHC-0007" in banner
    rows = page.split("<tbody>", 1)[1]
    assert rows.index("EHC-0007") < rows.index("EHC-0042")  # its steps first, though EHC-0042 is overdue
    assert "stopped: no reminders" in rows
    steps = client.get("/api/steps").json()["steps"]
    stopped = [s for s in steps if s["workflow_id"] == MEDWAY]
    assert stopped and all(s["status"] == "stopped" and s["stopped_outside_sendclock"] for s in stopped)
    assert all(not s["stopped_outside_sendclock"] for s in steps if s["workflow_id"] != MEDWAY)
    case = client.get("/cases/EHC-0007").text
    assert "Stopped outside sendclock." in case and "sendclock process resume --case EHC-0007" in case


def test_others_see_it_without_the_command_and_staff_only_when_a_step_is_theirs(db, client_as):
    seed(db)
    stop(db, MEDWAY)
    stop(db, KENT)
    head = client_as("head").get("/").text
    assert "2 processes stopped outside sendclock" in head and "sendclock process resume" not in head
    ta = client_as("ta")
    mine = ta.get("/").text
    assert "1 process stopped outside sendclock" in mine and "EHC-0007" in mine and "EHC-0042" not in mine
    assert "The SENCO has been told." in ta.get("/cases/EHC-0007").text


def test_nothing_stopped_no_banner(db, client):
    seed(db)
    assert 'id="stopped"' not in client.get("/").text


def test_a_closed_process_running_again_after_a_reset_is_flagged_on_its_case_page(db, client):
    from store.reconcile import record_reopened

    seed(db)
    surrey = "ehc-advice-request-EHC-0100-20270111"  # completed
    with db.begin() as session:
        record_reopened(
            session.connection(),
            surrey,
            found_at=datetime(2027, 3, 10, 9, 5, tzinfo=UTC),
            run_id="run-2",
            reset_at=None,
            sentence="was closed (completed) but runs again in Temporal after a reset on Wed 10 Mar 2027 at 09:01",
        )
    case = client.get("/cases/EHC-0100").text
    assert "History rewritten in Temporal." in case and "runs again in Temporal after a reset on" in case
    assert "lists what the reset removed" in case
    assert "History rewritten in Temporal." not in client.get("/cases/EHC-0042").text
