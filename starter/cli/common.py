"""What every `sendclock` command module shares: the common options, the flag for each command field, failing with
one line and an exit code, reading dates, settings and the database, the clock (the one place the CLI builds it), and
running a command of the command layer (commands/) or a coroutine against Temporal.

The command modules (starter/cli/*.py) import from here, never from the package (starter/cli/__init__.py builds
the root app from them), so the modules form no cycle.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, NoReturn, TypeVar, overload

import typer
from pydantic import BaseModel, ValidationError

import starter.cli.format as out
from commands.clock import Clock, SchoolClock
from commands.errors import FORM, Problem, Refused, Unavailable

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 1

CaseOption = Annotated[str, typer.Option("--case", help="The school's case reference (never a name).")]
InitialsOption = Annotated[
    str | None,
    typer.Option(
        "--initials", help="The pupil's initials (e.g. AB), shown in notices only if the school turns that on."
    ),
]
ByOption = Annotated[str, typer.Option("--by", help="Staff id of who did it (see config); --as: who records it.")]
# Every command that records a change takes --as: which account told sendclock (starter/recorded_by.py).
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="The dashboard account (user name) recording this, kept in the record as cli:as:NAME; without it, "
        "the operating-system user (cli:os:USER). --by stays who did it.",
        show_default=False,
    ),
]
ReceivedOption = Annotated[
    str | None, typer.Option("--received", help="Which request, if the case has several (YYYY-MM-DD).")
]
# Every command that starts, changes or lists processes takes --school (issue 25): which school of a trust it is about,
# required when the settings have several (`schools.<id>`), optional with one. Resolved by school_settings.
SCHOOL_ENV = "SENDCLOCK_SCHOOL"
SchoolOption = Annotated[
    str | None,
    typer.Option(
        "--school",
        envvar=SCHOOL_ENV,
        help="The school's id (settings schools.<id>): needed when the deployment has several schools.",
        show_default=False,
    ),
]

# The CLI flag of each command field most commands share, so an error names what the user typed; a command adds its
# own (its dates: --date, --received, ...) in the flags it passes to `checked` and `send`.
FLAGS = {
    "case_ref": "--case",
    "initials": "--initials",
    "la": "--la",
    "received_on": "--received",
    "owner": "--owner",
    "channel": "--channel",
    "method": "--method",
    "by": "--by",
    "claimed_by": "--by",
    "note": "--note",
    "reason": "--reason",
    "evidence": "--evidence",
    "recorded_by": "--as",
    "exemption": "--ground",  # a process refusing a second exemption on a step
    "workflow_id": "--case",  # the case's process has ended, or there is none (starter/requests.py)
    "school": "--school",  # settings of several schools where one school's are needed (starter/requests.py)
}
# A refusal whose way out is another flag than the one it is about (its code: that flag, and how to say it): a review
# meeting too soon is about --date, and --short-notice confirms it.
WAY_OUT = {"short_notice": ("--short-notice", "confirm short notice")}


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    typer.echo(f"sendclock: {message}", err=True)
    raise typer.Exit(code)


def said(problem: Problem, flags: Mapping[str, str] | None = None) -> str:
    """A problem as the user typed it: "--flag: reason" (a field with no flag keeps its name; the request as a whole
    is its reason alone)."""
    if problem.field == FORM:
        return problem.reason
    flag = (flags or {}).get(problem.field) or FLAGS.get(problem.field) or problem.field
    reason = problem.reason
    if problem.code in WAY_OUT and WAY_OUT[problem.code][0] not in reason:
        other, words = WAY_OUT[problem.code]
        reason = (
            reason.replace(words, f"{words} with {other}") if words in reason else f"{reason} ({other} confirms it)"
        )
    return f"{flag}: {reason}"


def refused(err: Refused, flags: Mapping[str, str] | None = None) -> NoReturn:
    """A command refused: its first problem, one line on stderr naming the flag, exit 2."""
    fail(said(err.first, flags))


# --- the clock: the one place the CLI builds it -------------------------------------------------------------------

_clock: Clock | None = None


def set_clock(clock: Clock | None) -> None:
    """Run the CLI on `clock` (a FixedClock in tests); None: the wall clock in the school's time zone again."""
    global _clock
    _clock = clock


def clock(settings: Any) -> Clock:
    """Today and now for every command (commands/clock.py): the school's time zone, unless a test set the clock."""
    return _clock if _clock is not None else SchoolClock.of(settings)


def context(settings: Any) -> Any:
    """What a command of commands/ runs with: these settings, the clock, a Temporal client connected when needed."""
    from commands.base import Context

    async def client() -> Any:
        import starter.client

        return await starter.client.connect(settings)

    return Context(settings=settings, clock=clock(settings), client=client)


def checked(flags: Mapping[str, str], check: Callable[[], T]) -> T:
    """Run a command's checks (before Temporal is contacted); a refusal names the flag and exits 2."""
    try:
        return check()
    except Refused as err:
        refused(err, flags)


