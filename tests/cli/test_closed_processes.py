"""A finished case can still be shown (issue 23): `advice show` of a request the advice (or a withdrawal) closed, from
the database, marked closed with the date it closed; `process show` says when only closed processes exist, and
`--all` shows them. The rows are the ones the record activity wrote for committed histories (tests/histories), so no
Temporal is needed; an open request is still shown from its workflow (stood in for: conftest)."""

from __future__ import annotations

import json

import pytest

from audit import history
from statutory import get_rule
from tests.audit.conftest import apply_history, history_path
from tests.cli.conftest import advice_state, one_line_naming
from tests.dashboard.seed import d, process, seed, step


@pytest.fixture
def closed(cli, db):
    """Closed in the database: EHC-H001's advice sent 9 days late, EHC-H003's request withdrawn by the LA, EHC-H009's
    advice sent with the LA's clock beside it; and the open rows of tests/dashboard/seed.py (EHC-0042, ...)."""
    for name in ("ehc_advice_late", "ehc_advice_withdrawn", "ehc_advice_la_clock"):
        apply_history(db, history.load(history_path(name)), outbox=False)
    seed(db)
    return cli


def test_advice_show_of_a_request_closed_by_the_advice_sent(closed, temporal) -> None:
    shown = closed("advice", "show", "--case", "EHC-H001")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [
        "ehc-advice-request-EHC-H001-20261122",
        "  case    EHC-H001 (Kent), received Sun 22 Nov 2026",
        "  due     Sun 3 Jan 2027   target Thu 31 Dec 2026",
        "  owner   teacher",
        "  status  CLOSED (finished on Tue 12 Jan 2027): advice sent on Tue 12 Jan 2027, 9 days late",
    ]
    assert temporal.calls == []  # from the database alone
    again = closed("advice", "show", "--case", "EHC-H001", "--received", "2026-11-22")
    assert again.exit_code == 0 and again.stdout == shown.stdout


def test_advice_show_of_a_withdrawn_request_gives_the_date_of_the_withdrawal(closed) -> None:
    shown = closed("advice", "show", "--case", "EHC-H003")
    assert shown.exit_code == 0, shown.output
    assert (
        "  status  CLOSED (withdrawn on Fri 12 Mar 2027): withdrawn by the LA on Fri 12 Mar 2027"
        in shown.stdout.splitlines()
    )


def test_advice_show_of_a_closed_request_with_the_las_clock(closed) -> None:
    shown = closed("advice", "show", "--case", "EHC-H009")
    assert shown.exit_code == 0, shown.output
    assert "  status  CLOSED (finished on Tue 23 Mar 2027): advice sent on Sat 5 Dec 2026, on time" in shown.stdout
    assert "  LA's clock from the assessment request of Sat 24 Oct 2026:" in shown.stdout
    final = get_rule("ehc-final-plan").title
    assert f"    {final} (ehc-final-plan): due Sat 13 Mar 2027" in shown.stdout
    assert "done Tue 23 Mar 2027, 10 days late, chased by Alex Example (SENCO)" in shown.stdout


def test_an_open_request_is_still_shown_from_its_workflow_and_changes_only_open_ones(closed, temporal) -> None:
    temporal.answer = advice_state("EHC-0042")
    shown = closed("advice", "show", "--case", "EHC-0042")
    assert shown.exit_code == 0, shown.output
    assert temporal.calls == [("ehc-advice-request-EHC-0042-20270111", "state")]
    assert "  status  open" in shown.stdout and "CLOSED" not in shown.stdout
    # A closed request takes no more changes: the refusal is as before.
    sent = closed("advice", "sent", "--case", "EHC-H001", "--date", "2027-03-01")
    assert one_line_naming(sent, "--case") == "sendclock: --case: no open EHC advice request for case 'EHC-H001'"


def test_process_show_says_when_only_closed_processes_exist_and_all_shows_them(closed) -> None:
    shown = closed("process", "show", "--case", "EHC-H001")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == (
        "No open processes for case 'EHC-H001'; it has 1 closed process: "
        "`sendclock process show --case EHC-H001 --all` shows it.\n"
    )
    every = closed("process", "show", "--case", "EHC-H001", "--all")
    assert every.exit_code == 0, every.output
    lines = every.stdout.splitlines()
    assert lines[0] == "ehc-advice-request-EHC-H001-20261122"
    assert lines[1] == (
        "  EHC advice request: case EHC-H001 (Kent), from Sun 22 Nov 2026; owner teacher; "
        "CLOSED (finished on Tue 12 Jan 2027): sent 9 days late"
    )
    advice = get_rule("ehc-advice").title
    assert lines[3] == (
        f"    {advice} (ehc-advice): done Tue 12 Jan 2027, 9 days late; due Sun 3 Jan 2027, "
        "target Thu 31 Dec 2026; owner teacher"
    )
    assert closed("process", "show", "--case", "EHC-0999").stdout == "No open processes for case 'EHC-0999'.\n"


def test_process_show_json_lists_closed_ones_only_with_all(closed) -> None:
    assert json.loads(closed("process", "show", "--case", "EHC-H003", "--json").stdout) == []
    [row] = json.loads(closed("process", "show", "--case", "EHC-H003", "--json", "--all").stdout)
    assert (row["workflow_id"], row["status"], row["received"]) == (
        "ehc-advice-request-EHC-H003-20270310",
        "withdrawn",
        "2027-03-10",
    )
    assert [(s["rule"], s["status"], s["due"]) for s in row["steps"]] == [("ehc-advice", "withdrawn", "2027-04-21")]
    # An open case: the same with or without --all.
    assert json.loads(closed("process", "show", "--case", "EHC-0042", "--json", "--all").stdout) == json.loads(
        closed("process", "show", "--case", "EHC-0042", "--json").stdout
    )


def test_process_show_of_a_case_with_open_and_closed_processes_says_all_shows_the_rest(closed, db) -> None:
    with db.begin() as session:
        review = process("annual-review-EHC-H001", "EHC-H001", "Kent", kind="annual-review")
        session.add_all([review, step(review, "review-notice", due=d(30), target=d(28), owner="senco")])
    text = closed("process", "show", "--case", "EHC-H001").stdout
    assert text.startswith("annual-review-EHC-H001\n  Annual review: case EHC-H001 (Kent)")
    assert "ehc-advice-request-EHC-H001" not in text
    assert text.endswith(
        "The case also has 1 closed process: `sendclock process show --case EHC-H001 --all` shows it.\n"
    )
    every = closed("process", "show", "--case", "EHC-H001", "--all").stdout
    assert "ehc-advice-request-EHC-H001-20261122" in every and "annual-review-EHC-H001" in every
    assert "also has" not in every
