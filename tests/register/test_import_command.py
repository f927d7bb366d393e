"""The register import as a command (commands/register.py), on a fixed clock with the starter functions stood in for
(Temporal itself: tests/devserver/test_register_import.py): what it reads and says, the defaults it starts with,
nothing started while a row has a problem (or the bad rows skipped, and listed), each action done, already there or
failed with its reason, a few pupils at a time, and the same file twice starting nothing new."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import starter.processes
from commands import Actor, Context, FixedClock, Problem, Refused
from commands import register as importing
from commands.errors import NOT_OPEN
from config.settings import Settings, StaffMember
from register import Register, RegisterRefused, RegisterRow
from starter.processes import StartedProcess
from store.db import make_engine, make_sessionmaker
from store.models import Process
from store.register_state import CaseProcesses, open_by_case
from tests.db import migrate
from tests.register.generate import fictional_register
from workflows.models import NO_LA

TODAY = date(2027, 3, 11)
SENCO = Actor("senco", "cli:os:tester")
STAFF = ("senco", "teacher")


class NotContacted:
    async def __call__(self) -> Any:
        raise AssertionError("Temporal was contacted")


class Temporal:
    """The starter functions the import calls, over a dict of workflows: who was started with what, who ended why,
    how many calls were in flight at once; `refuse` and `hang` make one case's start fail or never answer."""

    def __init__(self) -> None:
        self.started: dict[str, Any] = {}  # workflow id -> run input
        self.ended: dict[str, Any] = {}  # workflow id -> ProcessEnded
        self.in_flight = self.most = 0
        self.refuse: set[str] = set()
        self.hang: set[str] = set()

    async def _busy(self) -> None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.002)
        self.in_flight -= 1

    async def start_process(self, client, settings, run, run_input, workflow_id, kind) -> StartedProcess:
        await self._busy()
        if run_input.header.case_ref in self.hang:
            await asyncio.sleep(3600)
        if run_input.header.case_ref in self.refuse:
            raise Refused(Problem("la", "this case already has this process with another LA", "conflict"))
        created = workflow_id not in self.started
        self.started.setdefault(workflow_id, run_input)
        return StartedProcess(state=run_input, created=created)

    async def end_process(self, client, settings, workflow_id, ended) -> Any:
        await self._busy()
        if workflow_id in self.ended:
            raise Refused(Problem("workflow_id", f"{workflow_id} has already completed", NOT_OPEN))
        self.ended[workflow_id] = ended
        return ended

    def cases(self) -> dict[str, CaseProcesses]:
        """What the database would hold open now."""
        found: dict[str, dict[str, list[str]]] = {}
        for workflow_id, run_input in self.started.items():
            if workflow_id not in self.ended:
                kind = workflow_id.split(f"-{run_input.header.case_ref}")[0]  # kind-REF or kind-REF-YYYYMMDD
                found.setdefault(run_input.header.case_ref, {}).setdefault(kind, []).append(workflow_id)
        return {ref: CaseProcesses({k: tuple(v) for k, v in kinds.items()}) for ref, kinds in found.items()}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco", email="senco@example.org"),
            "teacher": StaffMember(name="Sam Example", role="staff", email="teacher@example.org"),
        },
    )


@pytest.fixture
def temporal(monkeypatch) -> Temporal:
    fake = Temporal()
    monkeypatch.setattr(starter.processes, "start_process", fake.start_process)
    monkeypatch.setattr(starter.processes, "end_process", fake.end_process)
    return fake


@pytest.fixture
def ctx(settings: Settings) -> Context:
    async def client() -> Any:
        return object()

    return Context(settings=settings, clock=FixedClock(TODAY), client=client)


def planned(ctx: Context, text: str, cases: dict[str, CaseProcesses] | None = None, **options: Any):
    return importing.plan(ctx, importing.read(ctx, text), cases or {}, SENCO, **options)


def csv(*rows: str, header: str = "case_ref,sen_code,la,plan_date,year_group,key_worker,looked_after,initials") -> str:
    return "\n".join([header, *rows]) + "\n"


# --- reading and planning ------------------------------------------------------------------------------------------


