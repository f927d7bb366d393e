"""The checks a command makes before Temporal is contacted, against the settings, the rule book and today: each
refuses with a Problem naming the command's field (commands/errors.py). What the workflow alone can know (is the step
open? was the meeting held?) stays the workflow's to say."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from commands.errors import (
    BEFORE_RECEIVED,
    IN_FUTURE,
    INVALID,
    NOT_IN_FORCE,
    UNKNOWN_GROUND,
    UNKNOWN_RULE,
    UNKNOWN_STAFF,
    Problem,
    Refused,
    problems_of,
)
from statutory.clock import fmt

M = TypeVar("M", bound=BaseModel)


def refuse(field: str, reason: str, code: str = INVALID, status: int = 422) -> NoReturn:
    raise Refused(Problem(field, reason, code), status)


def build(model: type[M], names: Mapping[str, str] | None = None, /, **fields: Any) -> M:
    """`model(**fields)`, its validation errors as Problems on the command's fields (`names`: model field -> the
    command's)."""
    try:
        return model(**fields)
    except ValidationError as err:
        raise Refused(problems_of(err, names)) from None


def parse(model: type[M], data: Any, names: Mapping[str, str] | None = None) -> M:
    """A command's input from a mapping (a form's fields, a JSON body, the CLI's flags): every bad field at once."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise Refused(problems_of(err, names)) from None


def staff(settings: Any, **fields: str | None) -> None:
    """Each given staff id is in the staff directory (settings.staff)."""
    for field, staff_id in fields.items():
        if staff_id not in settings.staff:
            known = ", ".join(sorted(settings.staff)) or "none configured"
            refuse(field, f"no staff member with id {staff_id!r} (known: {known})", UNKNOWN_STAFF)


def not_future(field: str, value: date | None, today: date) -> None:
    """Something that happened cannot have happened after today (the school's date: commands/clock.py)."""
    if value is not None and value > today:
        refuse(field, f"{fmt(value)} is in the future (today is {fmt(today)})", IN_FUTURE)


def in_force(field: str, rule_id: str, on: date) -> None:
    """A rule no version of which was in force on the date could never be planned."""
    from statutory import get_rule

    try:
        get_rule(rule_id, on=on)
    except ValueError as err:
        refuse(field, str(err), NOT_IN_FORCE)


def not_before(field: str, value: date | None, earlier: date | None, reason: str) -> None:
    """`value` is not before `earlier` (the date it follows); `reason` says why it would be wrong."""
    if value is not None and earlier is not None and value < earlier:
        refuse(field, reason, BEFORE_RECEIVED)


def known_rule(rule_id: str, open_rules: Collection[str] | None = None) -> None:
    """A rule the rule book has (with the open steps of the process, when known, as a hint)."""
    from statutory import rule_ids

    if rule_id not in rule_ids():
        hint = (
            f"open steps here: {', '.join(sorted(open_rules)) or 'none'}"
            if open_rules is not None
            else "see `sendclock rules`"
        )
        refuse("rule_id", f"unknown rule {rule_id!r} ({hint})", UNKNOWN_RULE)


def ground(rule_id: str, ground_id: str, start: date | None) -> None:
    """An exemption ground the rule has, with the date the circumstances began when the ground needs it."""
    from statutory import get_ground

    try:
        found = get_ground(rule_id, ground_id)
    except ValueError as err:
        refuse("ground", str(err), UNKNOWN_GROUND)
    if found.needs_period and start is None:
        refuse("start", f"ground {ground_id} needs the date the circumstances began", "missing")
