"""Importing the SEN register (docs/register.md): read and check the file, find what is running, plan, and apply the
plan through the command layer, for the command line (`sendclock import register`) and the dashboard's upload page.

    read (register.read_register: every bad row, or the whole file refused)
      -> what is running (store/register_state.py: the open processes of the kinds the import touches)
      -> plan (register.plan_import), each action checked as its command would check it (commands/start.py prepare,
         the end of a termly process), before anything is started: a row whose action is refused is a problem too
      -> apply: each pupil's actions in order (ends before starts), pupils side by side (a few at a time), each action
         done, already there, or failed with its reason

Nothing is started or ended while the file has a problem, unless the caller says to skip the bad rows (then they are
listed). Starting is idempotent (the same case and date give the same workflow), and the plan starts only what is not
running, so importing the same file again starts nothing. The register gives no date for SEN support or a PEP: both
start from today. A blank key worker is the SENCO (settings.reminders.escalate_to), who also owns the PEP reviews
(the settings have no designated teacher). No cell's value reaches a message beyond the case reference and what the
plan's own sentences say (an E row's LA and plan date).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from commands import checks
from commands import start as starting
from commands.base import Actor, Change, Context, call
from commands.errors import NOT_OPEN, Refused, Unavailable
from register import (
    ANNUAL_REVIEW,
    PEP_REVIEW,
    SEN_SUPPORT,
    Action,
    Register,
    RegisterRefused,
    RegisterRow,
    RowProblem,
    Running,
    absent,
    plan_import,
    read_register,
)
from statutory.clock import fmt
from workflows.models import NO_LA

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from store.register_state import CaseProcesses

__all__ = [
    "ACTION_SECONDS",
    "CONCURRENCY",
    "KINDS",
    "MAX_BYTES",
    "MAX_SIZE",
    "Defaults",
    "ImportPlan",
    "ImportResult",
    "Outcome",
    "Prepared",
    "apply",
    "of_school",
    "open_cases",
    "plan",
    "read",
]

log = logging.getLogger(__name__)

KINDS = (SEN_SUPPORT, PEP_REVIEW, ANNUAL_REVIEW)  # the process kinds the import starts and ends
MAX_BYTES = 1024 * 1024  # a school's SEN register is a few kilobytes; 1 MB holds 10,000 rows of the template
MAX_SIZE = "1 MB"  # MAX_BYTES in words
CONCURRENCY = 8  # pupils whose actions run at once (each start waits until its first steps are planned)
ACTION_SECONDS = 30.0  # an action with no answer by then is reported failed: one stuck process never holds the rest
NOTE = "ended by the SEN register import"

_STARTS: Mapping[str, str] = {"start-support": SEN_SUPPORT, "start-review": ANNUAL_REVIEW, "start-pep": PEP_REVIEW}
_ENDS: Mapping[str, str] = {"end-support": SEN_SUPPORT, "end-pep": PEP_REVIEW}
# A start command's fields as the register's (a problem is said on the row's field).
_ROW_FIELDS: Mapping[str, str] = {
    "case_ref": "case_ref",
    "la": "la",
    "plan_date": "plan_date",
    "year_group": "year_group",
    "owner": "key_worker",
    "initials": "initials",
}


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _and(items: Sequence[str]) -> str:
    """'4', '4 and 9', '4, 9 and 12'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# --- read -----------------------------------------------------------------------------------------------------------


def read(ctx: Context, data: bytes | str) -> Register:
    """The file checked against today and the staff directory; RegisterRefused for a file that cannot be imported as
    a whole (too large, its header, not CSV text)."""
    size = len(data.encode() if isinstance(data, str) else data)
    if size > MAX_BYTES:
        raise RegisterRefused(
            f"The file is larger than {MAX_SIZE}: export the SEN register only (a row for each pupil on "
            "SEN support, with an EHC plan or looked after, and the columns of docs/register.md)."
        )
    return read_register(data, today=ctx.today(), staff_ids=ctx.settings.staff)


def open_cases(session: Session, school: str | None = None) -> dict[str, CaseProcesses]:
    """The open processes of the kinds the import touches, by case (store/register_state.py); with `school`, that
    school's only (`plan` keeps the school's of its settings in any case)."""
    from store.register_state import open_by_case

    found = open_by_case(session, KINDS)
    return found if school is None else of_school(found, school)


