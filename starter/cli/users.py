"""`sendclock user ...` and `sendclock feed ...`: dashboard accounts, their sessions and sign-in log, API keys and
secret ICS feed URLs.

The conventions of starter/cli/__init__.py: bad input prints one line naming the flag and exits 2. Passwords are read
from a hidden prompt (or one line of stdin with --password-stdin), never from a flag, and stored as argon2 hashes.
Secrets (API keys, feed URLs) are printed once and stored only as SHA-256 digests; session ids are never printed (a
session is shown by its short number).

An account is at one school (`--role senco|staff|leadership|auditor --school ID`; with one school, --school may be left
out) or trust-wide (`--role trust-leadership|trust-auditor`, no --school: it reads every school). `--staff` is a
staff id of that school's directory (a trust-wide account's: the trust's, `trust.staff`).

`user password NAME` is the operator's (or the SENCO's) reset of another account: it ends all of that account's
sessions, as `user disable` and `user sessions NAME --end-all` do. Each is written to the sign-in log, which
`user sign-ins [NAME]` prints. Times are in the settings' time zone (Europe/London).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from starter.cli.common import SchoolOption, db_session, fail, load_settings, school_settings

user_app = typer.Typer(
    help="Dashboard accounts: roles senco, staff, leadership, auditor at a school; trust-leadership, trust-auditor "
    "across a trust's schools.",
    no_args_is_help=True,
)
feed_app = typer.Typer(
    help="Secret calendar (ICS) feed URLs for Outlook: one per staff member or the school.", no_args_is_help=True
)


def _staff(settings, staff: str | None, flag: str = "--staff", where: str = "") -> None:
    """Refuse a staff id that is not in `settings.staff` (`where`: whose directory, when it is worth saying)."""
    if staff is not None and staff not in settings.staff:
        known = ", ".join(sorted(settings.staff)) or "none"
        fail(f"{flag}: no staff member with id {staff!r}{where} (known: {known})")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name (not a pupil's name; e.g. the staff id).")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="senco, staff, leadership or auditor (at one school); trust-leadership or trust-auditor (reads "
            "every school of the trust: no --school).",
        ),
    ],
    staff: Annotated[
        str | None,
        typer.Option(
            "--staff",
            help="Staff id from the school's staff directory (needed to record changes: senco and staff).",
        ),
    ] = None,
    school: Annotated[
        str | None,
        typer.Option(
            "--school",
            help="The school the account is at (settings schools.<id>): needed for a school role when the "
            "deployment has several schools; never for a trust role.",
            show_default=False,
        ),
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create a dashboard account, at one school or across the trust."""
    import re

    from store.accounts import ROLES, TRUST_ROLES
    from store.accounts_queries import add_account

    settings = load_settings()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}", username):
        fail(f"USERNAME: {username!r} is not a user name (letters, digits, '.', '_', '@', '-'; up to 64)")
    if role not in ROLES:
        fail(f"--role: {role!r} is not one of {', '.join(ROLES)}")
    at: str | None
    if role in TRUST_ROLES:
        if school is not None:
            fail(
                "--school: a trust role reads every school: leave out --school, or give a school role (senco, "
                "staff, leadership, auditor)"
            )
        at = None
        _staff(settings.trust, staff, where=" in the trust's staff (trust.staff)")
    else:
        view = school_settings(settings, school)  # several schools and no --school, or an unknown one: exit 2
        at = view.school_id
        _staff(view, staff, where=f" at school {at}" if settings.several_schools else "")
    if role in ("senco", "staff") and staff is None:
        fail(f"--staff: a {role} account needs the staff id of the person (see config)")
    hashed = _read_password(password_stdin)
    with db_session(settings, transaction=True) as session:
        try:
            add_account(session, username=username, password_hash=hashed, role=role, staff_id=staff, school=at)
        except ValueError as err:
            fail(str(err).replace("username:", "USERNAME:"))
    where = "" if at is None or not settings.several_schools else f" at school {at}"
    scope = ", every school of the trust" if at is None else ""
    typer.echo(f"Account {username} ({role}{where}{scope}{', staff id ' + staff if staff else ''}) created.")