def test_the_summary_counts_the_pupils_by_code_and_says_the_defaults(ctx) -> None:
    text = fictional_register(150, today=TODAY, key_workers=STAFF)
    plan = planned(ctx, text)
    rows = plan.register.rows
    k, e, n = (sum(1 for r in rows if r.sen_code == code) for code in "KEN")
    cared = sum(1 for r in rows if r.looked_after)
    assert plan.summary()[0] == (
        f"150 pupils read: {k} on SEN support (K), {e} with an EHC plan (E), {n} with no SEN (N); {cared} looked after."
    )
    assert "A blank key worker is the SENCO (senco)." in plan.summary()
    assert "SEN support reviews start from today, Thu 11 Mar 2027: the register gives no date for them." in (
        plan.summary()
    )
    assert plan.to_start == k + e + cared and plan.would() == f"Would start {k + e + cared} processes and end nothing."
    assert not plan.blocked and not plan.problems


def test_a_file_without_a_looked_after_column_says_so(ctx) -> None:
    plan = planned(ctx, csv("SUP-1,K", header="case_ref,sen_code"))
    assert plan.summary()[0] == (
        "1 pupil read: 1 on SEN support (K), 0 with an EHC plan (E), 0 with no SEN (N); the file has no looked-after "
        "column, so no PEP reviews are started or ended."
    )


def test_a_file_too_large_or_with_a_column_of_personal_data_is_refused_whole(ctx) -> None:
    with pytest.raises(RegisterRefused, match="larger than 1 MB"):
        importing.read(ctx, b"case_ref,sen_code\n" + b"X" * importing.MAX_BYTES)
    with pytest.raises(RegisterRefused) as refused:
        importing.read(ctx, "Forename,case_ref,sen_code\nAlex,SUP-1,K\n")
    assert "remove the column 'Forename'" in refused.value.reason and "Alex" not in refused.value.reason


def test_three_bad_rows_block_the_import_and_name_their_lines(ctx) -> None:
    lines = fictional_register(10, today=TODAY, key_workers=STAFF).splitlines()
    lines[3] = "SUP-0003,S,,,7,,no,"  # a statement: before 2014
    lines[6] = "SUP-0006,E,,,7,,no,"  # an EHC plan with no LA and no date
    lines[9] = "SUP-0009,K,,,7,nobody,maybe,"  # a key worker not on the staff; looked after?
    plan = planned(ctx, "\n".join(lines) + "\n")
    assert plan.blocked and plan.steps == () and plan.bad_lines == (4, 7, 10)
    assert {str(p).split(":")[0] for p in plan.problems} == {
        "Line 4, sen_code",
        "Line 7, la",
        "Line 7, plan_date",
        "Line 10, key_worker",
        "Line 10, looked_after",
    }
    assert "3 rows have problems (lines 4, 7 and 10): nothing is imported." in plan.summary()
    assert not any("nobody" in str(p) or "maybe" in str(p) for p in plan.problems)  # no cell quoted
    with pytest.raises(ValueError, match="nothing may be imported"):
        asyncio.run(importing.apply(ctx, plan))

    skipping = planned(ctx, "\n".join(lines) + "\n", skip_bad=True)
    assert not skipping.blocked and skipping.bad_lines == (4, 7, 10)
    assert {a.line for a in skipping.actions}.isdisjoint({4, 7, 10}) and skipping.actions
    assert "3 rows have problems (lines 4, 7 and 10): skipped, and the other rows imported." in skipping.summary()


def test_an_action_its_start_command_refuses_is_a_problem_on_the_row(ctx) -> None:
    """A key worker the file reader was not asked to check (read without the staff directory) is refused by the
    start command's own check, on the row's line and field, before anything starts."""
    rows = (
        RegisterRow(line=2, case_ref="SUP-1", sen_code="K", key_worker="senco", looked_after=False),
        RegisterRow(line=3, case_ref="SUP-2", sen_code="K", key_worker="nobody", looked_after=False),
    )
    register = Register(rows, (), (), {"case_ref": "case_ref", "sen_code": "sen_code"})
    plan = importing.plan(ctx, register, {}, SENCO)
    assert plan.blocked and [(p.line, p.field) for p in plan.problems] == [(3, "key_worker")]
    assert plan.problems[0].reason.startswith("No staff member with id")
    skipped = importing.plan(ctx, register, {}, SENCO, skip_bad=True)
    assert [a.case_ref for a in skipped.actions] == ["SUP-1"]


def test_who_ends_a_process_must_be_on_the_staff(ctx) -> None:
    with pytest.raises(Refused) as refused:
        importing.plan(ctx, importing.read(ctx, csv("SUP-1,K,,,,,no,")), {}, Actor("nobody"))
    assert refused.value.first.field == "by"


