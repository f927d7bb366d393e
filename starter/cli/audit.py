"""`sendclock audit ...`: export a process's Temporal history, replay it against the current code, check the
database against the histories and its hash chain, archive closed histories, print a case report, make a signed
evidence bundle of a case and check one, print the audit record's fingerprint now (`audit head`) and check the ones
sent each working day (`audit heads`).

Exit codes: 0 all good; 2 bad input (one line naming the argument); 1 Temporal or the database unreachable (for
check-bundle: a check could not be run); 3 the check ran and found a problem (the code does not reproduce a history;
the database differs from it; a bundle fails a check).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand

from starter.cli.common import SchoolOption, db_session, fail, load_settings, parse_date, run_async, school_settings

audit_app = typer.Typer(
    help="Auditing: export a process's history, replay it, verify the database, print a report, "
    "bundle a case for an outsider and check a bundle.",
    no_args_is_help=True,
)
EXIT_FINDING = 3
EXIT_UNAVAILABLE = 1

TargetArg = Annotated[
    str,
    typer.Argument(
        metavar="FILE|WORKFLOW_ID", help="An exported history file, or a workflow ID (Temporal or the archive)."
    ),
]


def _roles(settings):
    from audit.render import Roles

    return Roles(settings.staff)


async def _load(target: str, settings, name: str):
    """Histories for `target`, with every failure turned into one line and the right exit code."""
    from audit import source
    from audit.archive import ArchiveTampered
    from audit.converter import EncryptedHistoryError
    from audit.history import HistoryFormatError

    try:
        return await source.load(target, settings)
    except FileNotFoundError as err:
        fail(f"{name}: {err}")
    except HistoryFormatError as err:
        fail(f"{name}: {target} is not a Temporal history: {err}")
    except source.NothingFound as err:
        fail(f"{name}: {err}")
    except source.TemporalUnavailable as err:
        fail(f"{err}; is `make up` running?", EXIT_UNAVAILABLE)
    except EncryptedHistoryError as err:
        fail(f"{name}: {err}")
    except ArchiveTampered as err:
        fail(f"{name}: {err}", EXIT_FINDING)


@audit_app.command("export")
def export_command(
    workflow_id: Annotated[str, typer.Argument(metavar="WORKFLOW_ID", help="The process's workflow ID.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: standard output).")] = None,
) -> None:
    """Write the process's full history as JSON (the `temporal workflow show --output json` format; several runs,
    e.g. an annual review that continued as new, as a bundle of such documents)."""
    from audit import history

    settings = load_settings()
    if out is not None and out.is_dir():
        fail(f"--out: {out} is a directory; give a file name")

    async def work():
        from audit import source

        try:
            return await source.from_workflow(workflow_id, settings)
        except source.NothingFound as err:
            fail(f"WORKFLOW_ID: {err}")
        except source.TemporalUnavailable as err:
            fail(f"{err}; is `make up` running?", EXIT_UNAVAILABLE)

    loaded = run_async(work)
    text = history.dumps(loaded.runs)
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as err:
            fail(f"--out: cannot write {out} ({err.strerror})")
    events = sum(len(r.events) for r in loaded.runs)
    typer.echo(
        f"exported {len(loaded.runs)} run(s), {events} events of {workflow_id} from {loaded.origin}"
        + (f" to {out}" if out else ""),
        err=True,
    )


@audit_app.command("replay")
def replay_command(
    target: TargetArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replay the history against the current code: does it reproduce the recorded decisions? Then the statutory
    timeline, from the history alone. Exits 3 if the code diverges."""
    from audit import render, replay, timeline
    from audit.converter import data_converter
    from audit.source import by_workflow
    from config.school_calendar import school_calendar

    settings = load_settings()

    async def work():
        loaded = await _load(target, settings, "FILE|WORKFLOW_ID")
        converter = data_converter(settings)
        groups = by_workflow(loaded.runs)
        verdicts = [await replay.verdict(group, converter) for group in groups]
        timelines = [
            timeline.build(
                group,
                converter,
                calendar=school_calendar(settings),
                working_days=settings.audit.backdating_working_days,
            )
            for group in groups
        ]
        return loaded, verdicts, timelines

    loaded, verdicts, timelines = run_async(work)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "origin": loaded.origin,
                    "processes": [
                        {"verdict": v.as_dict(), "timeline": _timeline_json(t)}
                        for v, t in zip(verdicts, timelines, strict=True)  # one verdict per timeline
                    ],
                },
                indent=2,
                default=str,
            )
        )
    else:
        roles = _roles(settings)
        typer.echo(f"History from {loaded.origin}.")
        for v, t in zip(verdicts, timelines, strict=True):
            typer.echo(f"\n{v.text()}\n\n{render.timeline_text(t, roles)}")
    if not all(v.reproduced for v in verdicts):
        raise typer.Exit(EXIT_FINDING)


