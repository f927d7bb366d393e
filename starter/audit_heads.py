"""`sendclock audit head` and `sendclock audit heads`: the audit record's fingerprint now, and the fingerprints sent
to the SENCO and auditors each working day (issue 21; store/chain_heads.py). Registered on `sendclock audit` by
starter/cli.py.

`audit head` prints the head of the event table's hash chain as it is now, to compare with an e-mail someone kept.
`audit heads` lists what was sent (newest first) and checks each against the record: exit code 3 when one no longer
matches (the record was changed after it was sent), as `sendclock audit verify` does.
"""

from __future__ import annotations

from typing import Annotated

import typer

from starter.cli import db_session, load_settings
from starter.cli_audit import EXIT_FINDING, audit_app


@audit_app.command("head")
def head_command() -> None:
    """Print the audit record's fingerprint now: the hash of its last entry, and how many entries it has."""
    from store.chain_heads import current_head

    settings = load_settings()
    with db_session(settings) as session:
        head = current_head(session)
    if head.event_id is None:
        typer.echo("The audit record has no entries yet.")
        return
    typer.echo(f"The audit record's fingerprint is now {head.fingerprint}: it has {head.rows:,} "
               f"entr{'y' if head.rows == 1 else 'ies'}, and the last is entry no. {head.event_id:,}.")
    typer.echo(f"In full: {head.hash}")


@audit_app.command("heads")
def heads_command(
    full: Annotated[bool, typer.Option("--full", help="Print each fingerprint in full (64 hex digits).")] = False,
) -> None:
    """List the audit record's fingerprints sent to the SENCO and auditors (date, entries, fingerprint), newest first,
    and check each against the record now; exits 3 when one no longer matches."""
    from statutory.clock import fmt
    from store.chain_heads import check_published, fingerprint, published_heads

    settings = load_settings()
    with db_session(settings) as session:
        heads = published_heads(session)
        problems = check_published(session)
    if not heads:
        at = settings.notifications.chain_head.at
        typer.echo(f"No fingerprint has been sent yet: the worker sends one each working day at {at:%H:%M} "
                   f"(schedule {settings.temporal.task_queue}-chain-head).")
        return
    typer.echo(f"{len(heads)} fingerprint(s) of the audit record sent, newest first:")
    for head in heads:
        shown = head.hash if full else fingerprint(head.hash)
        entries = (f"{head.rows:,} entr{'y' if head.rows == 1 else 'ies'} up to entry no. {head.event_id:,}"
                   if head.event_id is not None else "no entries yet")
        sent_to = ", ".join(head.recipients) or "nobody (no SENCO or auditor in the staff directory)"
        typer.echo(f"  {fmt(head.published_on)}: {shown}, {entries}; sent to {sent_to}.")
    if problems:
        typer.echo(f"{len(problems)} no longer match(es) the record:")
        for problem in problems:
            typer.echo(f"  - {problem}.")
        raise typer.Exit(EXIT_FINDING)
    typer.echo("Each still matches the record.")
