"""The `sendclock` command line. Other tools depend on these commands and flags: change them compatibly.

Bad input prints one line naming the field and the reason to stderr and exits 2; an unreachable Temporal or
database exits 1. Nothing is started or written when input is bad.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError

from starter import cli_format as out
from starter.var_dir import private_umask

app = typer.Typer(help="sendclock: statutory SEND deadlines on Temporal.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
advice_app = typer.Typer(help="EHC advice requests (SEND Regulations 2014 reg 8): six weeks to send advice to the LA.",
                         no_args_is_help=True)
db_app = typer.Typer(help="The sendclock database.", no_args_is_help=True)
app.add_typer(advice_app, name="advice")
app.add_typer(db_app, name="db")

T = TypeVar("T")
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 1

CaseOption = Annotated[str, typer.Option("--case", help="The school's case reference (never a name).")]
InitialsOption = Annotated[str | None, typer.Option(
    "--initials", help="The pupil's initials (e.g. AB), shown in notices only if the school turns that on.")]
ByOption = Annotated[str, typer.Option("--by", help="Staff id of who did it (see config); --as: who records it.")]
# Every command that records a change takes --as: which account told sendclock (starter/recorded_by.py).
AsOption = Annotated[str | None, typer.Option(
    "--as", help="The dashboard account (user name) recording this, kept in the record as cli:as:NAME; without it, "
                 "the operating-system user (cli:os:USER). --by stays who did it.", show_default=False)]
ReceivedOption = Annotated[str | None, typer.Option("--received", help="Which request, if the case has several (YYYY-MM-DD).")]

# CLI flag for each model field, so an error names what the user typed.
FLAGS = {"case_ref": "--case", "initials": "--initials", "la": "--la", "received_on": "--received", "owner": "--owner", "channel": "--channel",
         "escalate_to": "--escalate-to", "sent_on": "--date", "method": "--method", "by": "--by", "note": "--note",
         "ground": "--ground", "start": "--start", "end": "--end", "claimed_by": "--by", "withdrawn_on": "--date",
         "reason": "--reason", "assessment_requested_on": "--assessment-requested",
         "requested_on": "--requested-on", "recorded_by": "--as"}


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(f"sendclock: {message}", err=True)
    raise typer.Exit(code)


def fail_request(err: Exception) -> NoReturn:
    """A RequestError names a model field; say the flag the user typed instead."""
    field, sep, reason = str(err).partition(":")
    fail(f"{FLAGS.get(field, field)}:{reason}" if sep else str(err))


def parse_date(flag: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):  # not the other ISO forms (20270301, 2027-W09-1)
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag}: {value!r} is not a date (use YYYY-MM-DD)")


def build(model: type[T], **fields: Any) -> T:
    try:
        return model(**fields)
    except ValidationError as err:
        first = err.errors()[0]
        if not first["loc"]:  # a whole-model rule: its message starts with the field it is about
            fail_request(ValueError(first["msg"].removeprefix("Value error, ")))
        field = str(first["loc"][0])
        fail(f"{FLAGS.get(field, field)}: {first['msg'].removeprefix('Value error, ')}")


def in_send_era(flag: str, value: date | None) -> date | None:
    """A date sendclock accepts (workflows.models.common.SendDate), said as the flag the user typed."""
    from workflows.models.common import FIRST_DATE, LAST_DATE

    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        fail(f"{flag}: {value} is outside the dates sendclock accepts: from {FIRST_DATE} (the SEND Regulations 2014 "
             f"came into force) to {LAST_DATE}")
    return value


def not_future(settings, flag: str, value: date | None) -> None:
    """Something that happened cannot have happened after today (in the school's time zone)."""
    from statutory.clock import local_date

    today = local_date(datetime.now(timezone.utc), settings.timezone)
    if value is not None and value > today:
        fail(f"{flag}: {value} is in the future (today is {today})")


def recording_account(settings, name: str | None) -> str:
    """The account a command records its change as (starter/recorded_by.py): cli:as:NAME for `--as NAME`, an
    enabled dashboard account (checked in the database before Temporal is contacted), else cli:os:USER."""
    from starter.recorded_by import as_account, os_account
    from store.accounts_queries import account_by_username

    if name is None:
        return os_account()
    try:
        account = as_account(name)
    except ValueError as err:
        fail(f"--as: {err}")
    with db_session(settings) as session:
        found = account_by_username(session, name)
        active = found is not None and found.active
    if found is None:
        fail(f"--as: no account {name!r} (see `sendclock user list`)")
    if not active:
        fail(f"--as: the account {name!r} is disabled")
    return account


def load_settings():
    from config.settings import get_settings

    try:
        return get_settings()
    except (ValidationError, FileNotFoundError, ValueError) as err:
        fail(f"configuration: {str(err).splitlines()[0] if not isinstance(err, ValidationError) else out.validation(err)}")


@contextmanager
def db_session(settings, *, transaction: bool = False) -> Iterator[Any]:
    """A session on the configured database (with `transaction`, committed at the end). A database that cannot be
    used (unreachable, or its tables never created) exits 1 with the reason and what to do, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.db import make_engine, make_sessionmaker

    try:
        engine = make_engine(settings.resolved_database_url)  # a SQLite file's directory is made here
    except OSError as err:
        _unusable_database(err)
    sessions = make_sessionmaker(engine)
    try:
        with sessions.begin() if transaction else sessions() as session:
            yield session
    except SQLAlchemyError as err:
        _unusable_database(err)
    finally:
        engine.dispose()


def _unusable_database(err: Exception) -> NoReturn:
    reason = str(err).splitlines()[0]
    never_upgraded = "no such table" in reason or ("relation" in reason and "does not exist" in reason)
    fail(f"cannot use the database ({reason}); " + ("has `sendclock db upgrade` been run?" if never_upgraded else
         "check database_url (SENDCLOCK_DATABASE_URL) and that the database is up"), EXIT_UNAVAILABLE)


_used_temporal = False


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    from starter.advice import RequestError
    from starter.client import wrong_settings

    global _used_temporal
    _used_temporal = True
    try:
        return asyncio.run(work())
    except RequestError as err:
        fail_request(err)
    except RuntimeError as err:
        if (why := wrong_settings(err, load_settings())) is not None:
            fail(why, EXIT_UNAVAILABLE)
        if "connect" in str(err).lower() or "transport" in str(err).lower():
            fail(f"cannot reach Temporal ({err}); is `make up` running?", EXIT_UNAVAILABLE)
        raise


# --- rule book -------------------------------------------------------------------------------------------------


@app.command("rules")
def rules_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every statutory rule with its legal basis (and a rule's earlier versions where the law changed)."""
    from statutory import RULES, fmt, rule_ids, versions

    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in RULES], indent=2))
        return
    for rule_id in rule_ids():
        *earlier, rule = versions(rule_id)
        typer.echo(f"{rule.id:<28} {rule.title}\n{'':<28} {rule.basis}")
        for old in earlier:
            if old.period != rule.period:
                typer.echo(f"{'':<28} for {fmt(old.effective_from)} to {fmt(old.effective_to)}: {old.period} "
                           f"({old.basis})")