def _timeline_json(t) -> dict:
    return {
        "workflow_id": t.workflow_id,
        "case_ref": t.case_ref,
        "process": t.process_kind,
        "la": t.la,
        "received_on": t.received_on,
        "status": t.status,
        "outcome": t.outcome,
        "closed": t.closed,
        "runs": t.runs,
        "steps": [
            {k: v for k, v in vars(s).items() if k != "reminders"}
            | {
                "reminders": [
                    {"on": r.on, "kind": r.data.get("kind"), "recipients": r.data.get("recipients")}
                    for r in s.reminders
                ]
            }
            for s in t.steps
        ],
        "entries": [
            {
                "on": e.on,
                "at": e.at,
                "kind": e.kind,
                "rule_id": e.rule_id,
                "actor": e.actor,
                "data": e.data,
                "event_id": e.event_id,
            }
            for e in t.entries
        ],
    }


@audit_app.command("verify")
def verify_command(
    since: Annotated[
        str | None, typer.Option("--since", help="Only processes closed on or after (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Compare every closed process's timeline (from its history) with the database rows, and check the event
    table's hash chain. Reports rows edited, deleted or missing; exits 3 on any difference."""
    from sqlalchemy.exc import OperationalError

    from audit.verify import verify
    from store.db import make_engine, make_sessionmaker

    settings = load_settings()
    since_date = parse_date("--since", since)
    engine = make_engine(settings.resolved_database_url)
    try:
        report = run_async(lambda: verify(settings, make_sessionmaker(engine), since_date))
    except OperationalError as err:
        fail(
            f"cannot read the database ({str(err.orig).splitlines()[0]}); run `sendclock db upgrade`?", EXIT_UNAVAILABLE
        )
    finally:
        engine.dispose()
    typer.echo(report.text())
    if not report.clean:
        raise typer.Exit(EXIT_FINDING)
    if report.skipped:  # nothing wrong found, but not everything could be checked
        raise typer.Exit(EXIT_UNAVAILABLE)


class _HiddenArgumentsLeftOut(TyperCommand):
    """A command whose hidden arguments are left out of its usage line too (Typer leaves them out of the list of
    arguments only): `audit report`'s old positional case reference."""

    def collect_usage_pieces(self, ctx):
        hidden = {
            piece for p in self.get_params(ctx) if getattr(p, "hidden", False) for piece in p.get_usage_pieces(ctx)
        }
        return [piece for piece in super().collect_usage_pieces(ctx) if piece not in hidden]


@audit_app.command("report", cls=_HiddenArgumentsLeftOut)
def report_command(
    case: Annotated[str | None, typer.Option("--case", help="The school's case reference.")] = None,
    format: Annotated[str, typer.Option("--format", help="html, pdf or csv.")] = "html",
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: <case>-audit.<format>).")] = None,
    positional: Annotated[
        str | None,
        # The case as the first argument, as before --case: kept for the scripts that call it so, out of the help.
        typer.Argument(metavar="CASE_REF", help="The case reference (use --case).", hidden=True, show_default=False),
    ] = None,
    school: SchoolOption = None,
) -> None:
    """A printable timeline of every process of one case, from the histories (the case at the school named by
    --school, where the deployment has several)."""
    from audit import report
    from workflows.models import CASE_REF_PATTERN

    if case is not None and positional is not None and case != positional:
        fail(f"--case: two cases given ({case!r} with --case, {positional!r} before it); give one, with --case")
    case_ref = case if case is not None else positional
    if case_ref is None:
        fail("--case: give the case reference (--case REF)")
    if format not in report.FORMATS:
        fail(f"--format: {format!r} is not one of {', '.join(report.FORMATS)}")
    if not re.fullmatch(CASE_REF_PATTERN, case_ref):
        fail(f"--case: {case_ref!r} is not a case reference (letters, digits, '.', '_', '-')")
    settings = school_settings(load_settings(), school)
    target = out or Path(f"{case_ref}-audit.{format}")

    async def work():
        from audit import source

        try:
            return await report.build(settings, case_ref)
        except report.NoProcesses as err:
            fail(f"--case: {err}")
        except source.TemporalUnavailable as err:
            fail(f"{err}; is `make up` running?", EXIT_UNAVAILABLE)

    built = run_async(work)
    try:
        report.write(built, format, target, _roles(settings))
    except report.PdfUnavailable as err:
        fail(f"--format: {err}")
    except OSError as err:
        fail(f"--out: cannot write {target} ({err.strerror})")
    typer.echo(f"wrote {target} ({len(built.timelines)} process(es) of case {case_ref})")


@audit_app.command("archive")
def archive_command() -> None:
    """Archive every newly closed run's history now (the worker's hourly schedule does the same)."""
    from audit.archive import archive_dir
    from starter.client.archiving import archive_closed_now

    settings = load_settings()
    result = run_async(lambda: archive_closed_now(settings))
    typer.echo(f"archived {result.archived} run(s) ({result.already} already archived) under {archive_dir(settings)}")


@audit_app.command("bundle")
def bundle_command(
    case_ref: Annotated[str, typer.Option("--case", help="The school's case reference.")],
    out: Annotated[Path, typer.Option("--out", help="The zip file to write (it must not exist yet).")],
    school: SchoolOption = None,
) -> None:
    """One signed zip of a case for an outsider to check (`sendclock audit check-bundle`): every history of its
    processes (decoded), the timeline, the report, its rows of the hash chain, what `audit verify` says, the public
    key, and a signed manifest. Needs the signing key (`sendclock key new --signing`)."""
    from sqlalchemy.exc import OperationalError

    from audit import bundle, report, source
    from audit.archive import ArchiveTampered
    from audit.converter import EncryptedHistoryError
    from security import signing
    from starter.cli.keys import load_signing_key
    from store.db import make_engine, make_sessionmaker
    from workflows.models import CASE_REF_PATTERN

    if not re.fullmatch(CASE_REF_PATTERN, case_ref):
        fail(f"--case: {case_ref!r} is not a case reference (letters, digits, '.', '_', '-')")
    if out.exists():
        fail(f"--out: {out} already exists; give a new file name (a bundle is never written over)")
    if not out.parent.is_dir():
        fail(f"--out: the folder {out.parent} does not exist")
    settings = school_settings(load_settings(), school)  # the case at one school: two may use the same reference
    key = load_signing_key(settings)
    if key is None:
        fail(
            f"no signing key at {signing.key_path(settings)}: make one with `sendclock key new --signing` "
            "(see docs/auditing.md)"
        )
    engine = make_engine(settings.resolved_database_url)

    async def work():
        try:
            return await bundle.build(settings, case_ref, key, make_sessionmaker(engine))
        except report.NoProcesses as err:
            fail(f"--case: {err}")
        except bundle.NoHistory as err:
            fail(f"--case: {err}", EXIT_FINDING)
        except source.TemporalUnavailable as err:
            fail(f"{err}; is `make up` running?", EXIT_UNAVAILABLE)
        except EncryptedHistoryError as err:
            fail(f"--case: {err}")
        except ArchiveTampered as err:
            fail(f"--case: {err}", EXIT_FINDING)

    try:
        made = run_async(work)
    except OperationalError as err:
        fail(
            f"cannot read the database ({str(err.orig).splitlines()[0]}); run `sendclock db upgrade`?", EXIT_UNAVAILABLE
        )
    finally:
        engine.dispose()
    try:
        bundle.write(made, out)
    except OSError as err:
        fail(f"--out: cannot write {out} ({err.strerror})")
    typer.echo(
        f"Wrote {out}: case {case_ref}, {len(made.processes)} process(es), {len(made.runs)} run(s), signed "
        f"with the key of fingerprint {key.fingerprint}."
    )
    if bundle.REPORT_PDF not in made.files:
        typer.echo(f"The bundle has no {bundle.REPORT_PDF} ({made.pdf_note.removeprefix('not included: ')}).")
    if not made.clean:
        typer.echo(f"`sendclock audit verify` found differences for this case: they are in {bundle.VERIFICATION}.")
    typer.echo(
        "Anyone can check it with `sendclock audit check-bundle`; give them the key's fingerprint by another "
        "route, to compare."
    )


@audit_app.command("check-bundle")
def check_bundle_command(
    file: Annotated[Path, typer.Argument(metavar="FILE.zip", help="An evidence bundle (`sendclock audit bundle`).")],
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            metavar="B64",
            help="The school's public key (base64), to check the bundle was signed with it.",
        ),
    ] = None,
) -> None:
    """Check an evidence bundle with nothing but the zip (no database, Temporal or key): its signature, every
    file against the manifest, the hash chain segment, the records against the histories, and a replay of the
    histories against the current code. Exits 0 if every check passed, 3 if one failed, 1 if one could not run."""
    from audit import check_bundle
    from security import signing

    expected = None
    if public_key is not None:
        try:
            expected = signing.parse_public_key(public_key, "the key")
        except signing.SigningKeyError as err:
            fail(f"--public-key: {err} (give the base64 text of public-key.txt, as the school publishes it)")

    async def work():
        try:
            return await check_bundle.check_async(file, expected)
        except check_bundle.NotABundle as err:
            fail(f"FILE.zip: {err}")

    result = run_async(work)
    for line in result.lines():
        typer.echo(line)
    raise typer.Exit(result.exit_code)


