"""The command line speaks like a SENCO (issue 23): a step by its title (its rule id after it, in brackets), staff by
name where the staff directory has one, dates as 'Mon 16 Mar 2026', and nothing in Python's spelling ("['parents',
'pupil']", True, False, None) in human output. JSON keeps its keys and ISO dates (other tools read it).

Run on the database alone (rows the record activity wrote for committed histories, and tests/dashboard/seed.py), on a
stand-in Temporal answering with real state models for the commands that change a step, and on the formatting
functions themselves."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

import starter.cli.format as out
from audit import history
from statutory import get_rule
from tests.audit.conftest import apply_history, history_path
from tests.cli.conftest import advice_state, review_state, step
from tests.dashboard.seed import seed

# Python's own spelling of a list, a flag or nothing, and an ISO date (not the digits of a workflow id).
NOT_PLAIN = re.compile(r"\[['\"]|\bTrue\b|\bFalse\b|\bNone\b|(?<![0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])")
HISTORIES = (
    "ehc_advice_late",  # EHC-H001: advice sent 9 days late
    "ehc_advice_exemption",  # EHC-H002: sent late under an exemption
    "ehc_advice_withdrawn",  # EHC-H003
    "draft_consultation",  # EHC-H004
    "reassessment_reassessed",  # EHC-H005
    "annual_review_cycle",  # EHC-H007: open, facts with lists and flags
    "annual_review_ceased",  # EHC-H008
    "ehc_advice_la_clock",  # EHC-H009
)


def plain(text: str) -> str:
    found = NOT_PLAIN.findall(text)
    assert not found, (found, text)
    return text


@pytest.fixture
def school(cli, db):
    for name in HISTORIES:
        apply_history(db, history.load(history_path(name)), outbox=False)
    seed(db)
    return cli


def shown(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return plain(result.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--overdue"],
        ["list", "--due-within", "400"],
        ["process", "show", "--case", "EHC-0007"],
        ["process", "show", "--case", "EHC-H007"],
        *(["process", "show", "--case", f"EHC-H00{n}", "--all"] for n in (1, 2, 3, 4, 5, 8, 9)),
        *(["advice", "show", "--case", f"EHC-H00{n}"] for n in (1, 2, 3, 9)),
        ["deadline", "ehc-advice", "--from", "2026-07-16", "--closed", "2026-07-22:2026-09-01"],
        ["deadline", "phase-transfer-meeting-by", "--from", "2027-09-01"],
        ["deadline", "reassessment-earliest", "--from", "2026-07-01"],
        ["rules"],
        ["user", "list"],
    ],
    ids=" ".join,
)
def test_human_output_read_from_the_database_is_plain(school, args) -> None:
    shown(school(*args))


def test_accounts_and_feeds_name_the_staff_and_give_dates_plainly(school) -> None:
    users = shown(school("user", "list"))
    assert "ta (Sam Example (TA))" in users and "auditor" in users
    assert shown(school("feed", "new", "--staff", "ta")).startswith("Feed 1 (ta)")
    assert shown(school("feed", "revoke", "1")) == "Revoked 1.\n"
    feeds = shown(school("feed", "list"))
    assert "Sam Example (TA)" in feeds and re.search(r"revoked (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ \w{3} \d{4}", feeds)


def test_the_check_finds_what_it_looks_for() -> None:
    for old in ("attended ['parents', 'pupil']", "on time: True", "days late: None", "due 2027-03-01", "x False"):
        assert NOT_PLAIN.search(old), old
    assert not NOT_PLAIN.search("ehc-advice-request-EHC-0042-20270111: due Mon 1 Mar 2027, none")


def test_list_names_each_step_by_its_title_and_each_owner_by_name(school) -> None:
    text = shown(school("list"))
    advice = get_rule("ehc-advice").title
    line = next(line for line in text.splitlines() if "EHC-0042" in line)
    assert line.startswith("OVERDUE 2 days ")
    assert f" {advice} (ehc-advice): due Mon 8 Mar 2027, target Fri 5 Mar 2027; owner Alex Example (SENCO)" in line
    assert "owner senco" not in text and "owner ta" not in text
    assert "4 days left" in text and "Sam Example (TA)" in text
    # JSON keeps its keys, its ids and ISO dates.
    [row] = [r for r in json.loads(school("list", "--json").stdout) if r["case"] == "EHC-0042"]
    assert (row["rule"], row["due"], row["owner"]) == ("ehc-advice", "2027-03-08", "senco")


def test_process_show_gives_facts_in_words(school) -> None:
    text = shown(school("process", "show", "--case", "EHC-H007"))
    facts = text.split("  facts:\n")[1].splitlines()
    assert "    invited                  parents, pupil, la-sen-officer, health, social-care, school-staff" in facts
    assert "    preparing for adulthood  no" in facts and "    meeting on               Tue 5 Jan 2027" in facts
    assert "    attended                 none" in facts
    assert "_opened" not in text and "instances" not in text
    raw = json.loads(school("process", "show", "--case", "EHC-H007", "--json").stdout)[0]["facts"]
    assert raw["meeting_on"] == "2027-01-05" and raw["preparing_for_adulthood"] is False


def test_changes_answered_by_the_process_are_plain(school, temporal) -> None:
    temporal.answer = review_state()
    for args in (
        ["step", "done", "--case", "EHC-0007", "--rule", "review-report", "--date", "2027-03-09"],
        ["step", "reassign", "--case", "EHC-0007", "--rule", "review-report", "--to", "head"],
        ["review", "meeting", "--case", "EHC-0007", "--date", "2027-04-01"],
        ["review", "held", "--case", "EHC-0007", "--date", "2027-03-01", "--attended", "parents"],
        ["review", "decision", "--case", "EHC-0007", "--date", "2027-03-09", "--decision", "maintain"],
        ["process", "replan", "--case", "EHC-0007"],
    ):
        text = shown(school(*args))
        assert "annual-review-EHC-0007" in text, args
    text = shown(school("review", "meeting", "--case", "EHC-0007", "--date", "2027-04-01"))
    report = get_rule("review-report").title
    assert (
        f"    {report} (review-report): open; due Mon 15 Mar 2027, target Mon 15 Mar 2027; owner Sam Example (TA)"
        in (text.splitlines())
    )
    assert "done Mon 15 Feb 2027, 3 days late" in text and "done Fri 12 Feb 2027, on time" in text
    assert "  Annual review: case EHC-0007 (Medway), from Mon 16 Mar 2026; owner Sam Example (TA); open" in text
    assert "    invited                  parents, pupil, la-sen-officer" in text
    assert "    short notice             no" in text

    temporal.answer = advice_state(sent_on=date(2027, 2, 25))
    text = shown(school("advice", "sent", "--case", "EHC-0042", "--date", "2027-02-25"))
    assert "  status  advice sent on Thu 25 Feb 2027: 3 days late" in text
    assert "  owner   Jo Example (Head)" in text
    temporal.answer = advice_state(exempt=True)
    text = shown(school("advice", "exempt", "--case", "EHC-0042", "--ground", "reg8-2-a"))
    assert "  status  open; exemption under reg 8(2)(a) recorded: as soon as practicable" in text
    assert "  next    overdue notice on Thu 11 Mar 2027" in text
    temporal.answer = advice_state()
    text = shown(school("advice", "show", "--case", "EHC-0042"))
    decision = get_rule("ehc-assessment-decision").title
    assert f"    {decision} (ehc-assessment-decision): due Mon 15 Feb 2027" in text
    assert "chased by Alex Example (SENCO)" in text


def test_the_formatting_functions_on_real_states_are_plain(settings) -> None:
    for state in (advice_state(), advice_state(sent_on=date(2027, 2, 20), exempt=True), advice_state(la_clock=False)):
        plain(out.started_process_text(state, True, settings))
        plain(out.state_text(state, settings))
    review = review_state(decision="amend", names_setting="Northgate High School", already_named=False)
    started = plain(out.started_process_text(review, False, settings))
    assert started.startswith("Already exists (nothing new started): annual-review-EHC-0007\n")
    text = plain(out.process_text(review, settings))
    assert "    final plan names         Northgate High School" in text and "plan already names it    no" in text
    old = step("review-report", date(2027, 3, 1), date(2027, 3, 15), date(2027, 3, 15), owner="ta")
    new = step("review-report", date(2027, 3, 1), date(2027, 3, 22), date(2027, 3, 19), owner="ta")
    moved = plain(out.replanned_text(review, [(old, new)], settings))
    assert moved.endswith(
        f"  {get_rule('review-report').title}: due Mon 22 Mar 2027 (was Mon 15 Mar 2027), target Fri 19 Mar 2027 "
        "(was Mon 15 Mar 2027); Sam Example (TA) has been told."
    )
    assert plain(out.plain([["parents", "pupil"], True, None, "2027-03-01", {"a_b": False}])) == (
        "parents, pupil, yes, not recorded, Mon 1 Mar 2027, a b no"
    )
    assert (
        out.dates_in("plan ceased on 2026-11-30; sent 1 day(s) late")
        == "plan ceased on Mon 30 Nov 2026; sent 1 day late"
    )
    assert out.staff_name(settings, "head") == "Jo Example (Head)" and out.staff_name(settings, "supply") == "supply"
    # JSON keeps ISO dates and its keys.
    data = out.process_json(review)
    assert data["received"] == "2026-03-16" and data["steps"][0]["rule"] == "annual-review-due"
