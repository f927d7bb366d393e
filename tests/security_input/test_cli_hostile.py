"""Hostile flags to the CLI: never a traceback; exit 2 with one line on stderr naming the flag; nothing written;
Temporal never contacted (starter.client.connect is a stub that counts calls: conftest.guard)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner

from starter.cli import app
from tests.dashboard.seed import seed
from tests.helpers import examples
from tests.security_input.conftest import snapshot
from tests.security_input.hostile import (
    INJECTIONS,
    bad_any_date,
    bad_case_ref,
    bad_la,
    bad_past_date,
    bad_rule_id,
    bad_staff_id,
    hostile_text,
)

FEW = hsettings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The CLI runs on a fixed clock (starter.cli.common.set_clock): these dates are in the past, and after the SEND
# Regulations 2014; every date from 2027 on is in its future.
TODAY = date(2026, 12, 1)
RECEIVED, EARLIER = "2026-11-02", "2026-03-02"
past = bad_past_date.filter(lambda v: isinstance(v, str) and not re.fullmatch(r"20(2[7-9]|[3-9]\d)-\d\d-\d\d", v))
past = past | st.dates(min_value=date(2100, 1, 1)).map(lambda d: d.isoformat())
text = hostile_text


def _year_group(value: str) -> bool:
    """A value the CLI would take as a year group (click's int() accepts spaces, '_' and any Unicode digits)."""
    try:
        return -1 <= int(value) <= 14
    except ValueError:
        return False


COMMANDS = {  # command: (good flags, {flag: strategy of bad values})
    ("advice", "start"): (
        {"--case": "EHC-1", "--la": "Kent", "--received": RECEIVED, "--owner": "senco"},
        {
            "--case": bad_case_ref,
            "--la": bad_la,
            "--received": past,
            "--owner": bad_staff_id,
            "--channel": text.filter(lambda s: s not in ("email", "post", "hand", "portal")),
            "--assessment-requested": past,
            "--requested-on": past | st.sampled_from(["2026-11-03", "2026-11-30"]),
        },
    ),
    ("review", "start"): (
        {
            "--case": "EHC-1",
            "--la": "Kent",
            "--plan-date": RECEIVED,
            "--transfer-kind": "phase",
            "--transfer-on": "2027-07-20",
        },
        {
            "--case": bad_case_ref,
            "--la": bad_la,
            "--plan-date": past,
            "--owner": bad_staff_id,
            "--year-group": st.integers(15, 2**70).map(str)
            | st.integers(-(2**70), -2).map(str)
            | text.filter(lambda s: not _year_group(s)),
            "--transfer-on": bad_any_date.filter(lambda v: isinstance(v, str)),
        },
    ),
    ("draft", "start"): (
        {"--case": "EHC-1", "--la": "Kent", "--received": RECEIVED, "--owner": "senco"},
        {
            "--case": bad_case_ref,
            "--la": bad_la,
            "--received": past,
            "--owner": bad_staff_id,
            "--served": bad_any_date.filter(lambda v: isinstance(v, str)),
        },
    ),
    ("reassessment", "start"): (
        {
            "--case": "EHC-1",
            "--la": "Kent",
            "--needs-changed": RECEIVED,
            "--last-assessment": EARLIER,
            "--owner": "senco",
        },
        {
            "--case": bad_case_ref,
            "--la": bad_la,
            "--needs-changed": past,
            "--last-assessment": past,
            "--owner": bad_staff_id,
        },
    ),
    ("step", "done"): (
        {"--case": "EHC-0042", "--rule": "ehc-advice", "--date": RECEIVED},
        {
            "--case": bad_case_ref,
            "--rule": bad_rule_id,
            "--date": past,
            "--by": bad_staff_id,
            "--method": text.filter(lambda s: s not in ("email", "post", "hand", "portal")),
            "--evidence": st.sampled_from(["x" * 1001, "a\x00b", "\u202e"]),
        },
    ),
    ("step", "exempt"): (
        {"--case": "EHC-0042", "--rule": "ehc-advice", "--ground": "reg8-2-a", "--start": EARLIER},
        {
            "--case": bad_case_ref,
            "--rule": bad_rule_id,
            "--ground": bad_rule_id,
            "--start": past,
            "--by": bad_staff_id,
            "--note": st.sampled_from(["x" * 1001, "\x00", "\u2066"]),
        },
    ),
    ("step", "reassign"): (
        {"--case": "EHC-0042", "--rule": "ehc-advice", "--to": "ta"},
        {
            "--case": bad_case_ref,
            "--rule": bad_rule_id,
            "--to": bad_staff_id,
            "--by": bad_staff_id,
            "--reason": st.sampled_from(["x" * 1001, "\x00"]),
        },
    ),
    ("step", "cancel"): (
        {"--case": "EHC-0007", "--rule": "review-notice", "--date": RECEIVED, "--reason": "error"},
        {
            "--case": bad_case_ref,
            "--rule": bad_rule_id,
            "--date": past,
            "--by": bad_staff_id,
            "--reason": st.sampled_from(["x" * 1001, "\x00", ""]),
        },
    ),
    ("deadline",): (
        {"--from": "2026-02-02"},
        {"--from": past | st.sampled_from(["9999-12-31", "2100-01-01"]), "--closed": text},
    ),
}


@pytest.fixture
def cli(settings, db, guard, monkeypatch):
    """`sendclock ...` in-process, on the dashboard tests' settings and seeded database."""
    import config.settings
    from commands.clock import FixedClock
    from starter.cli.common import set_clock

    seed(db)
    monkeypatch.setattr(config.settings, "get_settings", lambda: settings)
    set_clock(FixedClock(TODAY))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    yield run, db, guard
    set_clock(None)


def assert_refused(result, flag: str, guard, db, before) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (flag, result.exit_code, result.stdout[:300], result.stderr[:300])
    assert flag in result.stderr, (flag, result.stderr[:300])
    if result.stderr.startswith("sendclock:"):
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr[:500]
    assert "Traceback" not in result.stderr + result.stdout
    assert guard.calls == [], guard.calls
    assert snapshot(db) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_hostile_flag_exits_2_naming_it(cli, command) -> None:
    run, db, guard = cli
    good, bad = COMMANDS[command]
    before = snapshot(db)
    rule = ["ehc-advice"] if command == ("deadline",) else []

    @FEW
    @given(flag=st.sampled_from(sorted(bad)), data=st.data())
    def check(flag, data):
        value = data.draw(bad[flag], label=flag)
        flags = good | {flag: value}
        result = run(*command, *rule, *[f"{k}={v}" for k, v in flags.items()])
        assert_refused(result, flag, guard, db, before)

    check()


@pytest.mark.parametrize(
    "username",
    [t for t in INJECTIONS if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}", t)]
    + ["a" * 65, "sam\n", "sam\x00", "\u202esam"],
)
def test_user_add_refuses_hostile_user_names(cli, username) -> None:
    run, db, guard = cli
    before = snapshot(db)
    result = run(
        "user",
        "add",
        "--role=senco",
        "--staff=senco",
        "--password-stdin",
        "--",
        username,
        input="correct horse battery\n",
    )
    assert_refused(result, "USERNAME", guard, db, before)


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--role=root", "--staff=senco"], "--role"),
        (["--role=senco", "--staff=nobody"], "--staff"),
        (["--role=senco\x00", "--staff=senco"], "--role"),
        (["--role=staff"], "--staff"),
    ],
)
def test_user_add_refuses_hostile_roles_and_staff(cli, args, flag) -> None:
    run, db, guard = cli
    before = snapshot(db)
    result = run("user", "add", *args, "--password-stdin", "sam", input="correct horse battery\n")
    assert_refused(result, flag, guard, db, before)