def of_school(cases: Mapping[str, CaseProcesses], school: str) -> dict[str, CaseProcesses]:
    """The cases' open processes at `school` (by their workflow ids: workflows/registry.py school_of). Two schools of
    a trust may use the same case reference: a file imported at one school neither sees nor ends the other's."""
    from store.register_state import CaseProcesses
    from workflows.registry import school_of

    kept: dict[str, CaseProcesses] = {}
    for case_ref, found in cases.items():
        by_kind = {
            kind: ours
            for kind, ids in found.by_kind.items()
            if (ours := tuple(wid for wid in ids if school_of(wid) == school))
        }
        if by_kind:
            kept[case_ref] = CaseProcesses(by_kind)
    return kept


# --- plan -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Defaults:
    """What the register does not say: who owns a pupil's reviews when the key worker is blank, who owns PEP reviews,
    and the date SEN support and PEP reviews start from."""

    key_worker: str
    pep_owner: str
    began_on: date
    designated_teacher_set: bool = False  # sen_register.designated_teacher is set (else the SENCO owns PEP reviews)

    @classmethod
    def of(cls, ctx: Context) -> Defaults:
        senco = str(ctx.settings.reminders.escalate_to)
        teacher = ctx.settings.sen_register.designated_teacher
        return cls(
            key_worker=senco,
            pep_owner=str(teacher or senco),
            began_on=ctx.today(),
            designated_teacher_set=teacher is not None,
        )


@dataclass(frozen=True)
class Prepared:
    """One action of the plan, checked and ready: a start (`launch`), an end (`change`, to each of `ends`), or a note
    (neither)."""

    action: Action
    sentence: str  # the action in plain English, with the defaults it uses
    launch: starting.Launch | None = None
    change: Change | None = None
    ends: tuple[str, ...] = ()  # the workflow ids an end is sent to (a case's open processes of that kind)

    @property
    def starts(self) -> bool:
        return self.launch is not None

    @property
    def workflow_ids(self) -> tuple[str, ...]:
        return (self.launch.workflow_id,) if self.launch is not None else self.ends