def send(ctx: Any, workflow_id: str, change: Any, flags: Mapping[str, str]) -> Any:
    """Send a checked change (commands.base.Change) to a process; its state after it."""
    from commands.base import send as send_change

    return run_async(lambda: send_change(ctx, workflow_id, change), flags)


@overload
def parse_date(flag: str, value: str) -> date: ...


@overload
def parse_date(flag: str, value: str | None) -> date | None: ...


def parse_date(flag: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):  # not the other ISO forms (20270301, 2027-W09-1)
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag}: {value!r} is not a date (use YYYY-MM-DD)")


def build(model: type[M], flags: Mapping[str, str] | None = None, /, **fields: Any) -> M:
    """A command's input (commands/) from the flags' values; a bad one names its flag and exits 2."""
    from commands.checks import build as build_checked

    return checked(flags or {}, lambda: build_checked(model, None, **fields))


def recorded_change(
    flags: Mapping[str, str],
    call: Callable[..., Any],
    model: type[BaseModel],
    by: str,
    as_: str | None,
    /,
    school: str | None = None,
    **fields: Any,
) -> tuple[Any, Any, Any]:
    """What every recording command does before it sends: load the settings as `school` sees them (--school:
    school_settings), build the command's input from the flags' values (`model`), say who records it (`by`, and the
    account: `--as` or the OS user), and run `call`'s checks (commands/: ctx, input, actor -> a checked change). Bad
    input names its flag and exits 2; nothing is sent. Returns the school's settings, the command context and the
    change, for the command to send where it belongs."""
    from commands.base import Actor

    settings = load_school_settings(school)
    ctx = context(settings)
    cmd = build(model, flags, **fields)
    actor = Actor(by, recording_account(settings, as_))
    return settings, ctx, checked(flags, lambda: call(ctx, cmd, actor))


def recording_account(settings, name: str | None) -> str:
    """The account a command records its change as (starter/recorded_by.py): cli:as:NAME for `--as NAME`, an
    enabled dashboard account (checked in the database before Temporal is contacted) of the school the command is
    about (`settings`: its view) or trust-wide, else cli:os:USER."""
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
        at = found.school if found is not None else None
    if found is None:
        fail(f"--as: no account {name!r} (see `sendclock user list`)")
    if not active:
        fail(f"--as: the account {name!r} is disabled")
    if at is not None and at != settings.school_id:
        fail(f"--as: the account {name!r} is at another school, not {settings.school_id}")
    return account


def load_settings():
    from config.settings import get_settings

    try:
        return get_settings()
    except (ValidationError, FileNotFoundError, ValueError) as err:
        fail(
            "configuration: " + (out.validation(err) if isinstance(err, ValidationError) else str(err).splitlines()[0])
        )


def school_settings(settings, school: str | None):
    """The settings as the school a command is about sees them (config.settings.Settings.for_school): the school
    named by --school (or SENDCLOCK_SCHOOL); with one school, that one when none is named. Several schools and none
    named, or a school the settings do not have: one line naming --school, exit 2 (never a guess)."""
    from config.settings import UnknownSchool

    known = ", ".join(settings.school_ids)
    if school is None:
        if settings.several_schools:
            fail(f"--school: this deployment has several schools ({known}): say which one with --school ID")
        return settings.for_school(settings.school_ids[0])
    try:
        return settings.for_school(school)
    except UnknownSchool:
        where = f" (from {SCHOOL_ENV})" if os.environ.get(SCHOOL_ENV) == school else ""
        fail(f"--school: no school {school!r}{where} in the settings; its schools: {known}")


def load_school_settings(school: str | None):
    """load_settings(), as `school` sees them (school_settings)."""
    return school_settings(load_settings(), school)


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
    fail(
        f"cannot use the database ({reason}); "
        + (
            "has `sendclock db upgrade` been run?"
            if never_upgraded
            else "check database_url (SENDCLOCK_DATABASE_URL) and that the database is up"
        ),
        EXIT_UNAVAILABLE,
    )


_used_temporal = False


def mark_temporal_used() -> None:
    """Note that this process started the Temporal SDK's runtime: main() then leaves without finalizing it."""
    global _used_temporal
    _used_temporal = True


def temporal_used() -> bool:
    return _used_temporal


def run_async(work: Callable[[], Coroutine[Any, Any, T]], flags: Mapping[str, str] | None = None) -> T:
    """Run `work` against Temporal: a refusal names the flag (`flags`, else the common ones) and exits 2; a Temporal
    that cannot be reached, or refuses these settings, exits 1."""
    from starter.client import wrong_settings

    mark_temporal_used()
    try:
        return asyncio.run(work())
    except Refused as err:
        refused(err, flags)
    except (RuntimeError, Unavailable) as err:
        cause = err.__cause__ if isinstance(err, Unavailable) and err.__cause__ is not None else err
        if (why := wrong_settings(cause, load_settings())) is not None:
            fail(why, EXIT_UNAVAILABLE)
        if isinstance(err, Unavailable) or "connect" in str(err).lower() or "transport" in str(err).lower():
            fail(f"cannot reach Temporal ({cause}); is `make up` running?", EXIT_UNAVAILABLE)
        raise