# --- applying ------------------------------------------------------------------------------------------------------


async def test_a_register_starts_each_pupils_processes_with_the_defaults_and_again_starts_nothing(
    ctx, temporal
) -> None:
    text = csv(
        "SUP-1,K,,,7,,no,AB",  # key worker blank: the SENCO; no LA: "none"
        "SUP-2,K,Kent,,8,teacher,yes,",  # looked after: PEP reviews too, owned by the SENCO
        "SUP-3,E,Surrey,2026-09-01,R,teacher,no,CD",
        "SUP-4,N,,,9,,no,",
    )
    plan = planned(ctx, text)
    assert [(a.case_ref, a.do) for a in plan.actions] == [
        ("SUP-1", "start-support"),
        ("SUP-2", "start-support"),
        ("SUP-2", "start-pep"),
        ("SUP-3", "start-review"),
    ]
    assert [s.sentence for s in plan.steps] == [
        "SUP-1: start the SEN support reviews (key worker: senco).",
        "SUP-2: start the SEN support reviews (key worker: teacher).",
        "SUP-2: start the PEP reviews (looked after; owner: senco, the designated teacher).",
        "SUP-3: start the EHC plan's annual review (LA: Surrey; plan or last annual review Tue 1 Sep 2026; key "
        "worker: teacher).",
    ]
    result = await importing.apply(ctx, plan)
    assert result.summary() == "Started 4 processes; 0 already running; nothing ended."
    assert [o.sentence() for o in result.outcomes][
        0
    ] == "SUP-1: start the SEN support reviews (key worker: senco). Started."
    headers = {wid: run_input.header for wid, run_input in temporal.started.items()}
    support = headers["sen-support-SUP-1-20270311"]
    assert (support.owner, support.la, support.received_on, support.initials) == ("senco", NO_LA, TODAY, "AB")
    assert headers["sen-support-SUP-2-20270311"].la == "Kent"
    pep = headers["pep-review-SUP-2-20270311"]
    assert (pep.owner, pep.received_on, pep.initials) == ("senco", TODAY, None)
    review = temporal.started["annual-review-SUP-3"]
    assert (review.header.la, review.header.received_on, review.header.owner, review.year_group) == (
        "Surrey",
        date(2026, 9, 1),
        "teacher",
        0,
    )
    assert review.header.initials == "CD"

    # The database has caught up: the same file plans nothing. Before it has, the starts find the same workflows.
    assert planned(ctx, text, temporal.cases()).steps == ()
    again = await importing.apply(ctx, planned(ctx, text))
    assert again.summary() == "Started 0 processes; 4 already running; nothing ended."
    assert {o.result for o in again.outcomes} == {"already"}


async def test_a_pupil_whose_code_changed_is_moved_on_ends_first(ctx, temporal) -> None:
    running = {
        "SUP-1": CaseProcesses({"sen-support": ("sen-support-SUP-1-20260901",)}),  # K to E
        "SUP-2": CaseProcesses({"sen-support": ("sen-support-SUP-2-20260901",)}),  # K to N
        "SUP-3": CaseProcesses({"pep-review": ("pep-review-SUP-3-20260901",), "sen-support": ("s",)}),  # no longer
    }
    text = csv("SUP-1,E,Kent,2027-03-01,7,,no,", "SUP-2,N,,,7,,no,", "SUP-3,K,,,7,,no,")
    plan = planned(ctx, text, running)
    assert [(a.case_ref, a.do, a.reason) for a in plan.actions] == [
        ("SUP-1", "end-support", "ehc-plan"),
        ("SUP-1", "start-review", None),
        ("SUP-2", "end-support", "needs-met"),
        ("SUP-3", "end-pep", "no-longer-looked-after"),
    ]
    assert plan.would() == "Would start 1 process and end 3 processes."
    result = await importing.apply(ctx, plan)
    assert result.summary() == "Started 1 process; 0 already running; ended 3 processes."
    ended = temporal.ended["sen-support-SUP-1-20260901"]
    assert (ended.reason, ended.by, ended.recorded_by, ended.ended_on) == ("ehc-plan", "senco", "cli:os:tester", TODAY)
    assert temporal.ended["pep-review-SUP-3-20260901"].reason == "no-longer-looked-after"
    assert "annual-review-SUP-1" in temporal.started

    # Ended already (the database had not heard yet): said so, not failed.
    again = await importing.apply(ctx, planned(ctx, text, running))
    assert [o.result for o in again.outcomes] == ["already"] * 4
    assert again.summary() == "Started 0 processes; 1 already running; nothing ended (3 already ended)."


