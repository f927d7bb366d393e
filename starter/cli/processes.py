"""`sendclock draft|reassessment|step|process`: start the statutory processes, and change any step of any process.

The conventions of starter/cli/__init__.py, with the helpers of starter/cli/common.py: bad input prints one line
naming the flag and exits 2 before Temporal is contacted; an unreachable Temporal or database exits 1. A step is
found through the database (the case's open processes with an open step of that rule); several: the user says which
with --process.
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Annotated

import typer

import starter.cli.format as out
from commands.base import Actor
from starter.cli.common import (
    AsOption,
    ByOption,
    CaseOption,
    SchoolOption,
    build,
    checked,
    context,
    db_session,
    fail,
    load_school_settings,
    parse_date,
    recorded_change,
    recording_account,
    run_async,
    send,
)
from statutory.clock import fmt

draft_app = typer.Typer(
    help="Draft plan consultations: the school's views (15 days) beside the parent's 15 days.", no_args_is_help=True
)
reassessment_app = typer.Typer(
    help="Re-assessment (SEND Regulations 2014 regs 24-27): the earliest request date, "
    "the LA's decision (15 days), the final plan (14 weeks).",
    no_args_is_help=True,
)
step_app = typer.Typer(
    help="Change one step of any process: done, exemption, reassignment, cancellation.", no_args_is_help=True
)
process_app = typer.Typer(help="The statutory processes of a case.", no_args_is_help=True)

LaOption = Annotated[str, typer.Option("--la", help="The local authority.")]
OwnerOption = Annotated[str, typer.Option("--owner", help="Staff id who owns the process's steps (see config).")]
ChannelOption = Annotated[str, typer.Option("--channel", help="How it arrived: email, post, hand, portal.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DateOption = Annotated[str, typer.Option("--date", help="The date, YYYY-MM-DD.")]
RuleOption = Annotated[str, typer.Option("--rule", help="The step's rule id (see `sendclock rules`).")]
ProcessOption = Annotated[
    str | None,
    typer.Option(
        "--process",
        help="Which process, if the case has several with this step: draft-plan-consultation, "
        "reassessment, annual-review, ehc-advice-request.",
    ),
]
WhichOption = Annotated[
    str | None,
    typer.Option(
        "--received", help="Which process, if the case has several of one kind: the date it began (YYYY-MM-DD)."
    ),
]
EvidenceOption = Annotated[str, typer.Option("--evidence", help="A reference to the evidence (no personal details).")]
NeedsChangedWhich = Annotated[
    str | None, typer.Option("--needs-changed", help="Which re-assessment, if the case has several (YYYY-MM-DD).")
]

# --- shared --------------------------------------------------------------------------------------------------


def _case(case: str) -> str:
    import re

    from workflows.models import CASE_REF_PATTERN

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail(f"--case: {case!r} is not a case reference (letters, digits, '.', '_', '-')")
    return case


def _find(settings, case: str, rule: str, kind: str | None = None, began: date | None = None, hint: str = "") -> str:
    """The workflow ID of the one open process of `case` with an open step `rule`, at the school `settings` are the
    view of (another school's case is no case here: the same answer as an unknown one)."""
    from store.queries import open_processes_with_step

    with db_session(settings) as session:
        found = open_processes_with_step(session, _case(case), rule, school=settings.school_id)
    if kind is not None:
        found = [p for p in found if p.kind == kind]
    if began is not None:
        found = [p for p in found if p.received_on == began]
    if not found:
        fail(f"--case: no open step {rule!r} for case {case!r}{hint}")
    kinds = sorted({p.kind for p in found})
    if len(kinds) > 1:
        fail(
            f"--case: case {case!r} has {len(found)} open processes with step {rule!r} ({', '.join(kinds)}); "
            f"add --process KIND"
        )
    if len(found) > 1:
        dates = ", ".join(str(p.received_on) for p in found)
        fail(
            f"--case: case {case!r} has {len(found)} open {kinds[0]} processes with step {rule!r} "
            f"(from {dates}); add --received"
        )
    return found[0].workflow_id


def _wait_for_step(settings, workflow_id: str, rule_id: str, timeout: float = 20.0):
    """The step row of `rule_id`, once the workflow has planned and recorded it (None if not within `timeout`: the
    worker may be down; the step appears when it runs again)."""
    from store.queries import process_detail

    give_up = time.monotonic() + timeout
    while True:
        with db_session(settings) as session:
            detail = process_detail(session, workflow_id)
        rows = [s for s in (detail[1] if detail else []) if s.rule_id == rule_id]
        if rows or time.monotonic() > give_up:
            return rows[-1] if rows else None
        time.sleep(0.2)


# --- draft plan consultation ---------------------------------------------------------------------------------

# --- re-assessment -------------------------------------------------------------------------------------------

REASSESS_FLAGS = {
    "needs_changed_on": "--needs-changed",
    "last_assessment_on": "--last-assessment",
    "done_on": "--date",
    "decided_on": "--date",
    "decision": "--reassess/--refused",
}


def _reassessment(settings, case: str, rule: str, needs_changed: str | None, hint: str) -> str:
    from workflows.registry import REASSESSMENT

    return _find(
        settings, case, rule, kind=REASSESSMENT.kind, began=parse_date("--needs-changed", needs_changed), hint=hint
    )


def _next_step_text(settings, workflow_id: str, rule_id: str, what: str) -> str:
    row = _wait_for_step(settings, workflow_id, rule_id)
    if row is None:
        return f"  {what}: not planned yet (it will be when the worker runs)"
    return f"  {what}: due {fmt(row.due)}, target {fmt(row.target)} ({row.basis}); sendclock chases it"


@reassessment_app.command("sent")
def reassessment_sent(
    case: CaseOption,
    date_: DateOption,
    by: ByOption = "senco",
    evidence: EvidenceOption = "",
    needs_changed: NeedsChangedWhich = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record that the request to re-assess went to the LA: the LA's 15 days to decide start (reg 25)."""
    from commands import reassessment
    from workflows.reassessment import DECISION, EARLIEST

    sent_on = parse_date("--date", date_)
    settings, ctx, change = recorded_change(
        REASSESS_FLAGS,
        reassessment.request_sent,
        reassessment.RequestSentIn,
        by,
        as_,
        school=school,
        done_on=sent_on,
        evidence=evidence,
    )
    workflow_id = _reassessment(
        settings,
        case,
        EARLIEST,
        needs_changed,
        " (is a re-assessment started, and its request not yet recorded as sent?)",
    )
    state = send(ctx, workflow_id, change, REASSESS_FLAGS)
    earliest = state.step(EARLIEST).plan
    lines = [f"Request to re-assess sent on {fmt(sent_on)}: {workflow_id}"]
    if sent_on < earliest.due:
        lines.append(
            f"  WARNING: before the earliest date {fmt(earliest.due)}: the LA may refuse it as made "
            f"within six months of the last assessment ({earliest.basis})"
        )
    lines.append(_next_step_text(settings, workflow_id, DECISION, "LA's decision"))
    typer.echo("\n".join(lines))


@reassessment_app.command("decided")
def reassessment_decided(
    case: CaseOption,
    date_: Annotated[str, typer.Option("--date", help="Date of the LA's notice of its decision, YYYY-MM-DD.")],
    reassess: Annotated[
        bool | None,
        typer.Option("--reassess/--refused", help="The LA decided to re-assess, or refused to.", show_default=False),
    ] = None,
    by: ByOption = "senco",
    evidence: EvidenceOption = "",
    needs_changed: NeedsChangedWhich = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record the LA's decision on the request: re-assess (the 14 weeks for the final plan start) or not (the
    process ends)."""
    from commands import reassessment
    from workflows.reassessment import DECISION, FINAL

    settings = load_school_settings(school)
    if reassess is None:
        fail("--reassess/--refused: say what the LA decided")
    ctx = context(settings)
    cmd = build(
        reassessment.ReassessmentDecisionIn,
        REASSESS_FLAGS,
        decided_on=parse_date("--date", date_),
        decision="reassess" if reassess else "refused",
        evidence=evidence,
    )
    actor = Actor(by, recording_account(settings, as_))
    change = checked(REASSESS_FLAGS, lambda: reassessment.decided(ctx, cmd, actor))
    workflow_id = _reassessment(
        settings, case, DECISION, needs_changed, " (has the request to re-assess been recorded as sent?)"
    )
    send(ctx, workflow_id, change, REASSESS_FLAGS)
    if reassess:
        typer.echo(
            f"LA decided to re-assess on {fmt(cmd.decided_on)}: {workflow_id}\n"
            + _next_step_text(settings, workflow_id, FINAL, "Final plan")
        )
    else:
        typer.echo(f"LA decided not to re-assess on {fmt(cmd.decided_on)}: {workflow_id} ends")


# --- any step of any process ---------------------------------------------------------------------------------

# The command fields of `sendclock step ...`, and the flags that set them (common.FLAGS covers the rest).
STEP_FLAGS = {
    "rule_id": "--rule",
    "done_on": "--date",
    "cancelled_on": "--date",
    "owner": "--to",
    "start": "--start",
    "end": "--end",
    "ground": "--ground",
}


def _kind(process: str | None) -> str | None:
    from workflows.registry import process_kind

    if process is not None:
        try:
            process_kind(process)
        except ValueError as err:
            fail(f"--process: {err}")
    return process


def _step_change(settings, ctx, case: str, rule: str, process: str | None, received: str | None, change) -> None:
    """Send a checked change to the one open process of the case with this step, and print where it stands."""
    workflow_id = _find(settings, case, rule, kind=_kind(process), began=parse_date("--received", received))
    typer.echo(out.process_text(send(ctx, workflow_id, change, STEP_FLAGS), settings))


@step_app.command("done")
def step_done(
    case: CaseOption,
    rule: RuleOption,
    date_: Annotated[str, typer.Option("--date", help="Date it was done, YYYY-MM-DD.")],
    by: ByOption = "senco",
    method: Annotated[str | None, typer.Option("--method", help="email, post, hand or portal.")] = None,
    evidence: EvidenceOption = "",
    process: ProcessOption = None,
    received: WhichOption = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record a step done: reports on time or late (an earliest date is neither)."""
    from commands import steps

    settings, ctx, change = recorded_change(
        STEP_FLAGS,
        steps.done,
        steps.StepDoneIn,
        by,
        as_,
        school=school,
        rule_id=rule,
        done_on=parse_date("--date", date_),
        method=method,
        evidence=evidence,
    )
    _step_change(settings, ctx, case, rule, process, received, change)


@step_app.command("exempt")
def step_exempt(
    case: CaseOption,
    rule: RuleOption,
    ground: Annotated[str, typer.Option("--ground", help="The exemption ground (the rule's: see `sendclock rules`).")],
    start: Annotated[str | None, typer.Option("--start", help="When the circumstances began.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="When they ended, if they have.")] = None,
    note: Annotated[str, typer.Option("--note", help="Why (no personal details beyond what is needed).")] = "",
    by: ByOption = "senco",
    process: ProcessOption = None,
    received: WhichOption = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record an exemption on a step whose rule has grounds: the duty becomes "as soon as practicable"."""
    from commands import steps

    settings, ctx, change = recorded_change(
        STEP_FLAGS,
        steps.exempt,
        steps.ExemptionIn,
        by,
        as_,
        school=school,
        rule_id=rule,
        ground=ground,
        start=parse_date("--start", start),
        end=parse_date("--end", end),
        note=note,
    )
    _step_change(settings, ctx, case, rule, process, received, change)


@step_app.command("reassign")
def step_reassign(
    case: CaseOption,
    rule: RuleOption,
    to: Annotated[str, typer.Option("--to", help="Staff id who takes the step over (see config).")],
    by: ByOption = "senco",
    reason: Annotated[str, typer.Option("--reason", help="Optional reason.")] = "",
    process: ProcessOption = None,
    received: WhichOption = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Hand a step to someone else: they are told, and its reminders go to them."""
    from commands import steps

    settings, ctx, change = recorded_change(
        STEP_FLAGS,
        steps.reassign,
        steps.ReassignmentIn,
        by,
        as_,
        school=school,
        rule_id=rule,
        owner=to,
        reason=reason,
    )
    _step_change(settings, ctx, case, rule, process, received, change)


@step_app.command("cancel")
def step_cancel(
    case: CaseOption,
    rule: RuleOption,
    date_: Annotated[str, typer.Option("--date", help="Date it stopped being needed, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the step is no longer needed.")],
    by: ByOption = "senco",
    process: ProcessOption = None,
    received: WhichOption = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Cancel a step that is no longer needed (entered in error, the plan ceased, ...); some processes end with it."""
    from commands import steps

    settings, ctx, change = recorded_change(
        STEP_FLAGS,
        steps.cancel,
        steps.CancellationIn,
        by,
        as_,
        school=school,
        rule_id=rule,
        cancelled_on=parse_date("--date", date_),
        reason=reason,
    )
    _step_change(settings, ctx, case, rule, process, received, change)


# --- the processes of a case ---------------------------------------------------------------------------------


@process_app.command("show")
def process_show(
    case: CaseOption,
    every: Annotated[
        bool, typer.Option("--all", help="Closed processes too (finished, withdrawn, cancelled), each with its date.")
    ] = False,
    as_json: JsonOption = False,
    school: SchoolOption = None,
) -> None:
    """Every open process of a case (and any stopped outside sendclock; with --all, its closed ones too), with its
    steps (what each is, its status, due date, target and owner) and facts, from the database."""
    from store.queries import processes_for_case

    settings = load_school_settings(school)
    with db_session(settings) as session:
        every_process = processes_for_case(session, _case(case), school=settings.school_id)
    found = every_process if every else [p for p in every_process if _not_closed(p)]
    closed = len(every_process) - len(found)
    processes = f"{closed} closed process{'' if closed == 1 else 'es'}"
    all_shows = f"`sendclock process show --case {case} --all` shows {'it' if closed == 1 else 'them'}"
    if as_json:
        typer.echo(json.dumps([out.process_row_json(p) for p in found], indent=2))
    elif found:
        typer.echo("\n".join(out.process_row_text(p, settings) for p in found))
        if closed:
            typer.echo(f"The case also has {processes}: {all_shows}.")
    elif closed:
        typer.echo(f"No open processes for case {case!r}; it has {processes}: {all_shows}.")
    else:
        typer.echo(f"No open processes for case {case!r}.")


def _not_closed(process) -> bool:
    """Open, or stopped outside sendclock (not finished: it waits to be resumed)."""
    from store.reconcile import OPEN, STOPPED

    return process.status in (OPEN, STOPPED)


@process_app.command("replan")
def process_replan(
    case: Annotated[str | None, typer.Option("--case", help="The case whose open processes to plan again.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every open process of the school (--school).")] = False,
    by: ByOption = "senco",
    reason: Annotated[
        str, typer.Option("--reason", help="Why (kept in the record).")
    ] = "the rule book or the school calendar changed",
    as_json: JsonOption = False,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Plan every open step again with the rule book and the school calendar as they are now (after upgrading
    sendclock, or editing term dates or an LA's own dates): each step whose dates move is recorded and its owner
    told; nothing else changes."""
    import starter.processes
    from commands.base import call
    from commands.steps import ReplanIn, replan
    from store.queries import open_process_ids

    if (case is None) == (not every):
        fail("--case: give a case reference, or --all for every open process (not both)")
    settings = load_school_settings(school)
    ctx = context(settings)
    cmd = build(ReplanIn, {}, reason=reason)
    actor = Actor(by, recording_account(settings, as_))
    change = checked({}, lambda: replan(ctx, cmd, actor))
    with db_session(settings) as session:
        workflow_ids = open_process_ids(session, None if every else _case(case or ""), school=settings.school_id)
    if not workflow_ids:
        typer.echo(f"No open processes{'' if every else f' for case {case!r}'}: nothing to plan again.")
        return

    async def each(client):
        moved = []
        for workflow_id in workflow_ids:
            before = await starter.processes.process_state(client, workflow_id)
            after = await change.send(client, settings, workflow_id, change.request)
            moved.append((after, out.moved_steps(before, after)))
        return moved

    results = run_async(lambda: call(ctx, each, change.names))
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "workflow_id": state.workflow_id,
                        "case": state.header.case_ref,
                        "moved": [out.moved_json(old, step) for old, step in steps],
                    }
                    for state, steps in results
                ],
                indent=2,
            )
        )
        return
    for state, steps in results:
        typer.echo(out.replanned_text(state, steps, settings))


@process_app.command("resume")
def process_resume(
    case: CaseOption,
    by: ByOption = "senco",
    as_json: JsonOption = False,
    school: SchoolOption = None,
) -> None:
    """Restart a process stopped outside sendclock (terminated or reset in Temporal, failed, timed out) from its
    last recorded state: a new run carries its open steps, their dates and notices, and links to the stopped run's
    history. Processes still running are left as they are."""
    from sqlalchemy import select

    from commands import checks
    from starter.client import connect
    from starter.resume import CannotResume, resume
    from statutory import get_rule
    from store.db import make_engine, make_sessionmaker
    from store.models import Process
    from store.reconcile import OPEN, STOPPED
    from workflows.registry import PROCESS_LABELS

    case = _case(case)
    settings = load_school_settings(school)
    checked({}, lambda: checks.staff(settings, by=by))
    with db_session(settings) as session:
        candidates = list(
            session.scalars(
                select(Process).where(
                    Process.case_ref == case,
                    Process.school == settings.school_id,
                    Process.status.in_((OPEN, STOPPED)),
                )
            )
        )
        for p in candidates:
            session.expunge(p)
    if not candidates:
        fail(f"--case: no open or stopped process for case {case!r}", 1)

    async def work():
        from starter.client.visibility import view

        client = await connect(settings)
        engine = make_engine(settings.resolved_database_url)
        try:
            done, refused = [], []
            for process in candidates:
                if process.status == OPEN and (await view(client, process.workflow_id)).running:
                    continue
                try:
                    done.append((process, await resume(client, make_sessionmaker(engine), process, by=by)))
                except CannotResume as err:
                    refused.append((process, str(err)))
            return done, refused
        finally:
            engine.dispose()

    done, refused = run_async(work)
    with db_session(settings) as session:
        steps = {
            p.workflow_id: [
                (get_rule(s.rule_id).title, s.due)
                for s in session.get(Process, p.workflow_id).steps
                if s.status == OPEN
            ]
            for p, _ in done
        }
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "resumed": [
                        {
                            "workflow_id": r.workflow_id,
                            "from_run_id": r.from_run_id,
                            "run_id": r.run_id,
                            "already_running": r.already,
                        }
                        for _, r in done
                    ],
                    "refused": [{"workflow_id": p.workflow_id, "reason": why} for p, why in refused],
                },
                indent=2,
            )
        )
    else:
        if not done and not refused:
            typer.echo(f"Nothing to resume: every open process of case {case} is running.")
        for p, _run in done:
            label = PROCESS_LABELS.get(p.kind, p.kind)
            open_steps = steps[p.workflow_id]
            typer.echo(
                f"Resumed the {label.lower()} for {case} ({p.la}): it carries on from its last recorded state "
                f"in a new run linked to the stopped one."
            )
            if open_steps:
                typer.echo("Its open steps send reminders again:")
                for title, due in open_steps:
                    typer.echo(f"  - {title}: due {fmt(due)}")
        for p, why in refused:
            typer.echo(f"Could not resume the {PROCESS_LABELS.get(p.kind, p.kind).lower()} for {case}: {why}", err=True)
    if refused:
        raise typer.Exit(1)
