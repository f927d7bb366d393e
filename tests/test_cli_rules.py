"""The CLI contract for the rule book: `sendclock deadline` and `sendclock rules` (no server needed)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from starter.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    ("rule", "anchor", "due", "target"),
    [
        ("ehc-advice", "2026-02-02", "2026-03-16", "2026-03-16"),
        ("annual-review-due", "2026-03-10", "2027-03-09", "2027-03-09"),
        ("reassessment-earliest", "2025-08-30", "2026-03-01", "2026-03-02"),
    ],
)
def test_deadline_json(rule, anchor, due, target):
    result = run("deadline", rule, "--from", anchor, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["rule"], data["from"], data["due"], data["target"]) == (rule, anchor, due, target)
    assert data["basis"] and isinstance(data["explanation"], list) and data["explanation"]


def test_closed_moves_only_the_target():
    result = run("deadline", "ehc-advice", "--from", "2026-07-16", "--closed", "2026-07-22:2026-09-01", "--json")
    data = json.loads(result.stdout)
    assert (data["due"], data["target"]) == ("2026-08-27", "2026-07-21")
    text = run("deadline", "ehc-advice", "--from", "2026-07-16", "--closed", "2026-07-22:2026-09-01")
    assert text.exit_code == 0 and "Tue 21 Jul 2026" in text.stdout and "reg 8(1)" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deadline", "no-such-rule", "--from", "2026-02-02"], "unknown rule 'no-such-rule'"),
        (["deadline", "ehc-advice", "--from", "2026-02-30"], "--from: '2026-02-30' is not a date"),
        (["deadline", "ehc-advice", "--from", "02/02/2026"], "--from: '02/02/2026' is not a date"),
        (
            ["deadline", "ehc-advice", "--from", "2026-02-02", "--closed", "2026-03-05:2026-03-01"],
            "--closed: end 2026-03-01 is before start 2026-03-05",
        ),
        (
            ["deadline", "ehc-advice", "--from", "2026-02-02", "--closed", "2026-03-05"],
            "--closed: '2026-03-05' is not START:END",
        ),
        (["deadline", "ehc-advice", "--from", "2010-01-04"], "not in force"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_rules_lists_every_rule_with_its_basis():
    from statutory import RULES

    result = run("rules")
    assert result.exit_code == 0
    for rule in RULES:
        assert rule.id in result.stdout and rule.basis in result.stdout
    assert len(json.loads(run("rules", "--json").stdout)) == len(RULES)


def test_advice_start_rejects_bad_input_before_reaching_temporal():
    # Temporal is not running in this test: bad input must fail first, naming the flag.
    result = run(
        "advice", "start", "--case", "Jane Smith", "--la", "Kent", "--received", "2026-02-02", "--owner", "senco"
    )
    assert result.exit_code == 2 and "--case:" in result.stderr
    result = run("advice", "start", "--case", "EHC-1", "--la", "Kent", "--received", "2026-13-02", "--owner", "senco")
    assert result.exit_code == 2 and "--received:" in result.stderr
    result = run(
        "advice",
        "start",
        "--case",
        "EHC-1",
        "--la",
        "Kent",
        "--received",
        "2026-02-02",
        "--owner",
        "senco",
        "--channel",
        "pigeon",
    )
    assert result.exit_code == 2 and "--channel:" in result.stderr


@pytest.mark.parametrize(
    ("received", "message"),
    [
        ("2099-01-05", "--received: Mon 5 Jan 2099 is in the future"),
        ("2012-01-05", "--received: rule 'ehc-advice' is not in force"),
    ],
)
def test_advice_start_refuses_a_date_no_workflow_could_plan(received, message):
    result = run("advice", "start", "--case", "EHC-1", "--la", "Kent", "--received", received, "--owner", "senco")
    assert result.exit_code == 2 and message in result.stderr


# Rule book §6 (../shared/statutory-timescales.md), every row, as `sendclock deadline` gives it (no school closures
# but those given with --closed: the test does not depend on the shipped demo calendar).
WORKED_EXAMPLES = [
    (["ehc-advice", "--from", "2026-02-02"], "2026-03-16", "2026-03-16"),
    (["ehc-advice", "--from", "2026-04-02"], "2026-05-14", "2026-05-14"),
    (["ehc-advice", "--from", "2026-07-16", "--closed", "2026-07-22:2026-09-01"], "2026-08-27", "2026-07-21"),
    (["draft-plan-representations", "--from", "2026-03-10"], "2026-03-24", "2026-03-24"),
    (["review-notice", "--from", "2026-11-04"], "2026-10-20", "2026-10-20"),
    (["review-advice-circulation", "--from", "2026-11-04"], "2026-10-20", "2026-10-20"),
    (["review-report", "--from", "2026-11-04"], "2026-11-18", "2026-11-18"),
    (["review-la-decision", "--from", "2026-11-04"], "2026-12-02", "2026-12-02"),
    (["annual-review-due", "--from", "2026-03-10"], "2027-03-09", "2027-03-09"),
    (["phase-transfer-review", "--from", "2027-09-01"], "2027-02-14", "2027-02-12"),
    (["phase-transfer-meeting-by", "--from", "2027-09-01"], "2026-11-22", "2026-11-20"),
    (["post16-move-review", "--from", "2027-09-01"], "2027-04-01", "2027-04-01"),
    (["ehc-final-plan", "--from", "2026-04-01", "--closed", "2026-07-22:2026-09-01"], "2026-08-19", "2026-08-19"),
    (["reassessment-earliest", "--from", "2025-08-30"], "2026-03-01", "2026-03-02"),
    (["ehc-final-plan", "--from", "2026-01-14"], "2026-06-03", "2026-06-03"),
]


@pytest.fixture
def no_demo_calendar(tmp_path, monkeypatch):
    """Settings with no school closures and one LA that sets its own date for transfer-year meetings."""
    from config.settings import get_settings

    config = tmp_path / "sendclock.toml"
    config.write_text('[las.Kent]\ntransfer_review_meetings_by = "11-30"\n')
    monkeypatch.setenv("SENDCLOCK_CONFIG", str(config))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("args", "due", "target"), WORKED_EXAMPLES, ids=[" ".join(a[:3]) for a, _, _ in WORKED_EXAMPLES]
)
def test_every_worked_example_of_the_rule_book(no_demo_calendar, args, due, target):
    result = run("deadline", *args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["due"], data["target"]) == (due, target)


def test_the_variants_the_rule_book_names(no_demo_calendar):
    # C9 --post16: 12 weeks before 30 March 2027 (the post-16 reg 18 date) is Tue 5 Jan 2027.
    post16 = json.loads(
        run("deadline", "phase-transfer-meeting-by", "--from", "2027-09-01", "--post16", "--json").stdout
    )
    assert (post16["due"], post16["target"]) == ("2027-01-05", "2027-01-05")
    # An LA's own date replaces the derived one, and the explanation says so.
    kent = json.loads(
        run("deadline", "phase-transfer-meeting-by", "--from", "2027-09-01", "--la", "Kent", "--json").stdout
    )
    assert kent["due"] == "2026-11-30" and any("Kent sets its own date" in line for line in kent["explanation"])
    # C3: clear days by default; the inclusive reading on request, named in the explanation.
    inclusive = json.loads(
        run("deadline", "review-notice", "--from", "2026-11-04", "--reading", "inclusive", "--json").stdout
    )
    assert inclusive["due"] == "2026-10-21" and "read inclusively" in " ".join(inclusive["explanation"])
    clear = run("deadline", "review-notice", "--from", "2026-11-04")
    assert "clear days, the safe reading" in clear.stdout
    # C8 with no corresponding date; reg 18(3): transfers in 2015 had until 31 May.
    assert (
        json.loads(run("deadline", "post16-move-review", "--from", "2027-07-31", "--json").stdout)["due"]
        == "2027-02-28"
    )
    assert (
        json.loads(run("deadline", "post16-transfer-review", "--from", "2015-09-01", "--json").stdout)["due"]
        == "2015-05-30"
    )
    assert (
        json.loads(run("deadline", "post16-transfer-review", "--from", "2016-09-01", "--json").stdout)["due"]
        == "2016-03-30"
    )
    assert (
        json.loads(run("deadline", "cease-appeal-window", "--from", "2026-12-31", "--json").stdout)["due"]
        == "2027-02-28"
    )
    # A January transfer is allowed, with a warning.
    january = run("deadline", "phase-transfer-review", "--from", "2027-01-04")
    assert (
        january.exit_code == 0
        and "warning The transfer on Mon 4 Jan 2027 is before the date regulation 18" in january.stdout
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["phase-transfer-review", "--from", "2027-09-01", "--post16"], "--post16: only for a planning date"),
        (["ehc-advice", "--from", "2026-02-02", "--la", "Kent"], "--la: only for a planning date"),
        (["phase-transfer-meeting-by", "--from", "2027-09-01", "--la", "Narnia"], "--la: no LA named 'Narnia'"),
        (["review-notice", "--from", "2026-11-04", "--reading", "loose"], "--reading: 'loose' is not a reading"),
    ],
)
def test_bad_variants_exit_2_naming_the_flag(no_demo_calendar, args, message):
    result = run("deadline", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