def _read_password(password_stdin: bool, current_hash: str | None = None) -> str:
    """A new password, hashed: one line of stdin (--password-stdin), else typed twice at a hidden prompt. The
    dashboard's rules: at least MIN_PASSWORD_LENGTH characters, and (`current_hash`: a change) not the current one.
    A password that breaks them exits 2 naming where it came from (--password-stdin, or the prompt: PASSWORD)."""
    from store.credentials import MIN_PASSWORD_LENGTH, hash_password, verify_password

    where = "--password-stdin" if password_stdin else "PASSWORD"
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if password_stdin
        else typer.prompt(
            "New password" if current_hash is not None else "Password", hide_input=True, confirmation_prompt=True
        )
    )
    if len(password) < MIN_PASSWORD_LENGTH:
        fail(f"{where}: use at least {MIN_PASSWORD_LENGTH} characters")
    if current_hash is not None and verify_password(current_hash, password):
        fail(f"{where}: choose a password different from the current one")
    try:
        return hash_password(password)
    except ValueError as err:
        fail(f"{where}: {str(err).removeprefix('password: ')}")


def _sessions(count: int) -> str:
    return f"{count} session{'s' if count != 1 else ''}"


def _set_active(username: str, active: bool) -> None:
    from store.accounts_queries import account_by_username, now_utc
    from store.web_sessions import end_sessions, log_sign_in

    settings = load_settings()
    ended = 0
    with db_session(settings, transaction=True) as session:
        account = account_by_username(session, username)
        if account is None:
            fail(f"USERNAME: no account {username!r}")
        account.active = active
        if not active:
            now = now_utc()
            ended = end_sessions(session, account.id, now, "account-disabled")
            log_sign_in(
                session,
                at=now,
                outcome="sessions-ended",
                username=account.username,
                account_id=account.id,
                detail=f"account disabled with sendclock user disable; {_sessions(ended)} ended",
            )
    signed_out = f" {_sessions(ended).capitalize()} signed out." if ended else ""
    typer.echo(f"Account {username} {'enabled' if active else 'disabled'}.{signed_out}")


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="The account's sign-in name.")]) -> None:
    """Disable an account: its sessions end at once and it can no longer sign in (its API keys stop working)."""
    _set_active(username, False)


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="The account's sign-in name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from one line of stdin (for scripts).")
    ] = False,
) -> None:
    """Set a new password for an account (a reset by the operator or SENCO): typed twice at a hidden prompt, or read
    from stdin; the dashboard's rules (at least 10 characters, not the current one). All of its sessions end at
    once, so it signs in again with the new password."""
    from store.accounts_queries import account_by_username, now_utc
    from store.web_sessions import end_sessions, log_sign_in

    settings = load_settings()
    with db_session(settings, transaction=True) as session:
        found = account_by_username(session, username)
        if found is None:
            fail(f"USERNAME: no account {username!r} (see `sendclock user list`)")
        current = found.password_hash
    hashed = _read_password(password_stdin, current)
    with db_session(settings, transaction=True) as session:
        account = account_by_username(session, username)
        if account is None:
            fail(f"USERNAME: no account {username!r}")
        now = now_utc()
        account.password_hash = hashed
        ended = end_sessions(session, account.id, now, "password-changed")
        log_sign_in(
            session,
            at=now,
            outcome="password-changed",
            username=account.username,
            account_id=account.id,
            detail=f"set with sendclock user password; {_sessions(ended)} ended",
        )
    typer.echo(
        f"Password of {username} changed; {_sessions(ended)} ended: {username} signs in again with the new password."
    )


