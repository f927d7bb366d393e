"""The command line of a trust's deployment (issue 25): several schools in the settings (`schools.<id>`), so every
command that starts, changes or lists processes takes --school and refuses to run without it (exit 2, naming the
flag), works with that school's view of the settings (its staff, calendar, LAs) and sees only that school's
processes; another school's case is answered as an unknown one. Dashboard accounts are at one school or trust-wide.

The trust's settings file is written here (two fictional schools, oak and elm; example.org addresses); the database is
a migrated SQLite file with rows of both schools put in directly; Temporal is stood in for (tests/cli/conftest.py), and
nothing here reaches it unless the test says what it answers. A single school needs no --school anywhere: the other
CLI tests, unchanged, prove it; the few here check the one school's id is accepted, and nothing else is."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from store.accounts import Account
from store.db import make_engine, make_sessionmaker
from store.models import Process
from tests.cli.conftest import TODAY, advice_state, one_line_naming, review_state
from tests.dashboard.seed import d, process, step
from tests.db import migrate
from tests.helpers import sendclock
from workflows.models import NO_LA

TRUST_TOML = """\
timezone = "Europe/London"

[reminders]
escalate_to = "senco"

[trust]
name = "Example Learning Trust"

[trust.staff.send-lead]
name = "Morgan Example (Trust SEND lead)"
role = "leadership"
email = "send.lead@trust.example.org"

[schools.oak]
name = "Oak Primary School"

[schools.oak.staff.senco]
name = "Asha Example (SENCO)"
role = "senco"
email = "senco@oak.example.org"

[schools.oak.staff.head]
name = "Tom Example (Headteacher)"
role = "head"
email = "head@oak.example.org"

[schools.oak.las.Kent]
mailbox = "sen.team@kent.example.org"

[schools.elm]
name = "Elm Academy"

[schools.elm.staff.senco]
name = "Ravi Example (SENCO)"
role = "senco"
email = "senco@elm.example.org"

[schools.elm.staff.principal]
name = "Dana Example (Principal)"
role = "head"
email = "principal@elm.example.org"

[schools.elm.staff.tutor]
name = "Kim Example (Form tutor)"
role = "staff"
email = "tutor@elm.example.org"

[schools.elm.las.Surrey]

