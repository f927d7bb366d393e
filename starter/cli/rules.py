"""`sendclock rules` and `sendclock deadline`: the rule book, and a rule applied to a date (starter/deadline.py)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

import starter.cli.format as out
from starter.cli.common import SCHOOL_ENV, fail, load_settings, parse_date, school_settings

# Top-level commands: starter/cli/__init__.py merges them into the root app.
commands = typer.Typer()


@commands.command("rules")
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
                span = (
                    f"from {fmt(old.effective_from)}"
                    if old.effective_to is None
                    else f"for {fmt(old.effective_from)} to {fmt(old.effective_to)}"
                )
                typer.echo(f"{'':<28} {span}: {old.period} ({old.basis})")


@commands.command("deadline")
def deadline_command(
    rule: Annotated[str, typer.Argument(help="Rule id, e.g. ehc-advice (see `sendclock rules`).")],
    from_: Annotated[str, typer.Option("--from", help="The anchor date, YYYY-MM-DD.")],
    closed: Annotated[
        list[str] | None, typer.Option("--closed", help="A school closure START:END (inclusive); repeatable.")
    ] = None,
    post16: Annotated[
        bool,
        typer.Option(
            "--post16", help="phase-transfer-meeting-by: plan back from the post-16 date (31 March), not 15 February."
        ),
    ] = False,
    la: Annotated[
        str | None,
        typer.Option(
            "--la",
            help="phase-transfer-meeting-by: use this LA's own date for transfer-year meetings; review-notice, "
            "review-advice-circulation: show this LA's practice date beside the statutory one (settings: las).",
        ),
    ] = None,
    reading: Annotated[
        str | None,
        typer.Option(
            "--reading", help="Notice periods (C3): clear (the safe reading) or inclusive; default from settings."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    school: Annotated[
        str | None,
        typer.Option(
            "--school",
            envvar=SCHOOL_ENV,
            help="Count with this school's calendar and LA profiles (settings schools.<id>); without it, the "
            "top-level calendar. Starts nothing, so never required.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compute the due (statutory) and target (working) dates of a rule from an anchor date."""
    from commands.errors import Refused
    from starter.deadline import explain_deadline
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
    if school is not None:  # a school named: its view (an unknown one refused, naming --school)
        settings = school_settings(settings, school)
    try:
        deadline = explain_deadline(settings, rule, anchor, post16=post16, la=la, reading=reading, closures=extra)
    except Refused as err:
        fail(f"{DEADLINE_FLAGS.get(err.first.field, err.first.field)}: {err.first.reason}")
    typer.echo(
        json.dumps(out.deadline_json(deadline)) if as_json else out.deadline_text(deadline, get_rule(rule, on=anchor))
    )


DEADLINE_FLAGS = {"rule": "RULE", "from": "--from", "post16": "--post16", "la": "--la", "reading": "--reading"}