@dataclass(frozen=True)
class ImportPlan:
    """What the import would do: the file read, its problems (and those of the actions' checks), the actions checked
    and ready, the cases with open processes the file does not mention."""

    register: Register
    problems: tuple[RowProblem, ...]
    steps: tuple[Prepared, ...]
    absent: tuple[str, ...]
    skip_bad: bool
    defaults: Defaults

    @property
    def blocked(self) -> bool:
        """Nothing may be imported: there are problems and the bad rows are not to be skipped."""
        return bool(self.problems) and not self.skip_bad

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(step.action for step in self.steps)

    @property
    def bad_lines(self) -> tuple[int, ...]:
        """The lines of the rows with a problem (skipped, with skip_bad), in order."""
        return tuple(sorted({p.line for p in self.problems}))

    @property
    def rows(self) -> tuple[RegisterRow, ...]:
        """The rows imported: the good ones, less those whose actions were refused."""
        bad = set(self.bad_lines)
        return tuple(row for row in self.register.rows if row.line not in bad)

    @property
    def to_start(self) -> int:
        return sum(1 for step in self.steps if step.starts)

    @property
    def to_end(self) -> int:
        return sum(len(step.ends) for step in self.steps if step.change is not None)

    @property
    def digest(self) -> str:
        """A fingerprint of the plan (its actions and problems): the dashboard checks that what is imported is what
        the SENCO saw."""
        text = "\n".join(
            [f"{a.line}|{a.case_ref}|{a.do}|{a.reason}" for a in self.actions]
            + [f"{s.action.line}|{','.join(s.workflow_ids)}" for s in self.steps]
            + [str(p) for p in self.problems]
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> list[str]:
        """What was read, in sentences: the pupils by SEN code and looked after, the rows with problems, the columns
        not read, the cases the file leaves alone, and the defaults the actions use."""
        rows = self.register.rows
        codes = {code: sum(1 for r in rows if r.sen_code == code) for code in ("K", "E", "N")}
        looked_after = sum(1 for r in rows if r.looked_after is True)
        has_column = "looked_after" in self.register.columns
        first = (
            f"{_plural(len(rows), 'pupil')} read: {codes['K']} on SEN support (K), {codes['E']} with an EHC plan (E), "
            f"{codes['N']} with no SEN (N)"
        )
        first += (
            f"; {looked_after} looked after."
            if has_column
            else "; the file has no looked-after column, so no PEP reviews are started or ended."
        )
        lines = [first]
        if self.problems:
            bad = [str(n) for n in self.bad_lines]
            lines.append(
                f"{_plural(len(bad), 'row has', 'rows have')} problems ({'line' if len(bad) == 1 else 'lines'} "
                f"{_and(bad)})"
                + (": skipped, and the other rows imported." if self.skip_bad else ": nothing is imported.")
            )
        if self.register.ignored_columns:
            lines.append(f"Columns not read: {', '.join(self.register.ignored_columns)}.")
        if self.absent:
            lines.append(
                f"{_plural(len(self.absent), 'case with open processes is', 'cases with open processes are')} not in "
                "the file: nothing is changed for them."
            )
        if self.blocked:
            return lines
        defaults = self.defaults
        blank = any(r.key_worker is None and r.sen_code in ("K", "E") for r in self.rows)
        if blank:
            lines.append(f"A blank key worker is the SENCO ({defaults.key_worker}).")
        if any(s.action.do == "start-support" for s in self.steps):
            lines.append(
                f"SEN support reviews start from today, {fmt(defaults.began_on)}: the register gives no date for them."
            )
        if any(s.action.do == "start-pep" for s in self.steps):
            lines.append(
                f"PEP reviews start from today, {fmt(defaults.began_on)}, and are owned by the designated teacher "
                f"({defaults.pep_owner})"
                + (
                    "."
                    if defaults.designated_teacher_set
                    else ": none is set (sen_register.designated_teacher), so the SENCO."
                )
            )
        return lines

    def would(self) -> str:
        """The dry run's last sentence."""
        if not self.steps or (self.to_start == 0 and self.to_end == 0):
            return "Nothing to start or end: every pupil in the file has the processes the register says."
        ends = "nothing" if self.to_end == 0 else _plural(self.to_end, "process", "processes")
        return f"Would start {_plural(self.to_start, 'process', 'processes')} and end {ends}."


def _start_values(action: Action, defaults: Defaults) -> tuple[str, dict[str, Any]]:
    """The start command's kind and fields for a start action."""
    row = action.row
    kind = _STARTS[action.do]
    owner = row.key_worker or defaults.key_worker
    values: dict[str, Any] = {"case_ref": row.case_ref}
    if kind == SEN_SUPPORT:
        values |= {"placed_on": defaults.began_on, "owner": owner, "la": row.la or NO_LA}
    elif kind == PEP_REVIEW:
        values |= {"began_on": defaults.began_on, "owner": defaults.pep_owner, "la": row.la or NO_LA}
    else:
        values |= {"la": row.la, "plan_date": row.plan_date, "owner": owner, "year_group": row.year_group}
    return kind, values


def said(action: Action, defaults: Defaults) -> str:
    """The action's sentence (register/plan.py) with who owns what it starts: a blank key worker said as the
    default's staff id, and a PEP's owner as the designated teacher."""
    if action.do == "start-pep":
        owner = f"owner: {defaults.pep_owner}, the designated teacher"
        return f"{action.case_ref}: start the PEP reviews (looked after; {owner})."
    if action.do in _STARTS and action.row.key_worker is None:
        row = action.row.model_copy(update={"key_worker": defaults.key_worker})
        return replace(action, row=row).sentence()
    return action.sentence()


def _prepare(
    ctx: Context, action: Action, defaults: Defaults, cases: Mapping[str, CaseProcesses], actor: Actor
) -> Prepared:
    """The action checked as its command checks it (Refused otherwise)."""
    sentence = said(action, defaults)
    if action.do in _STARTS:
        kind, values = _start_values(action, defaults)
        cmd = starting.parse(kind, values)
        launch = starting.prepare(ctx, kind, cmd, initials=action.row.initials)
        return Prepared(action, sentence, launch=launch)
    if action.do in _ENDS:
        import starter.processes
        from workflows.models import ProcessEnded

        found = cases.get(action.case_ref)
        ends = found.by_kind.get(_ENDS[action.do], ()) if found is not None else ()
        ended = checks.build(
            ProcessEnded,
            None,
            ended_on=ctx.today(),
            reason=action.reason,
            by=actor.by,
            note=NOTE,
            recorded_by=actor.recorded_by,
        )
        return Prepared(action, sentence, change=Change(ended, starter.processes.end_process), ends=ends)
    return Prepared(action, sentence)


def _row_problems(err: Refused, action: Action, columns: Mapping[str, str]) -> list[RowProblem]:
    """A start command's refusal as the row's problems, on the row's fields (and their columns, as the file heads
    them)."""
    found = []
    for problem in err.problems:
        field = _ROW_FIELDS.get(problem.field, "row")
        reason = problem.reason[:1].upper() + problem.reason[1:].rstrip(".") + "."
        found.append(RowProblem(action.line, field, reason, columns.get(field)))
    return found


def plan(
    ctx: Context,
    register: Register,
    cases: Mapping[str, CaseProcesses],
    actor: Actor,
    *,
    skip_bad: bool = False,
) -> ImportPlan:
    """What importing `register` would do, given the open processes by case (`open_cases`), each action checked as
    its command checks it. The import is the school's whose settings `ctx` has (Settings.for_school): only its open
    processes count, and what it starts is its. Refused (on `by`) if `actor` is not in the staff directory; every
    other problem is a row's. Blocked while there are problems, unless `skip_bad` (then the rows with problems are
    left out)."""
    from starter.requests import start_school

    cases = of_school(cases, start_school(ctx.settings))
    checks.staff(ctx.settings, by=actor.by)
    defaults = Defaults.of(ctx)
    running = {ref: Running(found.kinds) for ref, found in cases.items()}
    rows = register.rows
    problems = list(register.problems)
    steps: list[Prepared] = []
    refused_lines: set[int] = set()
    for action in plan_import(rows, running):
        try:
            steps.append(_prepare(ctx, action, defaults, cases, actor))
        except Refused as err:
            problems.extend(_row_problems(err, action, register.columns))
            refused_lines.add(action.line)
    problems.sort(key=lambda p: p.line)
    if problems and not skip_bad:
        steps = []
    elif refused_lines:
        steps = [step for step in steps if step.action.line not in refused_lines]
    return ImportPlan(
        register=register,
        problems=tuple(problems),
        steps=tuple(steps),
        absent=tuple(absent(rows, running)),
        skip_bad=skip_bad,
        defaults=defaults,
    )


# --- apply ----------------------------------------------------------------------------------------------------------

Result = Literal["done", "already", "failed", "noted"]


@dataclass(frozen=True)
class Outcome:
    """What became of one action: done, already there (started before, or ended before), failed with the reason, or
    a note (nothing to do)."""

    action: Action
    said: str  # the action's sentence (Prepared.sentence)
    result: Result
    reason: str = ""  # failed: why, in words
    workflow_ids: tuple[str, ...] = ()

    @property
    def starts(self) -> bool:
        return self.action.do in _STARTS

    def sentence(self) -> str:
        """The action's sentence and what became of it."""
        match self.result:
            case "done":
                what = "Started." if self.starts else "Ended."
            case "already":
                what = "Already running: nothing new started." if self.starts else "Already ended."
            case "failed":
                what = f"Not done: {self.reason}"
            case _:
                what = ""
        return f"{self.said} {what}".rstrip()


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    outcomes: tuple[Outcome, ...]

    def count(self, result: Result, *, starts: bool) -> int:
        return sum(1 for o in self.outcomes if o.result == result and o.starts == starts and o.action.do != "note")

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "failed")

    def summary(self) -> str:
        """'Started 142 processes; 0 already running; nothing ended.' (and what failed)."""
        started, running = self.count("done", starts=True), self.count("already", starts=True)
        ended = sum(len(o.workflow_ids) for o in self.outcomes if o.result == "done" and not o.starts)
        already_ended = self.count("already", starts=False)
        ends = "nothing ended" if ended == 0 else f"ended {_plural(ended, 'process', 'processes')}"
        if already_ended:
            ends += f" ({already_ended} already ended)"
        text = f"Started {_plural(started, 'process', 'processes')}; {running} already running; {ends}."
        if self.failed:
            text += f" {_plural(self.failed, 'action')} failed: see above; correct the cause and import the file again."
        return text