@user_app.command("sessions")
def user_sessions(
    username: Annotated[str, typer.Argument(help="The account's sign-in name.")],
    end_all: Annotated[bool, typer.Option("--end-all", help="End every session of the account now.")] = False,
) -> None:
    """List an account's live dashboard sessions (or end them all with --end-all)."""
    from datetime import timedelta

    from starter.cli.format import moment
    from store.accounts_queries import account_by_username, now_utc
    from store.web_sessions import end_sessions, live_sessions, log_sign_in

    settings = load_settings()
    idle = timedelta(minutes=settings.web.session_idle_minutes)
    with db_session(settings, transaction=True) as session:
        account = account_by_username(session, username)
        if account is None:
            fail(f"USERNAME: no account {username!r}")
        now = now_utc()
        if end_all:
            ended = end_sessions(session, account.id, now, "ended-by-operator")
            log_sign_in(
                session,
                at=now,
                outcome="sessions-ended",
                username=account.username,
                account_id=account.id,
                detail=f"with sendclock user sessions --end-all; {_sessions(ended)} ended",
            )
            typer.echo(f"Ended {_sessions(ended)} of {username}." if ended else f"{username} had no session to end.")
            return
        rows = live_sessions(session, account.id, now, idle)
        if not rows:
            typer.echo(f"{username} has no live session.")
            return
        typer.echo(
            f"{username} has {_sessions(len(rows))} (each ends at the time shown, or after "
            f"{settings.web.session_idle_minutes} minutes without activity):"
        )
        for row in rows:
            typer.echo(
                f"  session {row.id:<6} signed in {moment(row.created_at, settings.timezone)}   "
                f"last seen {moment(row.last_seen_at, settings.timezone)}   "
                f"ends {moment(row.expires_at, settings.timezone)}"
            )


@user_app.command("sign-ins")
def user_sign_ins(
    username: Annotated[str | None, typer.Argument(help="Only this account's entries (all when left out).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="How many entries, newest first.")] = 50,
) -> None:
    """The sign-in log: failed and refused sign-ins, sign-ins, sign-outs, password changes, sessions ended."""
    from starter.cli.format import moment
    from store.accounts_queries import account_by_username
    from store.web_sessions import OUTCOME_WORDS, recent_sign_ins

    settings = load_settings()
    with db_session(settings, transaction=True) as session:
        account = None
        if username is not None:
            account = account_by_username(session, username)
            if account is None:
                fail(f"USERNAME: no account {username!r}")
        events = recent_sign_ins(session, limit=limit, account=account)
        for e in events:
            line = (
                f"{moment(e.at, settings.timezone)}  {OUTCOME_WORDS.get(e.outcome, e.outcome):<29} "
                f"{e.username:<24} {e.client or 'command line':<16}"
            )
            typer.echo(f"{line} {e.detail}".rstrip())
    if not events:
        typer.echo("The sign-in log is empty." if username is None else f"No sign-in entries for {username}.")


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="The account's sign-in name.")]) -> None:
    """Enable a disabled account again."""
    _set_active(username, True)


@user_app.command("list")
def user_list() -> None:
    """List the accounts: name, role, (in a trust) the school each is at or "trust", enabled or not, staff id."""
    from starter.cli.format import staff_name
    from store.accounts_queries import list_accounts

    settings = load_settings()
    with db_session(settings, transaction=True) as session:
        accounts = list_accounts(session)
        # The school column, where there is more than the one school to tell apart (or a trust-wide account).
        schools = settings.several_schools or any(a.school is None for a in accounts)
        for a in accounts:
            name = staff_name(_directory(settings, a.school), a.staff_id)
            person = "-" if not a.staff_id else a.staff_id if name == a.staff_id else f"{a.staff_id} ({name})"
            at = f"{a.school or 'trust':<10} " if schools else ""
            role = f"{a.role:<16}" if schools else f"{a.role:<11}"
            typer.echo(f"{a.username:<24} {role} {at}{'active' if a.active else 'disabled':<9} {person}")
    if not accounts:
        typer.echo("No accounts. Create one with `sendclock user add NAME --role senco --staff senco`.")


