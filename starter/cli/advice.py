"""`sendclock advice ...`: EHC advice requests (SEND Regulations 2014 reg 8), from the LA's request to the advice
sent, an exemption or a withdrawal."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Annotated

import typer

import starter.cli.format as out
from starter.cli.common import (AsOption, ByOption, CaseOption, InitialsOption, ReceivedOption, build, db_session, fail,
                                fail_request, load_settings, not_future, parse_date, recording_account, run_async)

advice_app = typer.Typer(help="EHC advice requests (SEND Regulations 2014 reg 8): six weeks to send advice to the LA.",
                         no_args_is_help=True)


@advice_app.command("start")
def advice_start(
    case: CaseOption,
    la: Annotated[str, typer.Option("--la", help="The local authority that asked.")],
    received: Annotated[str, typer.Option("--received", help="Date the LA's request was received, YYYY-MM-DD.")],
    owner: Annotated[str, typer.Option("--owner", help="Staff id who prepares the advice (see config).")],
    channel: Annotated[str, typer.Option("--channel", help="How it arrived: email, post, hand, portal.")] = "email",
    assessment_requested: Annotated[str | None, typer.Option(
        "--assessment-requested",
        help="Date the LA received the EHC needs assessment request (YYYY-MM-DD), if its letter says: "
             "shows the LA's 6/16/20-week dates and chases the final plan.")] = None,
    requested_on: Annotated[str | None, typer.Option(
        "--requested-on",
        help="The date on the LA's request letter (YYYY-MM-DD), if earlier than the day it was received: the "
             "statutory six weeks still run from receipt; a school that promises six weeks from the request "
             "(law.advice_promise_from) gets the earlier target.")] = None,
    initials: InitialsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Start an EHC advice request (idempotent: the same case and date give the same workflow)."""
    from starter.advice import RequestError, check_request, start_advice_request
    from starter.client import connect
    from statutory.clock import local_date
    from workflows.models import AdviceRequest

    settings = load_settings()
    received_on = parse_date("--received", received)
    try:  # the rule book's own reason first: a request from before the SEND Regulations 2014 has no deadline
        from statutory import get_rule
        from workflows.ehc_advice import RULE

        get_rule(RULE, on=received_on)
    except ValueError as err:
        fail(f"--received: {err}")
    request = build(AdviceRequest, case_ref=case, la=la, received_on=received_on,
                    owner=owner, channel=channel, escalate_to=settings.reminders.escalate_to,
                    assessment_requested_on=parse_date("--assessment-requested", assessment_requested),
                    requested_on=parse_date("--requested-on", requested_on), initials=initials)
    try:
        # Bad input fails before Temporal is contacted.
        check_request(settings, request, today=local_date(datetime.now(timezone.utc), settings.timezone))
    except RequestError as err:
        fail_request(err)

    async def work():
        return await start_advice_request(await connect(settings), settings, request)

    started = run_async(work)
    typer.echo(json.dumps(out.state_json(started.state, created=started.created)) if as_json
               else out.started_text(started.state, started.created, settings))


def _workflow_for_case(settings, case: str, received: str | None) -> str:
    """The open advice request for a case (or the one received on --received)."""
    from store.queries import processes_for_case
    from workflows.registry import ADVICE
    from workflows.models import CASE_REF_PATTERN

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail(f"--case: {case!r} is not a case reference (letters, digits, '.', '_', '-')")
    if received is not None:
        return ADVICE.workflow_id(case, parse_date("--received", received))
    with db_session(settings) as session:
        found = processes_for_case(session, case, kind=ADVICE.kind, open_only=True)
    if not found:
        fail(f"--case: no open EHC advice request for case {case!r}")
    if len(found) > 1:
        dates = ", ".join(str(p.received_on) for p in found)
        fail(f"--case: case {case!r} has {len(found)} open requests (received {dates}); add --received")
    return found[0].workflow_id


def _change(settings, case: str, received: str | None, call) -> None:
    from starter.client import connect

    workflow_id = _workflow_for_case(settings, case, received)

    async def work():
        return await call(await connect(settings), workflow_id)

    typer.echo(out.state_text(run_async(work), settings))


@advice_app.command("sent")
def advice_sent_command(
    case: CaseOption,
    date_: Annotated[str, typer.Option("--date", help="Date the advice was sent, YYYY-MM-DD.")],
    by: ByOption = "senco",
    method: Annotated[str, typer.Option("--method", help="email, post, hand or portal.")] = "email",
    note: Annotated[str, typer.Option("--note", help="Optional note (no personal details).")] = "",
    received: ReceivedOption = None,
    as_: AsOption = None,
) -> None:
    """Record that the advice was sent to the LA: reports on time or late."""
    from starter.advice import advice_sent
    from workflows.models import AdviceSent

    settings = load_settings()
    sent = build(AdviceSent, sent_on=parse_date("--date", date_), by=by, method=method, note=note,
                 recorded_by=recording_account(settings, as_))
    not_future(settings, "--date", sent.sent_on)
    _change(settings, case, received, lambda client, wid: advice_sent(client, settings, wid, sent))


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
) -> None:
    """Record a reg 8(2) exemption: the duty becomes "as soon as practicable"."""
    from starter.advice import record_exemption
    from workflows.models import Exemption

    settings = load_settings()
    exemption = build(Exemption, ground=ground, start=parse_date("--start", start), end=parse_date("--end", end),
                      note=note, claimed_by=by, recorded_by=recording_account(settings, as_))
    _change(settings, case, received, lambda client, wid: record_exemption(client, settings, wid, exemption))


@advice_app.command("withdraw")
def advice_withdraw_command(
    case: CaseOption,
    date_: Annotated[str, typer.Option("--date", help="Date the LA withdrew the request.")],
    by: ByOption = "senco",
    reason: Annotated[str, typer.Option("--reason", help="Optional reason.")] = "",
    received: ReceivedOption = None,
    as_: AsOption = None,
) -> None:
    """Record that the LA withdrew its request: the process ends."""
    from starter.advice import withdraw
    from workflows.models import Withdrawal

    settings = load_settings()
    withdrawal = build(Withdrawal, withdrawn_on=parse_date("--date", date_), by=by, reason=reason,
                       recorded_by=recording_account(settings, as_))
    not_future(settings, "--date", withdrawal.withdrawn_on)
    _change(settings, case, received, lambda client, wid: withdraw(client, settings, wid, withdrawal))


@advice_app.command("show")
def advice_show_command(
    case: CaseOption,
    received: ReceivedOption = None,
) -> None:
    """Show where an open advice request stands, with the explanation of its dates."""
    from starter.advice import state

    settings = load_settings()
    _change(settings, case, received, state)
