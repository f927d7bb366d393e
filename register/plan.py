"""What importing the register would do, given the processes already running: a list of actions, shown before any
is taken.

The register says where each pupil is now; sendclock's processes say what is being tracked. The plan is the
difference, in a rule per SEN code and per looked-after (docs/register.md, "What the import does"), and nothing else:
an import changes nothing for a pupil who is not in the file (a partial export must never close processes), and never
ends an EHC plan's annual review (only the LA can cease a plan, and the annual review records it), and a file without
a looked-after column neither starts nor ends PEP reviews. Importing the same file again, once its actions are done,
plans nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from register.rows import RegisterRow
from statutory.clock import fmt

__all__ = ["ANNUAL_REVIEW", "PEP_REVIEW", "SEN_SUPPORT", "Action", "Do", "Reason", "Running", "absent", "plan_import"]

# The process kinds the import starts and ends, by their registry names (workflows/registry.py).
SEN_SUPPORT = "sen-support"  # the SEN support cycle: assess, plan, do, review
PEP_REVIEW = "pep-review"  # a looked-after pupil's personal education plan reviews
ANNUAL_REVIEW = "annual-review"  # the EHC plan's annual review

Do = Literal["end-support", "end-pep", "start-review", "start-support", "start-pep", "note"]
Reason = Literal["needs-met", "ehc-plan", "no-longer-looked-after", "annual-review-open"]
_ORDER: Mapping[str, int] = {do: rank for rank, do in enumerate(get_args(Do))}  # ends, then starts, then notes
_CODE_WORDS = {"K": "SEN support (K)", "E": "an EHC plan (E)", "N": "no special educational need (N)"}


@dataclass(frozen=True)
class Running:
    """The open processes of one case, by registry kind."""

    kinds: frozenset[str]


@dataclass(frozen=True)
class Action:
    """One thing the import would do for one pupil."""

    case_ref: str
    line: int  # the row's line in the file
    do: Do
    reason: Reason | None  # end-support: needs-met or ehc-plan; end-pep: no-longer-looked-after; note: why
    row: RegisterRow

    def sentence(self) -> str:
        """The action in plain English, for the summary shown before the import runs."""
        row = self.row
        worker = f"key worker: {row.key_worker}" if row.key_worker else "key worker: the default"
        match self.do:
            case "start-support":
                what = f"start the SEN support reviews ({worker})"
            case "start-review" if row.plan_date is not None:
                what = (
                    f"start the EHC plan's annual review (LA: {row.la}; plan or last annual review "
                    f"{fmt(row.plan_date)}; {worker})"
                )
            case "start-pep":
                what = f"start the PEP reviews (looked after; {worker})"
            case "end-support" if self.reason == "ehc-plan":
                what = "end the SEN support reviews (an EHC plan was made)"
            case "end-support":
                what = "end the SEN support reviews (no longer on SEN support: needs met)"
            case "end-pep":
                what = "end the PEP reviews (no longer looked after)"
            case _:
                what = (
                    f"the register says {_CODE_WORDS[row.sen_code]}, but the EHC plan's annual review is open: "
                    "sendclock ends nothing, as only the LA can cease a plan (record its decision in the annual review)"
                )
        return f"{self.case_ref}: {what}."


def _actions(row: RegisterRow, kinds: frozenset[str]) -> list[Action]:
    def act(do: Do, reason: Reason | None = None) -> Action:
        return Action(row.case_ref, row.line, do, reason, row)

    found: list[Action] = []
    support, review, pep = SEN_SUPPORT in kinds, ANNUAL_REVIEW in kinds, PEP_REVIEW in kinds
    if row.sen_code == "E":
        if support:
            found.append(act("end-support", "ehc-plan"))
        if not review:
            found.append(act("start-review"))
    elif review:  # K or N while the plan's annual review is open: the LA's decision, not the register's
        found.append(act("note", "annual-review-open"))
    elif row.sen_code == "K" and not support:
        found.append(act("start-support"))
    elif row.sen_code == "N" and support:
        found.append(act("end-support", "needs-met"))
    if row.looked_after is True and not pep:
        found.append(act("start-pep"))
    elif row.looked_after is False and pep:
        found.append(act("end-pep", "no-longer-looked-after"))
    return found


def plan_import(rows: Sequence[RegisterRow], running: Mapping[str, Running]) -> list[Action]:
    """What importing `rows` would do, given the open processes of each case (`running`, by case reference; a case
    with none may be absent). In the file's order, by line; within a row ends before starts, then notes."""
    lines: dict[str, int] = {}
    for row in rows:
        if row.case_ref in lines:
            raise ValueError(f"the case reference on line {row.line} is already on line {lines[row.case_ref]}")
        lines[row.case_ref] = row.line
    nothing = Running(frozenset())
    actions = [action for row in rows for action in _actions(row, running.get(row.case_ref, nothing).kinds)]
    return sorted(actions, key=lambda a: (a.line, _ORDER[a.do]))


def absent(rows: Sequence[RegisterRow], running: Mapping[str, Running]) -> list[str]:
    """The cases with open processes that the file does not mention (the import leaves them as they are), sorted:
    for a summary line ("3 cases with open processes are not in the file: nothing is changed for them")."""
    present = {row.case_ref for row in rows}
    return sorted(ref for ref, open_ in running.items() if open_.kinds and ref not in present)