async def test_a_note_for_an_open_annual_review_needs_no_server(settings) -> None:
    ctx = Context(settings=settings, clock=FixedClock(TODAY), client=NotContacted())
    plan = planned(ctx, csv("SUP-1,K,,,7,,no,"), {"SUP-1": CaseProcesses({"annual-review": ("annual-review-SUP-1",)})})
    [outcome] = (await importing.apply(ctx, plan)).outcomes
    assert outcome.result == "noted" and "only the LA can cease a plan" in outcome.sentence()


async def test_a_failed_or_silent_start_is_reported_and_the_others_go_on_a_few_at_a_time(ctx, temporal) -> None:
    rows = [f"SUP-{n:03d},K,,,7,,no," for n in range(1, 41)]
    temporal.refuse, temporal.hang = {"SUP-002"}, {"SUP-003"}
    result = await importing.apply(ctx, planned(ctx, csv(*rows)), timeout=0.5)
    by_case = {o.action.case_ref: o for o in result.outcomes}
    assert by_case["SUP-002"].result == "failed"
    assert by_case["SUP-002"].sentence().endswith("Not done: this case already has this process with another LA.")
    assert by_case["SUP-003"].result == "failed" and "no answer within 0.5 seconds" in by_case["SUP-003"].reason
    assert sum(1 for o in result.outcomes if o.result == "done") == 38
    assert result.summary() == (
        "Started 38 processes; 0 already running; nothing ended. 2 actions failed: see above; correct the cause and "
        "import the file again."
    )
    assert 1 < temporal.most <= importing.CONCURRENCY


async def test_an_unreachable_temporal_is_said_before_anything_starts(settings) -> None:
    from commands import Unavailable

    async def unreachable() -> Any:
        raise RuntimeError("Failed client connect: transport error")

    ctx = Context(settings=settings, clock=FixedClock(TODAY), client=unreachable)
    with pytest.raises(Unavailable):
        await importing.apply(ctx, planned(ctx, csv("SUP-1,K,,,7,,no,")))


# --- what is running -----------------------------------------------------------------------------------------------


def test_what_is_running_is_each_cases_open_and_stopped_processes_of_the_kinds_asked(settings) -> None:
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    opened = datetime(2027, 1, 4, 9, tzinfo=UTC)

    def process(workflow_id: str, kind: str, case_ref: str, status: str = "open") -> Process:
        return Process(
            workflow_id=workflow_id,
            kind=kind,
            case_ref=case_ref,
            la="none",
            owner="senco",
            status=status,
            received_on=date(2027, 1, 4),
            channel="email",
            opened_at=opened,
        )

    with sessions.begin() as session:
        session.add_all(
            [
                process("sen-support-SUP-1-20270104", "sen-support", "SUP-1"),
                process("pep-review-SUP-1-20270104", "pep-review", "SUP-1", "stopped"),
                process("sen-support-SUP-2-20260901", "sen-support", "SUP-2", "completed"),
                process("annual-review-SUP-3", "annual-review", "SUP-3"),
                process("ehc-advice-request-SUP-4-20270104", "ehc-advice-request", "SUP-4"),
            ]
        )
    with sessions() as session:
        found = importing.open_cases(session)
        assert open_by_case(session, ["annual-review"]) == {
            "SUP-3": CaseProcesses({"annual-review": ("annual-review-SUP-3",)})
        }
    engine.dispose()
    assert {ref: found[ref].kinds for ref in found} == {
        "SUP-1": frozenset({"sen-support", "pep-review"}),
        "SUP-3": frozenset({"annual-review"}),
    }
    assert found["SUP-1"].by_kind["sen-support"] == ("sen-support-SUP-1-20270104",)


# --- the command line ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli(settings: Settings, temporal: Temporal, monkeypatch) -> Iterator[Callable[..., Result]]:
    """`cli(*args)`: `sendclock ARGS` in-process on the settings and a migrated database, today TODAY, Temporal the
    stand-in above."""
    import config.settings
    import starter.client
    from starter.cli import app
    from starter.cli.common import set_clock

    async def connect(*_: Any, **__: Any) -> object:
        return object()

    migrate(settings.resolved_database_url)
    monkeypatch.setattr(config.settings, "get_settings", lambda: settings)
    monkeypatch.setattr(starter.client, "connect", connect)
    set_clock(FixedClock(TODAY))
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    set_clock(None)