def _directory(settings, school: str | None):
    """Whose staff directory an account's staff id is in: its school's, the trust's for a trust-wide account, the
    settings' own for a school the settings no longer have."""
    from config.settings import UnknownSchool

    if school is None:
        return settings.trust
    try:
        return settings.for_school(school)
    except UnknownSchool:
        return settings


@user_app.command("api-key")
def user_api_key(
    username: Annotated[str, typer.Argument(help="The account the key acts as.")],
    label: Annotated[str, typer.Option("--label", help="What it is for, e.g. 'Power Automate'.")] = "",
) -> None:
    """Create an API key for an account (Authorization: Bearer KEY); printed once. Revoke with `feed revoke ID`."""
    from store.accounts_queries import account_by_username, add_token
    from store.credentials import new_token, token_digest

    settings = load_settings()
    secret = new_token()
    with db_session(settings, transaction=True) as session:
        account = account_by_username(session, username)
        if account is None:
            fail(f"USERNAME: no account {username!r}")
        token = add_token(session, digest=token_digest(secret), kind="api", account_id=account.id, label=label[:80])
        token_id = token.id
    typer.echo(f"API key {token_id} for {username} (shown once, keep it secret):\n{secret}")


@feed_app.command("new")
def feed_new(
    staff: Annotated[str | None, typer.Option("--staff", help="A staff id: that person's open steps.")] = None,
    whole_school: Annotated[bool, typer.Option("--whole-school", help="Every open step of the school.")] = False,
    school: SchoolOption = None,
    label: Annotated[str, typer.Option("--label", help="What it is for.")] = "",
) -> None:
    """Create a secret feed URL to subscribe to in Outlook (printed once): one staff member's open steps, or the whole
    school's, at the school named by --school where the deployment has several."""
    from store.accounts_queries import add_token
    from store.credentials import new_token, token_digest

    settings = school_settings(load_settings(), school)
    if (staff is None) == (not whole_school):
        fail("--staff/--whole-school: give one of them")
    _staff(settings, staff)
    secret = new_token()
    with db_session(settings, transaction=True) as session:
        token = add_token(
            session,
            digest=token_digest(secret),
            kind="feed-school" if whole_school else "feed-staff",
            staff_id=staff,
            label=label[:80],
            school=settings.school_id,
        )
        token_id = token.id
    url = f"{settings.dashboard_url.rstrip('/')}/feeds/{secret}.ics"
    whose = settings.school_name if whole_school else staff
    typer.echo(f"Feed {token_id} ({whose}); subscribe in Outlook with (shown once):\n{url}")


@feed_app.command("list")
def feed_list() -> None:
    """List feeds and API keys (their ids, never their secrets)."""
    from starter.cli.format import staff_name
    from statutory.clock import fmt, local_date
    from store.accounts_queries import list_tokens

    settings = load_settings()
    with db_session(settings, transaction=True) as session:
        for t in list_tokens(session):
            whose = (
                staff_name(settings, t.staff_id)
                if t.staff_id
                else ("school" if t.kind == "feed-school" else f"account {t.account_id}")
            )
            state = f"revoked {fmt(local_date(t.revoked_at, settings.timezone))}" if t.revoked_at else "live"
            typer.echo(f"{t.id:<5} {t.kind:<12} {whose:<16} {state:<18} {t.label}")


@feed_app.command("revoke")
def feed_revoke(token_id: Annotated[int, typer.Argument(help="The id shown by `feed new` or `feed list`.")]) -> None:
    """Revoke a feed URL or API key: it stops working at once."""
    from store.accounts_queries import revoke_token

    settings = load_settings()
    with db_session(settings, transaction=True) as session:
        if revoke_token(session, token_id) is None:
            fail(f"ID: no feed or API key {token_id}")
    typer.echo(f"Revoked {token_id}.")
