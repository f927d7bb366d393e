"""What every `sendclock` command module shares: the common options, the flag for each model field, failing with one
line and an exit code, reading dates, settings and the database, and running a coroutine against Temporal.

The command modules (starter/cli/*.py) import from here, never from the package (starter/cli/__init__.py builds
the root app from them), so the modules form no cycle.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError

import starter.cli.format as out

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


def mark_temporal_used() -> None:
    """Note that this process started the Temporal SDK's runtime: main() then leaves without finalizing it."""
    global _used_temporal
    _used_temporal = True


def temporal_used() -> bool:
    return _used_temporal


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    from starter.advice import RequestError
    from starter.client import wrong_settings

    mark_temporal_used()
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
