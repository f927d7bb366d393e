"""`sendclock advice ...`: EHC advice requests (SEND Regulations 2014 reg 8), from the LA's request to the advice
sent, an exemption or a withdrawal."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import Annotated

import typer

import starter.cli.format as out
from starter.cli.common import (
    AsOption,
    ByOption,
    CaseOption,
    ReceivedOption,
    SchoolOption,
    db_session,
    fail,
    load_school_settings,
    parse_date,
    recorded_change,
    run_async,
    send,
)

# The command fields of `sendclock advice ...`, and their flags (common.FLAGS covers the rest).
ADVICE_FLAGS = {
    "received_on": "--received",
    "assessment_requested_on": "--assessment-requested",
    "requested_on": "--requested-on",
    "sent_on": "--date",
    "withdrawn_on": "--date",
    "ground": "--ground",
    "start": "--start",
    "end": "--end",
}

advice_app = typer.Typer(
    help="EHC advice requests (SEND Regulations 2014 reg 8): six weeks to send advice to the LA.", no_args_is_help=True
)


def _workflow_for_case(settings, case: str, received: str | None) -> str:
    """The open advice request for a case (or the one received on --received) at the school `settings` are the view
    of: another school's case is no case here (the same answer as an unknown one)."""
    from store.queries import processes_for_case
    from workflows.models import CASE_REF_PATTERN
    from workflows.registry import ADVICE

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail(f"--case: {case!r} is not a case reference (letters, digits, '.', '_', '-')")
    if received is not None:
        return ADVICE.workflow_id(case, parse_date("--received", received), school=settings.school_id)
    with db_session(settings) as session:
        found = processes_for_case(session, case, kind=ADVICE.kind, open_only=True, school=settings.school_id)
    if not found:
        fail(f"--case: no open EHC advice request for case {case!r}")
    if len(found) > 1:
        dates = ", ".join(str(p.received_on) for p in found)
        fail(f"--case: case {case!r} has {len(found)} open requests (received {dates}); add --received")
    return found[0].workflow_id


def _change(settings, ctx, case: str, received: str | None, change) -> None:
    """Send a checked change to the case's advice request, and print where it stands."""
    workflow_id = _workflow_for_case(settings, case, received)
    typer.echo(out.state_text(send(ctx, workflow_id, change, ADVICE_FLAGS), settings))


@advice_app.command("sent")
def advice_sent_command(
    case: CaseOption,
    date_: Annotated[str, typer.Option("--date", help="Date the advice was sent, YYYY-MM-DD.")],
    by: ByOption = "senco",
    method: Annotated[str, typer.Option("--method", help="email, post, hand or portal.")] = "email",
    note: Annotated[str, typer.Option("--note", help="Optional note (no personal details).")] = "",
    received: ReceivedOption = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record that the advice was sent to the LA: reports on time or late."""
    from commands import advice

    settings, ctx, change = recorded_change(
        ADVICE_FLAGS,
        advice.sent,
        advice.AdviceSentIn,
        by,
        as_,
        school=school,
        sent_on=parse_date("--date", date_),
        method=method,
        note=note,
    )
    _change(settings, ctx, case, received, change)


@advice_app.command("exempt")
def advice_exempt_command(
    case: CaseOption,
    ground: Annotated[str, typer.Option("--ground", help="reg8-2-a, reg8-2-b or reg8-2-c.")],
    by: ByOption = "senco",
    start: Annotated[str | None, typer.Option("--start", help="When the circumstances began.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="When they ended, if they have.")] = None,
    note: Annotated[str, typer.Option("--note", help="Why (no personal details beyond what is needed).")] = "",
    received: ReceivedOption = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record a reg 8(2) exemption: the duty becomes "as soon as practicable"."""
    from commands import advice, steps

    settings, ctx, change = recorded_change(
        ADVICE_FLAGS,
        advice.exempt,
        steps.ExemptionIn,
        by,
        as_,
        school=school,
        rule_id=advice.rule(),
        ground=ground,
        start=parse_date("--start", start),
        end=parse_date("--end", end),
        note=note,
    )
    _change(settings, ctx, case, received, change)


@advice_app.command("withdraw")
def advice_withdraw_command(
    case: CaseOption,
    date_: Annotated[str, typer.Option("--date", help="Date the LA withdrew the request.")],
    by: ByOption = "senco",
    reason: Annotated[str, typer.Option("--reason", help="Optional reason.")] = "",
    received: ReceivedOption = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record that the LA withdrew its request: the process ends."""
    from commands import advice

    settings, ctx, change = recorded_change(
        ADVICE_FLAGS,
        advice.withdraw,
        advice.WithdrawalIn,
        by,
        as_,
        school=school,
        withdrawn_on=parse_date("--date", date_),
        reason=reason,
    )
    _change(settings, ctx, case, received, change)


@advice_app.command("show")
def advice_show_command(
    case: CaseOption,
    received: ReceivedOption = None,
    school: SchoolOption = None,
) -> None:
    """Show where an advice request stands: an open one from its workflow (its dates, notices and the next one); one
    that has closed (advice sent, withdrawn) from the database, its final state marked closed with its date."""
    from starter.advice import state
    from starter.client import connect

    settings = load_school_settings(school)
    closed = _closed_request(settings, case, received)
    if closed is not None:
        process, stopped_on = closed
        typer.echo(out.advice_row_text(process, settings, stopped_on))
        return
    workflow_id = _workflow_for_case(settings, case, received)

    async def work():
        return await state(await connect(settings), workflow_id)

    typer.echo(out.state_text(run_async(work), settings))


def _closed_request(settings, case: str, received: str | None):
    """The advice request to show from the database once it has closed (or stopped), with the date each withdrawn or
    cancelled step gave: the one received on --received, else the case's latest when none is open. None: the request
    is open (shown from its workflow) or unknown here."""
    from store.queries import OPEN, process_detail, processes_for_case
    from workflows.models import CASE_REF_PATTERN
    from workflows.registry import ADVICE

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail(f"--case: {case!r} is not a case reference (letters, digits, '.', '_', '-')")
    day = parse_date("--received", received)
    with db_session(settings) as session:
        found = processes_for_case(session, case, kind=ADVICE.kind, school=settings.school_id)
        if day is not None:
            found = [p for p in found if p.received_on == day]
        elif any(p.status == OPEN for p in found):
            return None
        if not found or found[-1].status == OPEN:
            return None
        process = found[-1]
        detail = process_detail(session, process.workflow_id)
        events = detail[2] if detail is not None else []
        stopped_on = {}
        for event in events:
            on = (event.data or {}).get(f"{event.kind}_on") if event.kind in ("withdrawn", "cancelled") else None
            if event.rule_id and isinstance(on, str):
                with contextlib.suppress(ValueError):  # a date the record does not hold as one: left out
                    stopped_on[event.rule_id] = date.fromisoformat(on)
    return process, stopped_on
