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
        (["deadline", "ehc-advice", "--from", "2026-02-02", "--closed", "2026-03-05:2026-03-01"],
         "--closed: end 2026-03-01 is before start 2026-03-05"),
        (["deadline", "ehc-advice", "--from", "2026-02-02", "--closed", "2026-03-05"], "--closed: '2026-03-05' is not START:END"),
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
    result = run("advice", "start", "--case", "Jane Smith", "--la", "Kent", "--received", "2026-02-02", "--owner", "senco")
    assert result.exit_code == 2 and "--case:" in result.stderr
    result = run("advice", "start", "--case", "EHC-1", "--la", "Kent", "--received", "2026-13-02", "--owner", "senco")
    assert result.exit_code == 2 and "--received:" in result.stderr
    result = run("advice", "start", "--case", "EHC-1", "--la", "Kent", "--received", "2026-02-02", "--owner", "senco",
                 "--channel", "pigeon")
    assert result.exit_code == 2 and "--channel:" in result.stderr


@pytest.mark.parametrize(
    ("received", "message"),
    [("2099-01-05", "--received: 2099-01-05 is in the future"), ("2012-01-05", "--received: rule 'ehc-advice' is not in force")],
)
def test_advice_start_refuses_a_date_no_workflow_could_plan(received, message):
    result = run("advice", "start", "--case", "EHC-1", "--la", "Kent", "--received", received, "--owner", "senco")
    assert result.exit_code == 2 and message in result.stderr