def test_the_command_line_says_what_it_would_do_then_does_it(cli, temporal, tmp_path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(csv("SUP-1,K,,,7,,no,", "SUP-2,E,Kent,2026-09-01,9,teacher,yes,"))
    dry = cli("import", "register", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        "2 pupils read: 1 on SEN support (K), 1 with an EHC plan (E), 0 with no SEN (N); 1 looked after.",
        "A blank key worker is the SENCO (senco).",
        "SEN support reviews start from today, Thu 11 Mar 2027: the register gives no date for them.",
        "PEP reviews start from today, Thu 11 Mar 2027, and are owned by the designated teacher (senco): none is set "
        "(sen_register.designated_teacher), so the SENCO.",
        "What the import would do:",
        "  SUP-1: start the SEN support reviews (key worker: senco).",
        "  SUP-2: start the EHC plan's annual review (LA: Kent; plan or last annual review Tue 1 Sep 2026; key worker: "
        "teacher).",
        "  SUP-2: start the PEP reviews (looked after; owner: senco, the designated teacher).",
        "Would start 3 processes and end nothing. Nothing has been started or ended (a dry run).",
    ]
    assert temporal.started == {}

    done = cli("import", "register", str(path))
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-4:] == [
        "  SUP-1: start the SEN support reviews (key worker: senco). Started.",
        "  SUP-2: start the EHC plan's annual review (LA: Kent; plan or last annual review Tue 1 Sep 2026; key worker: "
        "teacher). Started.",
        "  SUP-2: start the PEP reviews (looked after; owner: senco, the designated teacher). Started.",
        "Started 3 processes; 0 already running; nothing ended.",
    ]
    assert len(temporal.started) == 3
    again = cli("import", "register", str(path), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["done"] == (
        "Started 0 processes; 3 already running; nothing ended."  # the database has not heard: the starts say so
    )


def test_the_command_line_exits_1_on_bad_rows_and_2_on_a_refused_file(cli, temporal, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(csv("SUP-1,K,,,7,,no,", "SUP-2,S,,,7,,no,", "SUP-3,E,,,7,,no,", "SUP-4,K,,,7,,maybe,"))
    result = cli("import", "register", str(bad))
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.stderr.splitlines()[:-1]] == [
        "Line 3, sen_code",
        "Line 4, la",
        "Line 4, plan_date",
        "Line 5, looked_after",
    ]
    assert result.stderr.splitlines()[-1].startswith("Nothing was imported: correct the rows above")
    assert "maybe" not in result.output and temporal.started == {}
    skipped = cli("import", "register", str(bad), "--skip-bad", "--dry-run")
    assert skipped.exit_code == 0 and "Skipped:" in skipped.stdout and "  SUP-1: start" in skipped.stdout

    names = tmp_path / "names.csv"
    names.write_text("case_ref,sen_code,Surname\nSUP-1,K,Example\n")
    refused = cli("import", "register", str(names))
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.strip() == (
        "sendclock: FILE: sendclock does not read or store pupils' names: remove the column 'Surname' and import again."
    )
    missing = cli("import", "register", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2 and missing.stderr.startswith("sendclock: FILE: no such file")


def test_pep_reviews_go_to_the_designated_teacher_when_the_settings_name_one(settings: Settings) -> None:
    from config.settings import SenRegisterSettings

    named = settings.model_copy(update={"sen_register": SenRegisterSettings(designated_teacher="teacher")})
    defaults = importing.Defaults.of(Context(settings=named, clock=FixedClock(TODAY), client=NotContacted()))
    assert (defaults.pep_owner, defaults.designated_teacher_set, defaults.key_worker) == ("teacher", True, "senco")
    unset = importing.Defaults.of(Context(settings=settings, clock=FixedClock(TODAY), client=NotContacted()))
    assert (unset.pep_owner, unset.designated_teacher_set) == ("senco", False)


def test_a_designated_teacher_not_in_the_staff_directory_is_refused_naming_the_setting(settings: Settings) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"sen_register\.designated_teacher: no staff member with id 'nobody'"):
        Settings(**{**settings.model_dump(), "sen_register": {"designated_teacher": "nobody"}})
