"""`sendclock user password NAME`: a dashboard account's password changed or reset from the command line, on a real
SQLite database. The new password is typed twice at a hidden prompt, or read from one line of stdin
(--password-stdin); the dashboard's rules apply (at least 10 characters, not the current one); every sign-in session
of the account ends, as a change on the dashboard ends the others; the sign-in log says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store.accounts import Account, SignInEvent, WebSession
from store.accounts_queries import account_by_username, now_utc
from store.credentials import verify_password
from store.web_sessions import start_session
from tests.cli.conftest import one_line_naming
from tests.dashboard.conftest import PASSWORD

NEW = "a brand new passphrase"


@pytest.fixture
def signed_in(db) -> int:
    """Two live dashboard sessions of the account `senco` (and one of `head`, which must survive)."""
    now = now_utc()
    with db.begin() as session:
        for n, name in enumerate(["senco", "senco", "head"]):
            account = account_by_username(session, name)
            assert account is not None
            start_session(session, digest=f"{n:064x}", account_id=account.id, now=now, lifetime=timedelta(hours=8))
    return 2


def password_of(db, name: str) -> str:
    with db() as session:
        account = session.scalar(select(Account).where(Account.username == name))
        assert account is not None and account.password_hash
        return account.password_hash


def live(db, name: str) -> int:
    with db() as session:
        return len(
            session.scalars(
                select(WebSession)
                .join(Account, Account.id == WebSession.account_id)
                .where(Account.username == name, WebSession.ended_at.is_(None))
            ).all()
        )


def test_from_stdin_the_password_changes_and_every_session_of_the_account_ends(cli, db, signed_in) -> None:
    result = cli("user", "password", "senco", "--password-stdin", input=NEW + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Password of senco changed; 2 sessions ended: senco signs in again with the new password.\n"
    )
    assert verify_password(password_of(db, "senco"), NEW)
    assert not verify_password(password_of(db, "senco"), PASSWORD)
    assert (live(db, "senco"), live(db, "head")) == (0, 1)
    with db() as session:
        logged = session.scalars(select(SignInEvent).where(SignInEvent.outcome == "password-changed")).all()
        ended = session.scalars(select(WebSession.ended_reason).where(WebSession.ended_at.is_not(None))).all()
    assert [e.username for e in logged] == ["senco"] and "2 sessions ended" in logged[0].detail
    assert ended == ["password-changed", "password-changed"]
    assert NEW not in result.output + "".join(e.detail for e in logged)


def test_from_a_hidden_prompt_typed_twice_until_both_agree(cli, db, signed_in) -> None:
    result = cli("user", "password", "head", input="first try passphrase\nsecond try passphrase\n" + f"{NEW}\n" * 2)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert "New password" in result.output and "Repeat for confirmation" in result.output
    assert "passphrase" not in result.output  # never echoed
    assert verify_password(password_of(db, "head"), NEW)
    assert (live(db, "head"), live(db, "senco")) == (0, 2)


@pytest.mark.parametrize(
    ("args", "typed", "where", "reason"),
    [
        (["--password-stdin"], "short\n", "--password-stdin", "use at least 10 characters"),
        (["--password-stdin"], "\n", "--password-stdin", "use at least 10 characters"),
        (["--password-stdin"], PASSWORD + "\n", "--password-stdin", "choose a password different from the current one"),
        ([], "short\nshort\n", "PASSWORD", "use at least 10 characters"),
        ([], f"{PASSWORD}\n{PASSWORD}\n", "PASSWORD", "choose a password different from the current one"),
    ],
)
def test_the_dashboards_rules_refuse_and_change_nothing(cli, db, signed_in, args, typed, where, reason) -> None:
    before = password_of(db, "senco")
    result = cli("user", "password", "senco", *args, input=typed)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1] == f"sendclock: {where}: {reason}"
    assert password_of(db, "senco") == before and live(db, "senco") == 2


def test_an_unknown_account_is_refused_before_any_password_is_asked(cli, db) -> None:
    line = one_line_naming(cli("user", "password", "nobody"), "USERNAME")
    assert line == "sendclock: USERNAME: no account 'nobody' (see `sendclock user list`)"


def test_the_help_says_how_to_give_the_password() -> None:
    from typer.testing import CliRunner

    from starter.cli import app

    shown = CliRunner().invoke(app, ["user", "password", "--help"])
    assert shown.exit_code == 0 and "--password-stdin" in shown.output and "hidden prompt" in shown.output
