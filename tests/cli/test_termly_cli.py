"""`sendclock support|pep|duty`: their help, their refusals (one line naming the flag, exit 2, Temporal not asked), what
`support held` says (Temporal stood in for: conftest); and, on the real dev server and worker, a pupil placed on SEN
support, this term's review held and the reviews ended, as a SENCO types it."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

import pytest

from statutory.clock import fmt, local_date
from tests.cli.conftest import one_line_naming, step
from tests.dashboard.seed import process
from tests.helpers import sendclock
from workflows.models import NO_LA, ProcessHeader, ProcessState, StepStatus

SUPPORT_ID = "sen-support-TRM-C002-20260907"


@pytest.fixture
def placed(cli, db):
    """TRM-C002 on SEN support since 7 Sep 2026 (the database's projection of it)."""
    with db.begin() as session:
        session.add(process(SUPPORT_ID, "TRM-C002", NO_LA, kind="sen-support"))
    return cli


def test_the_groups_and_their_starts_read_well(cli) -> None:
    import typer

    from starter.cli import app

    groups = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert {name: list(groups[name].commands) for name in ("support", "pep", "duty")} == {
        "support": ["start", "held", "end"],
        "pep": ["start", "held", "end"],
        "duty": ["start", "end"],
    }
    assert cli("support", "--help").exit_code == 0
    for group, words in (
        ("support", "--placed-on"),
        ("pep", "--began-on"),
        ("duty", "--last-done"),
    ):
        shown = cli(group, "start", "--help")
        assert shown.exit_code == 0 and words in shown.stdout, shown.stdout
    assert "--initials" not in cli("duty", "start", "--help").stdout  # a duty has no pupil
    reason = next(p for p in groups["support"].commands["end"].params if p.name == "reason")
    assert "ehc-assessment (an EHC needs assessment was requested)" in reason.help
    assert "--with-annual-review" in cli("pep", "held", "--help").stdout
    assert "--with-annual-review" not in cli("support", "held", "--help").stdout


@pytest.mark.parametrize(
    ("args", "flag", "words"),
    [
        (
            ["support", "held", "--case", "TRM-C002", "--date", "2027-03-01"],
            "--with-parents/--without-parents",
            "say whether",
        ),
        (
            ["support", "held", "--case", "TRM-C002", "--date", "2027-03-01", "--without-parents"],
            "--why-not",
            "say why the parents did not take part",
        ),
        (["pep", "held", "--case", "TRM-C002", "--date", "2027-03-11"], "--date", "is in the future"),
        (
            ["pep", "held", "--case", "TRM-C002", "--date", "2027-03-01", "--next-review", "2027-02-01"],
            "--next-review",
            "is not after the review",
        ),
        (["support", "end", "--case", "TRM-C002", "--date", "2027-03-01", "--reason", "moved"], "--reason", "one of"),
        (["pep", "held", "--case", "TRM-C002", "--date", "2027-03-01"], "--case", "has no open PEP reviews"),
        (["duty", "end", "--duty", "sen-report", "--date", "2027-03-01"], "--duty", "is not a school duty"),
        (
            ["step", "done", "--case", "TRM-C002", "--rule", "sen-support-review", "--date", "2027-03-01"],
            "--rule",
            "support held",
        ),
    ],
)
def test_a_refused_flag_is_named_and_nothing_is_sent(placed, temporal, args, flag, words) -> None:
    assert words in one_line_naming(placed(*args), flag)
    assert temporal.calls == []


def test_support_held_says_the_term_and_the_next_review(placed, temporal, settings) -> None:
    from config.school_calendar import school_calendar
    from starter.deadline import explain_deadline

    held_on = date(2027, 3, 4)
    spring = step("sen-support-review", date(2027, 1, 4), date(2027, 3, 31), date(2027, 3, 31))
    spring.status, spring.completed_on, spring.on_time, spring.days_late = StepStatus.COMPLETED, held_on, True, 0
    autumn = step("sen-support-review", date(2026, 9, 7), date(2026, 12, 18), date(2026, 12, 18))
    autumn.status = StepStatus.CANCELLED
    spring.instance = 2
    temporal.answer = ProcessState(
        workflow_id=SUPPORT_ID,
        kind="sen-support",
        header=ProcessHeader(case_ref="TRM-C002", la=NO_LA, received_on=date(2026, 9, 7), owner="ta"),
        status=StepStatus.OPEN,
        steps=[autumn, spring],
    )
    result = placed(
        "support", "held", "--case", "TRM-C002", "--date", "2027-03-04", "--with-parents", "--next-review", "2027-06-10"
    )
    assert result.exit_code == 0, result.stderr
    assert temporal.calls == [(SUPPORT_ID, "review_held")]
    summer = school_calendar(settings).terms.term_of(date(2027, 4, 20))
    due = explain_deadline(settings, "sen-support-review", summer.start).due
    assert result.stdout == (
        f"Review held on Thu 4 Mar 2027 with the parents for TRM-C002 (Spring term 2026-27, on time). Next review: "
        f"planned for Thu 10 Jun 2027 ({summer.title}, due {fmt(due)}).\n"
    )


def test_duty_end_needs_no_reason_and_says_what_stops(cli, temporal) -> None:
    duty = "school-duty-SEN-INFORMATION-REPORT"
    temporal.answer = ProcessState(
        workflow_id=duty,
        kind="school-duty",
        header=ProcessHeader(case_ref="SEN-INFORMATION-REPORT", la=NO_LA, received_on=date(2026, 9, 1), owner="senco"),
        status=StepStatus.COMPLETED,
        steps=[],
        closed=True,
    )
    result = cli("duty", "end", "--duty", "sen-information-report", "--date", "2027-03-03")
    assert result.exit_code == 0, result.stderr
    assert temporal.calls == [(duty, "end_process")]
    assert result.stdout == (
        "Stopped tracking \u2018SEN information report published on the school's website\u2019 on Wed 3 Mar 2027. "
        "No more reminders are sent for it.\n"
    )


@pytest.mark.devserver
def test_sen_support_from_the_command_line_on_the_dev_server(devserver, stack_env, worker_process) -> None:
    today = local_date(datetime.now(UTC))
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    started = sendclock(
        stack_env,
        "support",
        "start",
        "--case",
        "TRM-C001",
        "--placed-on",
        today.isoformat(),
        "--key-worker",
        "senco",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["workflow_id"] == f"sen-support-TRM-C001-{today:%Y%m%d}"

    refused = sendclock(stack_env, "support", "held", "--case", "TRM-C001", "--date", today.isoformat())
    assert refused.returncode == 2 and refused.stderr.startswith("sendclock: --with-parents/--without-parents: ")
    held = sendclock(
        stack_env,
        "support",
        "held",
        "--case",
        "TRM-C001",
        "--date",
        today.isoformat(),
        "--without-parents",
        "--why-not",
        "parents could not come; met the pupil",
        "--evidence",
        "SEN support file, section 4",
    )
    assert held.returncode == 0, held.stderr
    assert held.stdout.startswith(f"Review held on {fmt(today)} without the parents for TRM-C001 (")
    assert "on time). Next review: " in held.stdout

    again = sendclock(stack_env, "support", "held", "--case", "TRM-C001", "--date", today.isoformat(), "--with-parents")
    assert again.returncode == 2 and "no open step" in again.stderr  # this term's review is held: none is open

    ended = sendclock(
        stack_env, "support", "end", "--case", "TRM-C001", "--date", today.isoformat(), "--reason", "ehc-plan"
    )
    assert ended.returncode == 0, ended.stderr
    assert ended.stdout.startswith(f"The SEN support reviews of TRM-C001 ended on {fmt(today)}: an EHC plan was made.")
    for _ in range(50):  # the process closes just after the update that ends it (its last records follow)
        shown = sendclock(stack_env, "process", "show", "--case", "TRM-C001")
        if "No open processes for case 'TRM-C001'" in shown.stdout:
            break
        time.sleep(0.2)
    assert "No open processes for case 'TRM-C001'" in shown.stdout, shown.stdout