[[schools.elm.calendar.closures]]
start = 2027-04-05
end = 2027-04-16
label = "Easter holiday"
"""
SEVERAL = "sendclock: --school: this deployment has several schools (oak, elm): say which one with --school ID"


@pytest.fixture
def trust_env(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """SENDCLOCK_* for the trust: its settings file, a database and var/ of this test's own (migrated)."""
    config = tmp_path / "trust.toml"
    config.write_text(TRUST_TOML, encoding="utf-8")
    env = {
        "SENDCLOCK_CONFIG": str(config),
        "SENDCLOCK_VAR_DIR": str(tmp_path / "var"),
        "SENDCLOCK_DATABASE_URL": f"sqlite:///{tmp_path}/trust.db",
    }
    for name in [k for k in os.environ if k.startswith("SENDCLOCK_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    migrate(env["SENDCLOCK_DATABASE_URL"])
    return env


@pytest.fixture
def trust_db(trust_env) -> Iterator[Any]:
    engine = make_engine(trust_env["SENDCLOCK_DATABASE_URL"])
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def trust(trust_env, trust_db, temporal, monkeypatch) -> Iterator[Any]:
    """`trust(*args, input=None)`: `sendclock ARGS` in-process on the trust's settings and database, today TODAY."""
    import config.settings
    from commands.clock import FixedClock
    from starter.cli import app
    from starter.cli.common import set_clock

    settings = config.settings.Settings()
    assert settings.school_ids == ["oak", "elm"]
    monkeypatch.setattr(config.settings, "get_settings", lambda: settings)
    set_clock(FixedClock(TODAY))
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    yield run
    set_clock(None)


def school_process(school: str, kind: str, case_ref: str, la: str, status: str = "open", dated: bool = True) -> Process:
    """A process row of `school`: its workflow id as the registry makes it (workflows/registry.py, for_school)."""
    own = f"{kind}-{case_ref}-20270111" if dated else f"{kind}-{case_ref}"
    row = process(f"{school}~{own}", case_ref, la, status=status, kind=kind)
    row.school = school
    return row


@pytest.fixture
def seeded(trust, trust_db):
    """Both schools' rows: EHC-0042 at oak (Kent) and at elm (Surrey): two pupils with one reference; EHC-0100 at
    elm only; an SEN support review of SUP-0001 at oak only; a process of oak's stopped outside sendclock."""
    with trust_db.begin() as session:
        oak_advice = school_process("oak", "ehc-advice-request", "EHC-0042", "Kent")
        elm_advice = school_process("elm", "ehc-advice-request", "EHC-0042", "Surrey")
        elm_other = school_process("elm", "ehc-advice-request", "EHC-0100", "Surrey")
        oak_support = school_process("oak", "sen-support", "SUP-0001", NO_LA)
        oak_stopped = school_process("oak", "annual-review", "EHC-0077", "Kent", status="stopped", dated=False)
        session.add_all([oak_advice, elm_advice, elm_other, oak_support, oak_stopped])
        session.add_all(
            [
                step(oak_advice, "ehc-advice", d(-2), d(-5), "head"),
                step(elm_advice, "ehc-advice", d(4), d(3), "principal"),
                step(elm_other, "ehc-advice", d(9), d(8), "senco"),
                step(oak_support, "sen-support-review", d(16), d(16), "senco"),
                step(oak_stopped, "review-report", d(1), d(1), "senco"),
            ]
        )
    return trust


# --- which commands take --school ------------------------------------------------------------------------------------

# Every command that starts, changes or lists processes: --school (SENDCLOCK_SCHOOL), required with several schools.
SCHOOL_COMMANDS = {
    "list",
    "import register",
    *(f"{group} start" for group in ("advice", "review", "draft", "reassessment", "support", "pep", "duty")),
    "advice sent",
    "advice exempt",
    "advice withdraw",
    "advice show",
    *(f"review {move}" for move in ("meeting", "held", "decision", "ceased", "final-plan", "appeal")),
    "reassessment sent",
    "reassessment decided",
    *(f"step {move}" for move in ("done", "exempt", "reassign", "cancel")),
    "process show",
    "process replan",
    "process resume",
    "support held",
    "support end",
    "pep held",
    "pep end",
    "duty end",
    "audit report",  # a case's records at one school: two schools may use the same reference for two pupils
    "audit bundle",
}


def _commands() -> dict[str, Any]:
    """Every command of `sendclock` by its path ("advice sent"), as click has it."""
    import typer

    from starter.cli import app

    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = command

    walk(typer.main.get_command(app), "")
    return found


def test_every_command_that_starts_changes_or_lists_processes_takes_school_and_no_other_does() -> None:
    """The process commands take the one option (with SENDCLOCK_SCHOOL); `deadline` takes it to count with a school's
    calendar, `user add` to place an account; the deployment-wide commands (up, worker, db, config, key, rules, audit,
    retention, the other user and feed commands) take none, but `feed new`, whose feed shows one school's steps."""
    commands = _commands()
    with_school = {
        path: next(p for p in command.params if "--school" in p.opts)
        for path, command in commands.items()
        if any("--school" in p.opts for p in command.params)
    }
    assert set(with_school) >= SCHOOL_COMMANDS
    assert set(with_school) - SCHOOL_COMMANDS == {"deadline", "user add", "feed new"}
    for path in SCHOOL_COMMANDS | {"deadline"}:
        assert with_school[path].envvar == "SENDCLOCK_SCHOOL", path
        assert not with_school[path].required, path  # optional with one school: refused by the command, with words
    assert with_school["user add"].envvar is None  # a trust role with SENDCLOCK_SCHOOL exported is still a trust role


REFUSED_WITHOUT_SCHOOL = [
    ["list"],
    ["audit", "report", "--case", "EHC-0042"],
    ["list", "--overdue"],
    ["advice", "start", "--case", "EHC-0042", "--la", "Kent", "--received", "2027-01-11", "--owner", "senco"],
    ["review", "start", "--case", "EHC-0007", "--la", "Kent", "--plan-date", "2026-03-16"],
    ["support", "start", "--case", "SUP-0001", "--placed-on", "2027-01-11", "--key-worker", "senco"],
    ["pep", "start", "--case", "SUP-0003", "--began-on", "2027-01-11", "--owner", "senco"],
    ["duty", "start", "--duty", "sen-information-report", "--last-done", "2026-07-01", "--owner", "senco"],
    ["advice", "sent", "--case", "EHC-0042", "--date", "2027-03-01"],
    ["advice", "show", "--case", "EHC-0042"],
    ["review", "held", "--case", "EHC-0007", "--date", "2027-03-01"],
    ["review", "appeal", "--case", "EHC-0007", "--lodged", "2027-03-01"],
    ["reassessment", "decided", "--case", "EHC-0042", "--date", "2027-03-01", "--refused"],
    ["step", "done", "--case", "EHC-0042", "--rule", "ehc-advice", "--date", "2027-03-01"],
    ["step", "reassign", "--case", "EHC-0042", "--rule", "ehc-advice", "--to", "senco"],
    ["process", "show", "--case", "EHC-0042"],
    ["process", "replan", "--all"],
    ["process", "resume", "--case", "EHC-0077"],
    ["support", "held", "--case", "SUP-0001", "--date", "2027-03-01", "--with-parents"],
    ["pep", "end", "--case", "SUP-0003", "--date", "2027-03-01", "--reason", "left-school"],
    ["duty", "end", "--duty", "sen-information-report", "--date", "2027-03-01"],
    ["import", "register", "docs/register-template.csv", "--dry-run"],
]


@pytest.mark.parametrize("args", REFUSED_WITHOUT_SCHOOL, ids=" ".join)
def test_without_school_a_trust_refuses_naming_the_flag_and_its_schools(seeded, temporal, args) -> None:
    line = one_line_naming(seeded(*args), "--school")
    assert line == SEVERAL
    assert temporal.calls == []  # refused before Temporal was asked


@pytest.mark.parametrize("school", ["ash", "OAK", "default", "oak~elm"])
def test_a_school_the_settings_do_not_have_is_refused_naming_the_flag(seeded, temporal, school) -> None:
    line = one_line_naming(seeded("process", "show", "--case", "EHC-0042", "--school", school), "--school")
    assert line == f"sendclock: --school: no school {school!r} in the settings; its schools: oak, elm"
    assert temporal.calls == []


def test_the_school_can_come_from_the_environment(seeded, monkeypatch) -> None:
    monkeypatch.setenv("SENDCLOCK_SCHOOL", "elm")
    listed = seeded("list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert {row["workflow_id"] for row in json.loads(listed.stdout)} == {
        "elm~ehc-advice-request-EHC-0042-20270111",
        "elm~ehc-advice-request-EHC-0100-20270111",
    }
    monkeypatch.setenv("SENDCLOCK_SCHOOL", "birch")
    line = one_line_naming(seeded("list"), "--school")
    assert (
        line == "sendclock: --school: no school 'birch' (from SENDCLOCK_SCHOOL) in the settings; its schools: oak, elm"
    )


# --- a school's processes only ---------------------------------------------------------------------------------------


def test_list_shows_only_the_schools_own_steps_with_its_staff_by_name(seeded) -> None:
    def line_of(listed: Result, case: str) -> str:
        [line] = [line for line in listed.stdout.splitlines() if line.split()[3:4] == [case]]
        return " ".join(line.split())

    oak = seeded("list", "--school", "oak")
    assert oak.exit_code == 0, oak.stderr
    assert line_of(oak, "EHC-0042").startswith("OVERDUE 2 days EHC-0042 Kent ")
    assert line_of(oak, "EHC-0042").endswith("owner Tom Example (Headteacher)")
    assert "SUP-0001" in oak.stdout
    assert "Surrey" not in oak.stdout and "EHC-0100" not in oak.stdout
    # oak's process stopped outside sendclock is oak's to resume, and the command to do it names the school
    assert "Resume it: sendclock process resume --case EHC-0077 --school oak" in oak.stdout

    elm = seeded("list", "--school", "elm")
    assert elm.exit_code == 0, elm.stderr
    assert line_of(elm, "EHC-0042").startswith("4 days left EHC-0042 Surrey ")
    assert line_of(elm, "EHC-0042").endswith("owner Dana Example (Principal)")
    assert "EHC-0100" in elm.stdout
    for other in ("Kent", "SUP-0001", "EHC-0077", "stopped outside sendclock"):
        assert other not in elm.stdout, other

    rows = json.loads(seeded("list", "--school", "elm", "--json").stdout)
    assert sorted((r["case"], r["la"], r["owner"]) for r in rows) == [
        ("EHC-0042", "Surrey", "principal"),
        ("EHC-0100", "Surrey", "senco"),
    ]
    overdue = json.loads(seeded("list", "--school", "oak", "--overdue", "--json").stdout)
    assert [(r["case"], r["la"]) for r in overdue] == [("EHC-0042", "Kent")]


def test_process_show_shows_the_schools_case_and_another_schools_as_an_unknown_one(seeded) -> None:
    oak = seeded("process", "show", "--case", "EHC-0042", "--school", "oak", "--json")
    assert [p["workflow_id"] for p in json.loads(oak.stdout)] == ["oak~ehc-advice-request-EHC-0042-20270111"]
    elm = seeded("process", "show", "--case", "EHC-0042", "--school", "elm", "--json")
    assert [p["workflow_id"] for p in json.loads(elm.stdout)] == ["elm~ehc-advice-request-EHC-0042-20270111"]

    theirs = seeded("process", "show", "--case", "EHC-0100", "--school", "oak")
    unknown = seeded("process", "show", "--case", "EHC-0999", "--school", "oak")
    assert theirs.exit_code == unknown.exit_code == 0
    assert theirs.stdout.replace("EHC-0100", "REF") == unknown.stdout.replace("EHC-0999", "REF")
    assert theirs.stdout == "No open processes for case 'EHC-0100'.\n"


# Changes to a case of elm's only, asked at oak: the answer an unknown case gets, nothing sent.
ANOTHER_SCHOOLS_CASE = [
    ["advice", "sent", "--case", "{case}", "--date", "2027-03-01"],
    ["advice", "withdraw", "--case", "{case}", "--date", "2027-03-01"],
    ["advice", "show", "--case", "{case}"],
    ["step", "done", "--case", "{case}", "--rule", "ehc-advice", "--date", "2027-03-01"],
    ["step", "cancel", "--case", "{case}", "--rule", "ehc-advice", "--date", "2027-03-01", "--reason", "in error"],
    ["process", "resume", "--case", "{case}"],
    ["process", "replan", "--case", "{case}"],
]


@pytest.mark.parametrize("args", ANOTHER_SCHOOLS_CASE, ids=lambda a: " ".join(a[:2]))
def test_a_change_to_another_schools_case_is_answered_as_for_an_unknown_case(seeded, temporal, args) -> None:
    def asked(case: str) -> Result:
        return seeded(*(a.format(case=case) for a in args), "--school", "oak")

    theirs, unknown = asked("EHC-0100"), asked("EHC-0999")
    assert "no open" in theirs.output.lower() and "'EHC-0100'" in theirs.output  # the answer for no such case
    assert theirs.exit_code == unknown.exit_code
    assert theirs.stderr.replace("EHC-0100", "REF") == unknown.stderr.replace("EHC-0999", "REF")
    assert theirs.stdout.replace("EHC-0100", "REF") == unknown.stdout.replace("EHC-0999", "REF")
    assert "elm" not in theirs.output and "Surrey" not in theirs.output
    assert temporal.calls == []


def test_termly_moves_find_only_the_schools_own_process(seeded, temporal) -> None:
    theirs = seeded(
        "support", "held", "--case", "SUP-0001", "--date", "2027-03-01", "--with-parents", "--school", "elm"
    )
    unknown = seeded(
        "support", "held", "--case", "SUP-0999", "--date", "2027-03-01", "--with-parents", "--school", "elm"
    )
    assert one_line_naming(theirs, "--case").replace("SUP-0001", "REF") == one_line_naming(unknown, "--case").replace(
        "SUP-0999", "REF"
    )
    assert temporal.calls == []


def test_a_change_at_the_right_school_goes_to_that_schools_process(seeded, temporal) -> None:
    temporal.answer = advice_state("EHC-0100")
    sent = seeded(
        "advice", "sent", "--case", "EHC-0100", "--date", "2027-03-01", "--by", "principal", "--school", "elm"
    )
    assert sent.exit_code == 0, sent.stderr
    # The case reference two schools use: each school's own process.
    temporal.answer = advice_state("EHC-0042")
    sent = seeded("advice", "sent", "--case", "EHC-0042", "--date", "2027-03-01", "--school", "oak")
    assert sent.exit_code == 0, sent.stderr
    temporal.answer = review_state()  # a process's state, as a step's change answers it
    moved = seeded("step", "reassign", "--case", "EHC-0042", "--rule", "ehc-advice", "--to", "tutor", "--school", "elm")
    assert moved.exit_code == 0, moved.stderr
    # A review, a request by the date it was received and a duty are found by their workflow ids, which the school's
    # id leads.
    temporal.answer = review_state("EHC-0007")
    held = seeded("review", "held", "--case", "EHC-0007", "--date", "2027-03-01", "--school", "elm")
    assert held.exit_code == 0, held.stderr
    temporal.answer = advice_state("EHC-0555")
    args = ["advice", "withdraw", "--case", "EHC-0555", "--received", "2027-01-11", "--date", "2027-03-01"]
    assert seeded(*args, "--school", "oak").exit_code == 0
    ended = seeded("duty", "end", "--duty", "sen-information-report", "--date", "2027-03-03", "--school", "elm")
    assert ended.exit_code == 0, ended.stderr
    assert temporal.calls == [
        ("elm~ehc-advice-request-EHC-0100-20270111", "advice_sent"),
        ("oak~ehc-advice-request-EHC-0042-20270111", "advice_sent"),
        ("elm~ehc-advice-request-EHC-0042-20270111", "reassign_step"),
        ("elm~annual-review-EHC-0007", "meeting_held"),
        ("oak~ehc-advice-request-EHC-0555-20270111", "withdraw"),
        ("elm~school-duty-SEN-INFORMATION-REPORT", "end_process"),
    ]


def test_the_school_checks_who_did_it_and_who_records_it_against_its_own_staff_and_accounts(
    seeded, trust_db, temporal
) -> None:
    # --by: elm's staff directory (oak's head is nobody at elm)
    line = one_line_naming(
        seeded("advice", "sent", "--case", "EHC-0100", "--date", "2027-03-01", "--by", "head", "--school", "elm"),
        "--by",
    )
    assert "'head'" in line
    # --as: an account of oak's does not record at elm; a trust-wide one may say who told sendclock
    with trust_db.begin() as session:
        session.add_all(
            [
                Account(
                    username="asha", password_hash="-", role="senco", school="oak", staff_id="senco", created_at=_t()
                ),
                Account(username="morgan", password_hash="-", role="trust-leadership", school=None, created_at=_t()),
            ]
        )
    args = ["advice", "sent", "--case", "EHC-0100", "--date", "2027-03-01", "--school", "elm", "--as"]
    line = one_line_naming(seeded(*args, "asha"), "--as")
    assert line == "sendclock: --as: the account 'asha' is at another school, not elm"
    assert temporal.calls == []
    temporal.answer = advice_state("EHC-0100")
    assert seeded(*args, "morgan").exit_code == 0


def _t() -> Any:
    from datetime import UTC, datetime

    return datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


# --- a start at the school named -------------------------------------------------------------------------------------


class StartingTemporal:
    """Temporal as a start reaches it (update-with-start): which workflow id and search attributes it was asked to
    start, answered with a real state model as the workflow's opening update returns it."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []

    async def execute_update_with_start_workflow(self, update: Any, *, id: str, start_workflow_operation: Any) -> Any:
        operation = start_workflow_operation
        attributes = {pair.key.name: pair.value for pair in operation._start_workflow_input.search_attributes}
        self.started.append((operation._start_workflow_input.id, attributes))
        state = advice_state("EHC-0042")
        state.workflow_id, state.start_update_id = operation._start_workflow_input.id, id
        return state


def test_a_start_runs_with_the_named_schools_staff_and_ids(seeded, monkeypatch) -> None:
    import starter.client

    fake = StartingTemporal()

    async def connect(*_: Any, **__: Any) -> StartingTemporal:
        return fake

    monkeypatch.setattr(starter.client, "connect", connect)
    start = ["advice", "start", "--case", "EHC-0042", "--la", "Kent", "--received", "2027-01-11", "--school", "elm"]
    # elm's staff directory: oak's head is no one at elm
    line = one_line_naming(seeded(*start, "--owner", "head"), "--owner")
    assert "(known: principal, senco, tutor)" in line
    assert fake.started == []

    started = seeded(*start, "--owner", "principal", "--json")
    assert started.exit_code == 0, started.stderr
    [(workflow_id, attributes)] = fake.started
    assert workflow_id == "elm~ehc-advice-request-EHC-0042-20270111"
    assert attributes.get("SendclockSchool") == "elm"
    assert json.loads(started.stdout)["workflow_id"] == workflow_id


def test_deadline_counts_with_the_named_schools_calendar(trust) -> None:
    """`deadline` starts nothing, so it never asks for --school; given one, it counts with that school's closures."""

    def target(*school: str) -> date:
        result = trust("deadline", "ehc-advice", "--from", "2027-03-01", "--json", *school)
        assert result.exit_code == 0, result.stderr
        return date.fromisoformat(json.loads(result.stdout)["target"])

    assert target("--school", "oak") == target() == date(2027, 4, 12)  # six weeks, on a school day
    assert target("--school", "elm") == date(2027, 4, 2)  # elm is closed for Easter 5-16 April
    one_line_naming(trust("deadline", "ehc-advice", "--from", "2027-03-01", "--school", "ash"), "--school")


# --- the register import ---------------------------------------------------------------------------------------------


def test_the_register_import_compares_the_file_with_the_schools_own_processes(seeded, tmp_path) -> None:
    """SUP-0001 is on SEN support at oak; elm's register says its SUP-0001 has no SEN: elm's import must not end
    oak's reviews (nor see them), oak's would."""
    file = tmp_path / "register.csv"
    file.write_text(
        "case_ref,sen_code,la,plan_date,year_group,key_worker,looked_after,initials\nSUP-0001,N,,,7,,no,\n",
        encoding="utf-8",
    )

    def actions(school: str) -> list[tuple[str, str]]:
        result = seeded("import", "register", str(file), "--dry-run", "--json", "--school", school)
        assert result.exit_code == 0, result.output
        return [(a["case"], a["do"]) for a in json.loads(result.stdout)["actions"]]

    assert ("SUP-0001", "end-support") in actions("oak")
    assert all(do != "end-support" for _, do in actions("elm"))


# --- accounts: at a school, or across the trust ----------------------------------------------------------------------


def _accounts(trust_db) -> dict[str, tuple[str, str | None, str | None]]:
    with trust_db() as session:
        return {a.username: (a.role, a.school, a.staff_id) for a in session.query(Account)}


PASSWORD = "a long enough passphrase\n"


@pytest.mark.parametrize(
    ("args", "flag", "words"),
    [
        (["ravi", "--role", "senco", "--staff", "senco"], "--school", SEVERAL.removeprefix("sendclock: --school: ")),
        (["ravi", "--role", "leadership"], "--school", "several schools (oak, elm)"),
        (["ravi", "--role", "senco", "--school", "ash", "--staff", "senco"], "--school", "no school 'ash'"),
        (
            ["morgan", "--role", "trust-leadership", "--school", "oak"],
            "--school",
            "a trust role reads every school: leave out --school",
        ),
        (["morgan", "--role", "trust-auditor", "--school", "elm"], "--school", "a trust role reads every school"),
        (
            ["tom", "--role", "senco", "--school", "elm", "--staff", "head"],
            "--staff",
            "no staff member with id 'head' at school elm (known: principal, senco, tutor)",
        ),
        (["kim", "--role", "staff", "--school", "elm"], "--staff", "a staff account needs the staff id"),
        (["morgan", "--role", "trust-leadership", "--staff", "senco"], "--staff", "in the trust's staff"),
        (["morgan", "--role", "trust-root"], "--role", "is not one of"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_user_add_refuses_each_wrong_shape_naming_the_flag(trust, trust_db, args, flag, words) -> None:
    line = one_line_naming(trust("user", "add", *args, "--password-stdin", input=PASSWORD), flag)
    assert words in line, line
    assert _accounts(trust_db) == {}


def test_user_add_makes_school_and_trust_accounts_and_user_list_says_which(trust, trust_db) -> None:
    made = trust(
        "user",
        "add",
        "ravi",
        "--role",
        "senco",
        "--school",
        "elm",
        "--staff",
        "senco",
        "--password-stdin",
        input=PASSWORD,
    )
    assert made.exit_code == 0, made.stderr
    assert made.stdout == "Account ravi (senco at school elm, staff id senco) created.\n"
    made = trust("user", "add", "asha", "--role", "leadership", "--school", "oak", "--password-stdin", input=PASSWORD)
    assert made.exit_code == 0, made.stderr
    made = trust(
        "user",
        "add",
        "morgan",
        "--role",
        "trust-leadership",
        "--staff",
        "send-lead",
        "--password-stdin",
        input=PASSWORD,
    )
    assert made.stdout == "Account morgan (trust-leadership, every school of the trust, staff id send-lead) created.\n"
    made = trust("user", "add", "audit", "--role", "trust-auditor", "--password-stdin", input=PASSWORD)
    assert made.exit_code == 0, made.stderr
    assert _accounts(trust_db) == {
        "ravi": ("senco", "elm", "senco"),
        "asha": ("leadership", "oak", None),
        "morgan": ("trust-leadership", None, "send-lead"),
        "audit": ("trust-auditor", None, None),
    }
    listed = trust("user", "list")
    assert listed.exit_code == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert lines["ravi"].split()[1:4] == ["senco", "elm", "active"]
    assert lines["ravi"].endswith("senco (Ravi Example (SENCO))")  # elm's senco, not oak's
    assert lines["asha"].split()[1:4] == ["leadership", "oak", "active"]
    assert lines["morgan"].split()[1:4] == ["trust-leadership", "trust", "active"]
    assert lines["morgan"].endswith("send-lead (Morgan Example (Trust SEND lead))")
    assert lines["audit"].split()[1:3] == ["trust-auditor", "trust"]


def test_one_school_needs_no_school_and_accepts_only_its_own(cli, db) -> None:
    """The single-school settings of the other CLI tests: accounts go to the one school ("default", as migration 0010
    gave the accounts before it), --school is optional and only that school's id is accepted."""
    made = cli("user", "add", "sam2", "--role", "senco", "--staff", "senco", "--password-stdin", input=PASSWORD)
    assert made.stdout == "Account sam2 (senco, staff id senco) created.\n"
    made = cli("user", "add", "jo2", "--role", "auditor", "--school", "default", "--password-stdin", input=PASSWORD)
    assert made.exit_code == 0, made.stderr
    with db() as session:
        schools = {a.username: a.school for a in session.query(Account)}
    assert set(schools.values()) == {"default"}  # the dashboard tests' accounts, made as before, and these two
    [line] = [line for line in cli("user", "list").stdout.splitlines() if line.startswith("sam2 ")]
    assert line.split()[1:3] == ["senco", "active"]  # no school column where there is one school
    line = one_line_naming(cli("list", "--school", "oak"), "--school")
    assert line == "sendclock: --school: no school 'oak' in the settings; its schools: default"
    assert cli("list", "--school", "default").exit_code == 0
    assert cli("list").exit_code == 0


# --- config check, and the command line as a user runs it -----------------------------------------------------------


def test_config_check_lists_the_schools(trust) -> None:
    checked = trust("config", "check")
    assert checked.exit_code == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert lines[1] == (
        "schools (2; commands that start, change or list processes take --school ID) of Example Learning Trust:"
    )
    assert lines[2] == "  oak: Oak Primary School, 2 staff members; LAs: Kent"
    assert lines[3] == "  elm: Elm Academy, 3 staff members; LAs: Surrey"
    assert "  elm: principal: outbox only" in lines
    assert "elm: school terms (SEN support and PEP reviews due by the last school day of the term):" in lines


def test_the_installed_command_refuses_without_school_and_runs_with_it(trust_env) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")} | trust_env
    refused = sendclock(env, "list")
    assert (refused.returncode, refused.stdout, refused.stderr) == (2, "", SEVERAL + "\n")
    listed = sendclock(env, "list", "--school", "elm")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "No open statutory steps.\n", "")
    listed = sendclock(env | {"SENDCLOCK_SCHOOL": "oak"}, "list")
    assert (listed.returncode, listed.stdout) == (0, "No open statutory steps.\n")


def test_the_store_puts_a_school_role_at_one_school_and_a_trust_role_at_none(trust_db) -> None:
    from store.accounts_queries import add_account

    with trust_db.begin() as session:
        add_account(session, username="a", password_hash="-", role="auditor", staff_id=None, school="elm")
        add_account(session, username="b", password_hash="-", role="trust-auditor", staff_id=None, school=None)
        add_account(session, username="c", password_hash="-", role="staff", staff_id=None)  # as before: the default
        with pytest.raises(ValueError, match="reads every school"):
            add_account(session, username="d", password_hash="-", role="trust-leadership", staff_id=None)
        with pytest.raises(ValueError, match="at one school"):
            add_account(session, username="e", password_hash="-", role="senco", staff_id=None, school=None)
    assert {name: school for name, (_, school, _) in _accounts(trust_db).items()} == {
        "a": "elm",
        "b": None,
        "c": "default",
    }


def test_a_feed_is_one_schools_named_by_school_and_checked_against_its_staff(trust, trust_db) -> None:
    """`feed new` in a trust: --school says whose steps the feed shows; --staff is checked against that school's
    staff directory; without --school it is refused naming the flag, and nothing is written."""
    from store.accounts import AccessToken

    refused = trust("feed", "new", "--staff", "senco")
    assert refused.exit_code == 2 and "--school: this deployment has several schools (oak, elm)" in refused.stderr
    refused = trust("feed", "new", "--staff", "head", "--school", "elm")
    assert refused.exit_code == 2 and "--staff: no staff member with id 'head'" in refused.stderr
    made = trust("feed", "new", "--staff", "tutor", "--school", "elm")
    assert made.exit_code == 0, made.stderr
    assert made.stdout.startswith("Feed 1 (tutor); subscribe in Outlook")
    made = trust("feed", "new", "--whole-school", "--school", "oak")
    assert made.stdout.startswith("Feed 2 (Oak Primary School); subscribe in Outlook")
    with trust_db() as session:
        tokens = session.query(AccessToken).order_by(AccessToken.id).all()
        assert [(t.kind, t.staff_id, t.school) for t in tokens] == [
            ("feed-staff", "tutor", "elm"),
            ("feed-school", None, "oak"),
        ]


def test_a_case_audit_report_reads_the_case_at_one_school(seeded, trust_db) -> None:
    """EHC-0042 is two pupils, one at each school: the audit report (and the bundle, through the same list) of the
    case at elm holds elm's process only; the whole trust's settings read every school's."""
    import config.settings
    from audit.report import workflow_ids

    settings = config.settings.get_settings()
    assert workflow_ids(settings.for_school("elm"), "EHC-0042", trust_db) == [
        "elm~ehc-advice-request-EHC-0042-20270111"
    ]
    assert workflow_ids(settings.for_school("oak"), "EHC-0042", trust_db) == [
        "oak~ehc-advice-request-EHC-0042-20270111"
    ]
    assert len(workflow_ids(settings, "EHC-0042", trust_db)) == 2