@app.command("deadline")
def deadline_command(
    rule: Annotated[str, typer.Argument(help="Rule id, e.g. ehc-advice (see `sendclock rules`).")],
    from_: Annotated[str, typer.Option("--from", help="The anchor date, YYYY-MM-DD.")],
    closed: Annotated[list[str] | None, typer.Option("--closed", help="A school closure START:END (inclusive); repeatable.")] = None,
    post16: Annotated[bool, typer.Option(
        "--post16", help="phase-transfer-meeting-by: plan back from the post-16 date (31 March), not 15 February.")] = False,
    la: Annotated[str | None, typer.Option(
        "--la", help="phase-transfer-meeting-by: use this LA's own date for transfer-year meetings (settings: las).")] = None,
    reading: Annotated[str | None, typer.Option(
        "--reading", help="Notice periods (C3): clear (the safe reading) or inclusive; default from settings.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Compute the due (statutory) and target (working) dates of a rule from an anchor date."""
    from starter.deadline import explain_deadline
    from starter.requests import RequestError
    from statutory import Closure, get_rule

    anchor = parse_date("--from", from_)
    extra = []
    for value in closed or []:
        start, sep, end = value.partition(":")
        if not sep:
            fail(f"--closed: {value!r} is not START:END (YYYY-MM-DD:YYYY-MM-DD)")
        first, last = parse_date("--closed", start), parse_date("--closed", end)
        if last < first:
            fail(f"--closed: end {last} is before start {first}")
        extra.append(Closure(start=first, end=last, label="given with --closed"))
    settings = load_settings()
    try:
        deadline = explain_deadline(settings, rule, anchor, post16=post16, la=la, reading=reading, closures=extra)
    except RequestError as err:
        field, _, reason = str(err).partition(": ")
        fail(f"{DEADLINE_FLAGS[field]}: {reason}")
    typer.echo(json.dumps(out.deadline_json(deadline)) if as_json
               else out.deadline_text(deadline, get_rule(rule, on=anchor)))


DEADLINE_FLAGS = {"rule": "RULE", "from": "--from", "post16": "--post16", "la": "--la", "reading": "--reading"}


# --- EHC advice requests -------------------------------------------------------------------------------------


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
    from workflows.ids import EHC_ADVICE, advice_workflow_id
    from workflows.models import CASE_REF_PATTERN

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail(f"--case: {case!r} is not a case reference (letters, digits, '.', '_', '-')")
    if received is not None:
        return advice_workflow_id(case, parse_date("--received", received))
    with db_session(settings) as session:
        found = processes_for_case(session, case, kind=EHC_ADVICE, open_only=True)
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


# --- lists, database, stack ------------------------------------------------------------------------------------


@app.command("list")
def list_command(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only steps past their statutory date.")] = False,
    due_within: Annotated[int | None, typer.Option("--due-within", min=0, max=3650, help="Only steps due in the next N days.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One line per open statutory step, overdue first."""
    from statutory.clock import local_date
    from store.queries import open_steps
    from store.reconcile import stopped_processes

    if overdue and due_within is not None:
        fail("--overdue and --due-within cannot be used together")
    settings = load_settings()
    today = local_date(datetime.now(timezone.utc), settings.timezone)
    with db_session(settings) as session:
        steps = open_steps(session, today, overdue_only=overdue, due_within=due_within)
        stopped = stopped_processes(session)
    if as_json:
        typer.echo(json.dumps([out.step_json(s) for s in steps], indent=2))
        return
    for line in out.stopped_lines(stopped):
        typer.echo(line)
    if not steps:
        typer.echo("No open statutory steps" + (" overdue." if overdue else "."))
    else:
        for step in steps:
            typer.echo(out.step_line(step))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (the embedded stack does this on start)."""
    from store.migrate import upgrade

    settings = load_settings()
    upgrade(settings.resolved_database_url)
    typer.echo(f"Database at {settings.resolved_database_url} is up to date.")


@app.command("up")
def up_command() -> None:
    """Run the embedded stack: Temporal dev server (SQLite under var/), worker and dashboard. Ctrl-C stops it."""
    from starter.stack import run_stack

    raise typer.Exit(run_stack(load_settings()))


# Each process's command group lives in a module of its own, built on the helpers above.
from starter.cli_processes import draft_app, process_app, reassessment_app, step_app  # noqa: E402
from starter.cli_review import review_app  # noqa: E402
import starter.cli_config  # noqa: E402,F401  (registers `sendclock config`)
import starter.cli_users  # noqa: E402,F401  (registers `sendclock user` and `sendclock feed`)
from starter.cli_audit import audit_app  # noqa: E402
import starter.audit_heads  # noqa: E402,F401  (registers `sendclock audit head` and `sendclock audit heads`)
from starter.cli_retention import retention_app  # noqa: E402
from starter.cli_keys import key_app  # noqa: E402

app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.add_typer(key_app, name="key")
app.add_typer(review_app, name="review")
app.add_typer(draft_app, name="draft")
app.add_typer(reassessment_app, name="reassessment")
app.add_typer(step_app, name="step")
app.add_typer(process_app, name="process")


def main() -> None:
    private_umask()  # what it writes (databases, keys, exports of case data) is private (starter/var_dir.py)
    try:
        app(prog_name="sendclock")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    if _used_temporal:
        # The SDK's core runtime threads can crash the interpreter at shutdown (PyGILState_Release,
        # temporalio/sdk-python#300): with the work done and output flushed, leave without finalizing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    sys.exit(main())
