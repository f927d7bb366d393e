"""Every bad-input error names its flag (issue 23): one line on stderr, "sendclock: --flag: reason", exit 2, whether
the CLI, the command layer or the process's own update validator refused it (Temporal stood in for: conftest)."""

from __future__ import annotations

import pytest

from commands.errors import Problem
from starter.cli.common import said
from tests.cli.conftest import no_such_workflow, one_line_naming, refused
from tests.dashboard.seed import seed


@pytest.fixture
def seeded(cli, db):
    seed(db)  # open: EHC-0042's advice request (Kent), EHC-0007's annual review (Medway)
    return cli


@pytest.mark.parametrize(
    ("args", "flag", "words"),
    [
        # the exemption ground: the command's checks
        (["advice", "exempt", "--case", "EHC-0042", "--ground", "bogus"], "--ground", "does not apply to rule"),
        (
            ["step", "exempt", "--case", "EHC-0007", "--rule", "review-report", "--ground", "reg8-2-a"],
            "--ground",
            "has no exemption grounds",
        ),
        (["advice", "exempt", "--case", "EHC-0042", "--ground", "reg8-2-b"], "--start", "needs the date"),
        # listing, showing
        (["list", "--overdue", "--due-within", "3"], "--due-within", "cannot be used with --overdue"),
        (["process", "show", "--case", "EHC 0042"], "--case", "is not a case reference"),
        (["advice", "show", "--case", "EHC-0042", "--received", "2027-02-30"], "--received", "is not a date"),
        (["advice", "show", "--case", "EHC-0404"], "--case", "no open EHC advice request"),
        # the audit report's case
        (["audit", "report"], "--case", "give the case reference"),
        (["audit", "report", "--case", "EHC 0042"], "--case", "is not a case reference"),
        (["audit", "report", "EHC-0042", "--case", "EHC-0043"], "--case", "two cases given"),
        (["audit", "report", "--case", "EHC-0042", "--format", "docx"], "--format", "is not one of"),
        # accounts
        (["user", "password", "nobody", "--password-stdin"], "USERNAME", "no account 'nobody'"),
        (["user", "sessions", "nobody"], "USERNAME", "no account 'nobody'"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("-") else None,
)
def test_bad_input_names_its_flag(seeded, temporal, args, flag, words) -> None:
    line = one_line_naming(seeded(*args, input="a brand new passphrase\n"), flag)
    assert words in line
    assert temporal.calls == []  # refused before Temporal was asked


def test_a_second_exemption_refused_by_the_process_names_ground(seeded, temporal) -> None:
    """The workflow refuses an exemption already recorded on the step (its field: "exemption"): said as --ground."""
    temporal.answer = refused("exemption", "already recorded (reg8-2-a)", "conflict")
    for args in (
        ["advice", "exempt", "--case", "EHC-0042", "--ground", "reg8-2-c"],
        ["step", "exempt", "--case", "EHC-0042", "--rule", "ehc-advice", "--ground", "reg8-2-c"],
    ):
        line = one_line_naming(seeded(*args), "--ground")
        assert line == "sendclock: --ground: already recorded (reg8-2-a)"


def test_a_meeting_too_soon_names_date_and_the_short_notice_flag(seeded, temporal) -> None:
    """The review refuses a meeting with less than 14 clear days' notice, about the date: the way out is named too."""
    temporal.answer = refused(
        "meeting_on",
        "Fri 12 Mar 2027 leaves 2 days' notice, 1 clear days; reg 20(3) requires at least two weeks (14 clear days): "
        "choose a later date, or confirm short notice",
        "short_notice",
    )
    line = one_line_naming(seeded("review", "meeting", "--case", "EHC-0007", "--date", "2027-03-12"), "--date")
    assert line.endswith("choose a later date, or confirm short notice with --short-notice")
    assert temporal.calls == [("annual-review-EHC-0007", "set_meeting")]


def test_a_process_that_is_gone_names_case(seeded, temporal) -> None:
    """A change to a process Temporal no longer has (starter/requests.py: field workflow_id) is about --case."""
    temporal.answer = no_such_workflow()
    line = one_line_naming(seeded("review", "held", "--case", "EHC-0999", "--date", "2027-03-01"), "--case")
    assert "annual-review-EHC-0999 does not exist" in line
    line = one_line_naming(
        seeded("step", "done", "--case", "EHC-0042", "--rule", "ehc-advice", "--date", "2027-03-01"), "--case"
    )
    assert "does not exist" in line


@pytest.mark.parametrize(
    ("problem", "said_as"),
    [
        (Problem("exemption", "already recorded (reg8-2-a)", "conflict"), "--ground: already recorded (reg8-2-a)"),
        (Problem("workflow_id", "x does not exist", "not_open"), "--case: x does not exist"),
        (
            Problem("meeting_on", "too soon", "short_notice"),
            "--date: too soon (--short-notice confirms it)",
        ),
        (Problem("form", "step ehc-advice is already completed", "not_open"), "step ehc-advice is already completed"),
    ],
)
def test_said_names_the_flag(problem, said_as) -> None:
    assert said(problem, {"meeting_on": "--date"}) == said_as
