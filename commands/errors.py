"""How a command refuses: one `Problem` per bad field (the field, the reason in a SENCO's words, a short machine code),
carried by `Refused` with the status the web answers (422 bad input, 404 an unknown thing, 403 not allowed).

The CLI says each field as its flag ("--received: ...", exit 2), the forms show each reason next to its field, the API
answers 422 with one entry per field. A workflow refuses an update the same way (workflows/refusal.py), and
starter/requests.py turns its failure into `Refused` (reading the old "field: reason" text form too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

FORM = "form"  # the field of a problem with the request as a whole (no one field to point at)

# The codes (a short machine word for a client to act on; the reason is for people).
INVALID = "invalid"  # the value is malformed or not allowed (the model's own checks)
MISSING = "missing"  # a required field is missing
UNKNOWN_FIELD = "unknown_field"  # a field the command does not take
IN_FUTURE = "in_future"  # a date after today, for something that has happened
NOT_IN_FORCE = "not_in_force"  # no version of the rule was in force on the date
BEFORE_RECEIVED = "before_received"  # a date before the one it follows (received, the last assessment, start ...)
UNKNOWN_STAFF = "unknown_staff"  # no such staff id in the staff directory
UNKNOWN_RULE = "unknown_rule"  # no such rule in the rule book
UNKNOWN_GROUND = "unknown_ground"  # the rule has no such exemption ground (or none)
NOT_OPEN = "not_open"  # the step or process is not open to this change
CONFLICT = "conflict"  # it contradicts what the process already holds
NOT_FOUND = "not_found"  # no such process (or the change does not apply to it)
FORBIDDEN = "forbidden"  # the caller may not make this change


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of a command."""

    field: str  # the command's field (FORM: the request as a whole)
    reason: str  # in plain words, without the field's name
    code: str = INVALID

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"

    @classmethod
    def from_text(cls, message: str, code: str = INVALID) -> Problem:
        """The older text form "field: reason" (a field is one word); anything else is about the whole request."""
        name, sep, reason = message.partition(":")
        name = name.strip()
        if sep and name and " " not in name and "'" not in name:
            return cls(name, reason.strip(), code)
        return cls(FORM, message.strip(), code)


class Refused(ValueError):
    """A command refused, with every problem found and the status the web answers (422 by default).

    Built from Problems, or from text in the older "field: reason" form (RequestError("la: ...") still works)."""

    def __init__(self, problems: Problem | str | Iterable[Problem], status: int = 422) -> None:
        if isinstance(problems, str):
            found = [Problem.from_text(problems)]
        elif isinstance(problems, Problem):
            found = [problems]
        else:
            found = list(problems)
        if not found:
            raise ValueError("Refused needs at least one problem")
        self.problems: list[Problem] = found
        self.status = status
        super().__init__("; ".join(str(p) for p in found))

    @property
    def first(self) -> Problem:
        return self.problems[0]

    def by_field(self) -> dict[str, str]:
        """Each field's first reason, in the order found."""
        found: dict[str, str] = {}
        for problem in self.problems:
            found.setdefault(problem.field, problem.reason)
        return found

    def renamed(self, names: Mapping[str, str]) -> Refused:
        """The same problems, their fields said as `names` says (a workflow model's field as the command's)."""
        if not any(p.field in names for p in self.problems):
            return self
        err = type(self)([replace(p, field=names.get(p.field, p.field)) for p in self.problems], self.status)
        err.__cause__ = self.__cause__
        return err


class Forbidden(Exception):
    """The caller may not make this change (staff changing another person's step)."""


class Unavailable(Exception):
    """Temporal could not be reached: nothing was started or changed."""


def problems_of(err: object, names: Mapping[str, str] | None = None) -> list[Problem]:
    """A pydantic ValidationError as Problems: one per error, on the field it names (a whole-model check names its
    field in its message, "field: reason"), renamed by `names`."""
    names = names or {}
    found = []
    for e in err.errors():  # type: ignore[attr-defined]
        message = str(e["msg"]).removeprefix("Value error, ")
        code = MISSING if e["type"] == "missing" else UNKNOWN_FIELD if e["type"] == "extra_forbidden" else INVALID
        problem = Problem(str(e["loc"][0]), message, code) if e["loc"] else Problem.from_text(message, code)
        found.append(replace(problem, field=names.get(problem.field, problem.field)))
    return found