def _reason(err: Refused) -> str:
    return "; ".join(p.reason for p in err.problems).rstrip(".") + "."


async def _end(ctx: Context, step: Prepared) -> Outcome:
    change = step.change
    assert change is not None
    if not step.ends:
        return Outcome(step.action, step.sentence, "already")
    already = 0
    for workflow_id in step.ends:

        async def send(client: Any, workflow_id: str = workflow_id) -> Any:
            return await change.send(client, ctx.settings, workflow_id, change.request)

        try:
            await call(ctx, send, change.names)
        except Refused as err:
            # Ended already (by an earlier import, or on its page since the database last heard): nothing to do.
            if all(p.code == NOT_OPEN and "already" in p.reason for p in err.problems):
                already += 1
                continue
            raise
    return Outcome(step.action, step.sentence, "already" if already == len(step.ends) else "done", "", step.ends)


async def _run(ctx: Context, step: Prepared) -> Outcome:
    if step.launch is not None:
        started = await starting.launch(ctx, step.launch)
        result: Result = "done" if started.created else "already"
        return Outcome(step.action, step.sentence, result, "", step.workflow_ids)
    if step.change is not None:
        return await _end(ctx, step)
    return Outcome(step.action, step.sentence, "noted")


async def _do(ctx: Context, step: Prepared, timeout: float) -> Outcome:
    """One action, its failure caught: one pupil's problem never stops the others."""
    try:
        return await asyncio.wait_for(_run(ctx, step), timeout)
    except TimeoutError:
        why = (
            f"no answer within {timeout:g} seconds (is the worker running?); import the file again to see where it "
            "stands."
        )
        return Outcome(step.action, step.sentence, "failed", why, step.workflow_ids)
    except Refused as err:
        return Outcome(step.action, step.sentence, "failed", _reason(err), step.workflow_ids)
    except Unavailable:
        return Outcome(step.action, step.sentence, "failed", "Temporal could not be reached.", step.workflow_ids)
    except Exception:  # noqa: BLE001 - reported, logged, and the other pupils' actions go on
        log.exception("register import: %s on %s failed", step.action.do, ",".join(step.workflow_ids))
        return Outcome(step.action, step.sentence, "failed", "an unexpected error (see the log).", step.workflow_ids)


