"""`sendclock <group> start`: one command per process kind, built from its start command (commands/start.py).

Each field of the start command carries its flag and help (a `Flag` in its annotation); its type gives the option's
(a date is typed YYYY-MM-DD and read by parse_date, which names the flag when it is not a date; an int is an int; the
rest is text the model checks); a field the model requires is a required option, and a default is the option's.
Every start also takes --json and --school (which school of a trust: required when there are several; the command
runs with that school's view of the settings), and a start about a pupil (one with a case reference: not a school
duty) --initials.
The output is the started process (format.py), with a warning line for each open step whose plan carries one (a
transfer on or before the date reg 18 sets).

A kind whose group has no module of its own yet gets a group here, described by its start command's docstring.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Annotated, Any

import typer
from typer.models import CommandInfo

import starter.cli.format as out
from starter.cli.common import (
    InitialsOption,
    SchoolOption,
    checked,
    context,
    load_school_settings,
    parse_date,
    run_async,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _option_type(annotation: Any) -> tuple[type, bool]:
    """The option's Python type (str for dates, enums and text; int for an int) and whether it is a date."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = (
        args[0]
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
        else annotation
    )
    if base is date:
        return str, True
    if isinstance(base, type) and issubclass(base, int) and not issubclass(base, (bool, Enum)):
        return int, False
    return str, False


def _annotated(python_type: Any, option: Any) -> Any:
    """Annotated[python_type, option], built at run time (Typer reads options from parameters' annotations)."""
    return Annotated[python_type, option]


def _cli_default(field: Any) -> Any:
    default = field.default
    return default.value if isinstance(default, Enum) else default


def start_command(kind: str) -> Callable[..., None]:
    """The Typer command that starts a process of `kind` from its flags."""
    from commands.start import START_COMMANDS, Flag

    model = START_COMMANDS[kind]
    flags: dict[str, str] = {}
    dates: set[str] = set()
    params: list[inspect.Parameter] = []
    for name, field in model.model_fields.items():
        flag = next(m for m in field.metadata if isinstance(m, Flag))
        flags[name] = flag.name
        kind_of, is_date = _option_type(field.annotation)
        if is_date:
            dates.add(name)
        required = field.is_required()
        option = typer.Option(flag.name, help=flag.help)
        annotation = _annotated(kind_of if required else kind_of | None, option)
        default = inspect.Parameter.empty if required else _cli_default(field)
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
    if "case_ref" in model.model_fields:  # a pupil's process (a school duty has no pupil, no initials)
        params.append(
            inspect.Parameter("initials", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=InitialsOption)
        )
    params.append(inspect.Parameter("school", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=SchoolOption))
    params.append(inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonOption))

    def start(**values: Any) -> None:
        from commands import start as starting

        initials, as_json, school = values.pop("initials", None), values.pop("as_json"), values.pop("school")
        settings = load_school_settings(school)  # the school's view: its staff, calendar, LAs and workflow ids
        for name in dates:
            values[name] = parse_date(flags[name], values[name])
        ctx = context(settings)
        # Bad input fails before Temporal is contacted (a date no rule was in force on says so first).
        cmd = checked(flags, lambda: starting.parse(kind, values))
        ready = checked(flags, lambda: starting.prepare(ctx, kind, cmd, initials=initials))
        started = run_async(lambda: starting.launch(ctx, ready), flags)
        warnings = out.plan_warnings(started.state)
        if as_json:
            typer.echo(json.dumps(out.started_json(started.state, created=started.created, warnings=warnings)))
        else:
            typer.echo(out.started_process_text(started.state, started.created, settings))
            for line in warnings:
                typer.echo(line)

    start.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    start.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    start.__doc__ = model.cli_help
    start.__name__ = f"{model.cli_group}_start"
    return start


def add_start_commands(root: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Put `start` first in each process kind's group (a kind with no group yet gets one, added to `root`)."""
    from commands.start import START_COMMANDS

    for kind, model in START_COMMANDS.items():
        group = model.cli_group
        if group not in groups:
            groups[group] = typer.Typer(help=model.__doc__, no_args_is_help=True)
            root.add_typer(groups[group], name=group)
        groups[group].registered_commands.insert(0, CommandInfo(name="start", callback=start_command(kind)))
