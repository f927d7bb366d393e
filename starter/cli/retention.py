"""`sendclock retention purge`: remove every trace of processes closed longer ago than the retention period
(`retention.keep_closed_years`): their database rows (store/retention.py, recorded as a `purge` event in the audit
chain), their Temporal histories and their archived histories under var/archive.

--dry-run lists what would go (case references and workflow IDs, with counts); --apply removes it, after --yes or
an interactive confirmation. Exit codes: 0 done (or nothing to do); 2 bad input or not confirmed (one line naming
the flag); 1 the database or Temporal unreachable (then nothing was removed from the database).
"""

from __future__ import annotations

from typing import Annotated

import typer

from starter.cli.common import EXIT_BAD_INPUT, EXIT_UNAVAILABLE, clock, fail, load_settings, parse_date
from statutory.clock import fmt, local_date

retention_app = typer.Typer(
    help="Retention: remove processes closed longer ago than retention.keep_closed_years.", no_args_is_help=True
)


def _archive_runs(archive, workflow_ids: set[str]) -> int:
    return sum(1 for entry in archive.index() if entry.get("workflow_id") in workflow_ids)


@retention_app.command("purge")
def purge_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be removed; change nothing.")] = False,
    apply: Annotated[bool, typer.Option("--apply", help="Remove it (asks first, unless --yes).")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Count the period back from this date (YYYY-MM-DD; default today, never in the future)."
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm --apply without asking.")] = False,
    skip_temporal: Annotated[
        bool,
        typer.Option(
            "--skip-temporal",
            help="Do not ask Temporal to delete histories (its namespace retention has long deleted "
            "them, or it is not running).",
        ),
    ] = False,
) -> None:
    """List (--dry-run) or remove (--apply) processes closed more than retention.keep_closed_years ago: database
    rows, Temporal histories, archived histories. The purge is recorded in the audit log."""
    from sqlalchemy.exc import SQLAlchemyError

    from audit.archive import Archive
    from store.db import make_engine, make_sessionmaker
    from store.retention import apply_purge, delete_old_digests, plan_purge, purged_workflow_ids

    if dry_run == apply:
        fail("--dry-run/--apply: give exactly one of them")
    settings = load_settings()
    today = clock(settings).today()
    day = parse_date("--as-of", as_of) or today
    if day > today:
        fail(f"--as-of: {fmt(day)} is in the future (today is {fmt(today)}); a purge counts back from today or earlier")
    years = settings.retention.keep_closed_years
    archive = Archive.for_settings(settings)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            plan = plan_purge(session, day, years)
            leftovers = purged_workflow_ids(session) & {e.get("workflow_id") for e in archive.index()}
        ids = set(plan.workflow_ids)
        typer.echo(
            f"Retention: closed processes are kept {years} year(s); as of {fmt(day)}, those closed before "
            f"{fmt(plan.cutoff.date())} go."
        )
        counts = plan.counts
        summary = (
            f"{counts['processes']} process(es): {counts['steps']} step(s), {counts['events']} event row(s), "
            f"{counts['outbox']} outbox row(s), {_archive_runs(archive, ids)} archived run(s)"
        )
        if not ids and not leftovers:
            typer.echo("Nothing to purge.")
            return
        typer.echo(("Would purge " if dry_run else "To purge: ") + summary)
        for c in plan.candidates:
            typer.echo(f"  {c.case_ref:<14} {c.workflow_id}  closed {fmt(local_date(c.closed_at, settings.timezone))}")
        if leftovers:
            typer.echo(f"  and the archived histories of {len(leftovers)} process(es) purged before")
        if dry_run:
            return
        if not yes and not typer.confirm("Remove these records for good?", default=False, err=True):
            fail("--yes: not confirmed; nothing was purged")

        deleted: set[str] = set()
        if not skip_temporal and ids:
            deleted = _delete_from_temporal(settings, ids)
        with sessions.begin() as session:
            purged = apply_purge(session, day, years)
            digests = delete_old_digests(session, plan.cutoff)
        done = set(purged.plan.workflow_ids) if purged else set()
        if not skip_temporal and done - deleted:  # closed past the cutoff since the list was made
            _delete_from_temporal(settings, done - deleted, after_database=True)
        runs = archive.remove(done | leftovers)
    except SQLAlchemyError as err:
        done_note = "; nothing more was purged" if apply else ""
        fail(
            f"cannot use the database ({str(getattr(err, 'orig', err)).splitlines()[0]}){done_note}; has "
            f"`sendclock db upgrade` been run?",
            EXIT_UNAVAILABLE,
        )
    finally:
        engine.dispose()
    if purged is None:
        typer.echo(f"Purged nothing from the database; removed {runs} archived run(s) left from an earlier purge.")
        return
    n = purged.plan.counts
    typer.echo(
        f"Purged {n['processes']} process(es): {n['steps']} step(s), {n['events']} event row(s), "
        f"{n['outbox']} outbox row(s), {digests} old digest row(s), {runs} archived run(s)"
        + ("" if skip_temporal else f", {len(deleted | done)} Temporal history(ies) asked to be deleted")
        + f". Recorded in the audit log as event row {purged.event_id} (purge), after chain head "
        f"{purged.head[:12]}…; `sendclock audit verify` shows it."
    )


def _delete_from_temporal(settings, workflow_ids: set[str], after_database: bool = False) -> set[str]:
    from starter.client import connect
    from starter.retention_temporal import delete_histories

    async def work():
        client = await connect(settings)
        return await delete_histories(client, sorted(workflow_ids))

    import asyncio

    from starter.cli.common import mark_temporal_used

    mark_temporal_used()  # leave without finalizing the SDK's runtime (see starter.cli.main)
    try:
        asyncio.run(work())
    except Exception as err:  # noqa: BLE001 - any failure: stop before the database is touched
        reason = f"{type(err).__name__}: {(str(err).splitlines() or [''])[0]}"
        where = (
            "the database rows are purged; delete these with `temporal workflow delete`"
            if after_database
            else "nothing was removed from the database; try again, or use --skip-temporal"
        )
        fail(f"cannot delete the Temporal histories ({reason}); {where}", EXIT_UNAVAILABLE)
    return set(workflow_ids)


__all__ = ["retention_app", "EXIT_BAD_INPUT"]