def _by_pupil(steps: Iterable[Prepared]) -> list[list[Prepared]]:
    pupils: dict[str, list[Prepared]] = {}
    for step in steps:
        pupils.setdefault(step.action.case_ref, []).append(step)
    return list(pupils.values())


async def apply(
    ctx: Context, planned: ImportPlan, *, concurrency: int = CONCURRENCY, timeout: float = ACTION_SECONDS
) -> ImportResult:
    """Do what the plan says: each pupil's actions in their order, `concurrency` pupils at a time, over one
    connection, each action given `timeout` seconds. Unavailable (nothing done) if Temporal cannot be reached at the
    start; the plan must not be blocked."""
    if planned.blocked:
        raise ValueError("the plan has problems: nothing may be imported")
    if any(step.workflow_ids for step in planned.steps):  # a plan of notes only needs no server
        try:
            client = await ctx.client()
        except RuntimeError as err:
            raise Unavailable(str(err)) from err

        async def connected() -> Any:
            return client

        ctx = replace(ctx, client=connected)
    gate = asyncio.Semaphore(concurrency)
    outcomes: dict[int, Outcome] = {}
    order = {id(step): n for n, step in enumerate(planned.steps)}

    async def pupil(steps: list[Prepared]) -> None:
        async with gate:
            for step in steps:
                outcomes[order[id(step)]] = await _do(ctx, step, timeout)

    await asyncio.gather(*(pupil(steps) for steps in _by_pupil(planned.steps)))
    return ImportResult(planned, tuple(outcomes[n] for n in range(len(planned.steps))))