# --- the audit record's fingerprints (issue 21; store/chain_heads.py) ----------------------------------------------
# `audit head` prints the head of the event table's hash chain as it is now, to compare with an e-mail someone kept.
# `audit heads` lists what was sent (newest first) and checks each against the record: exit code 3 when one no longer
# matches (the record was changed after it was sent), as `sendclock audit verify` does.


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
    typer.echo(
        f"The audit record's fingerprint is now {head.fingerprint}: it has {head.rows:,} "
        f"entr{'y' if head.rows == 1 else 'ies'}, and the last is entry no. {head.event_id:,}."
    )
    typer.echo(f"In full: {head.hash}")


@audit_app.command("heads")
def heads_command(
    full: Annotated[bool, typer.Option("--full", help="Print each fingerprint in full (64 hex digits).")] = False,
) -> None:
    """List the audit record's fingerprints sent to the SENCO and auditors (date, entries, fingerprint), newest first,
    and check each against the record now; exits 3 when one no longer matches."""
    from starter.cli.format import staff_name
    from statutory.clock import fmt
    from store.chain_heads import check_published, fingerprint, published_heads

    settings = load_settings()
    with db_session(settings) as session:
        heads = published_heads(session)
        problems = check_published(session)
    if not heads:
        at = settings.notifications.chain_head.at
        typer.echo(
            f"No fingerprint has been sent yet: the worker sends one each working day at {at:%H:%M} "
            f"(schedule {settings.temporal.task_queue}-chain-head)."
        )
        return
    typer.echo(f"{len(heads)} fingerprint(s) of the audit record sent, newest first:")
    for head in heads:
        shown = head.hash if full else fingerprint(head.hash)
        entries = (
            f"{head.rows:,} entr{'y' if head.rows == 1 else 'ies'} up to entry no. {head.event_id:,}"
            if head.event_id is not None
            else "no entries yet"
        )
        sent_to = (
            ", ".join(staff_name(settings, r) for r in head.recipients)
            or "nobody (no SENCO or auditor in the staff directory)"
        )
        typer.echo(f"  {fmt(head.published_on)}: {shown}, {entries}; sent to {sent_to}.")
    if problems:
        typer.echo(f"{len(problems)} no longer match(es) the record:")
        for problem in problems:
            typer.echo(f"  - {problem}.")
        raise typer.Exit(EXIT_FINDING)
    typer.echo("Each still matches the record.")
