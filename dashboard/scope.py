"""What each role may see, in one place: the pages, the API and the calendar feeds ask a Scope, never the role.

- senco, leadership, auditor (dashboard.auth.ALL_READERS): every process, step, event and notice.
- staff: the steps they own, and of a case only what those steps need: the case reference, the process (its kind,
  LA, date received, whether it is open) and, of each of their steps, its dates, rule, explanation, state and its own
  history. Not theirs: other people's steps, the process's owner, outcome and facts (meeting dates, decisions,
  appeals), the process's own events, and other people's notes, evidence and reasons (an event of their step that
  someone else made keeps its dates, not its words). A case or process with none of their steps does not exist for
  them: the same 404 as an unknown reference, so a reference is never confirmed.
- a staff calendar feed: the steps of its staff member; the school feed: every open step.
- schools (issue 25): all of the above within the user's school (User.school: a school role's own); a trust role
  (trust-leadership, trust-auditor) reads every school, as leadership and an auditor do theirs, or the one school it
  narrowed to. A process, step, event or notice of another school does not exist for a school's user: the same 404 as
  an unknown one, and absent from every list. `Scope.school` is the filter every read passes to the store (None: every
  school; always None in a single-school deployment, which has nothing to filter).

An account or feed without a staff id owns nothing (NOBODY, a staff id no step has), so it never falls through to
"every step".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

NOBODY = "\0"  # no step has this owner
# The fields of an event's data a staff member sees when someone else made it: dates and states, never words.
PLAIN_FIELDS = frozenset(
    {
        "due",
        "target",
        "completed_on",
        "on_time",
        "days_late",
        "days_to_target",
        "days_overdue",
        "on",
        "kind",
        "method",
        "withdrawn_on",
        "cancelled_on",
        "ground",
        "start",
        "end",
        "from",
        "to",
    }
)


class HasOwner(Protocol):
    owner: str


@dataclass(frozen=True)
class ProcessPart:
    """What a staff member sees of a process: its identity, LA, date received and whether it is open. The owner,
    outcome and facts are None: not "none", not theirs to see."""

    workflow_id: str
    kind: str
    case_ref: str
    la: str
    status: str
    received_on: date
    school: str = "default"  # the school it belongs to (Process.school)
    owner: None = None
    outcome: None = None
    facts: None = None


@dataclass(frozen=True)
class EventPart:
    """An event as a staff member sees it: the event's data cut to PLAIN_FIELDS unless they made it."""

    key: str
    kind: str
    occurred_at: Any
    rule_id: str | None
    actor: str | None
    data: dict[str, Any]


def step_key(process_id: str, rule_id: str, instance: int) -> str:
    """The prefix of a step instance's event keys (workflows/step.py: "{workflow_id}/{rule_id}[#n]/...")."""
    return f"{process_id}/{rule_id}{'' if instance == 1 else f'#{instance}'}/"


@dataclass(frozen=True)
class Scope:
    everything: bool  # every step (of the school, or schools, it sees), not only the staff member's own
    staff_id: str | None = None
    school: str | None = None  # the one school it sees; None: every school of the deployment

    def sees_school(self, school: str | None) -> bool:
        """Whether a process, step, event or notice of `school` is for this scope at all."""
        return self.school is None or school == self.school

    @property
    def owner(self) -> str | None:
        """The owner to filter step and notice queries by: None for every one."""
        return None if self.everything else (self.staff_id or NOBODY)

    def sees(self, step: HasOwner) -> bool:
        return self.everything or (bool(self.staff_id) and step.owner == self.staff_id)

    def steps(self, steps: Iterable[Any]) -> list[Any]:
        return [s for s in steps if self.sees(s)]

    def sees_process(self, steps: Iterable[HasOwner]) -> bool:
        return self.everything or any(self.sees(s) for s in steps)

    def sees_notice(self, recipient: str | None) -> bool:
        return self.everything or (bool(self.staff_id) and recipient == self.staff_id)

    def process_view(
        self, process: Any, steps: list[Any], events: list[Any]
    ) -> tuple[Any, list[Any], list[Any]] | None:
        """(process, steps, events) as this scope sees them, or None when it does not see the process at all."""
        if not self.sees_school(getattr(process, "school", None)):
            return None
        if self.everything:
            return process, steps, events
        mine = self.steps(steps)
        if not mine:
            return None
        prefixes = tuple(step_key(process.workflow_id, s.rule_id, s.instance) for s in mine)
        history = [self._event(e) for e in events if e.key.startswith(prefixes)]
        part = ProcessPart(
            workflow_id=process.workflow_id,
            kind=process.kind,
            case_ref=process.case_ref,
            la=process.la,
            status=process.status,
            received_on=process.received_on,
            school=getattr(process, "school", "default"),
        )
        return part, mine, history

    def _event(self, event: Any) -> EventPart:
        data = dict(event.data or {})
        if event.actor != self.staff_id:
            data = {k: v for k, v in data.items() if k in PLAIN_FIELDS}
        return EventPart(
            key=event.key,
            kind=event.kind,
            occurred_at=event.occurred_at,
            rule_id=event.rule_id,
            actor=event.actor,
            data=data,
        )


def scope_of(user: Any) -> Scope:
    """What a signed-in user (dashboard.auth.User) may see: within its school (User.school; None: every school)."""
    school = getattr(user, "school", None)
    if user.sees_all:
        return Scope(everything=True, school=school)
    return Scope(everything=False, staff_id=user.staff_id, school=school)


def feed_scope(kind: str, staff_id: str | None, school: str | None = None) -> Scope:
    """What a calendar feed shows: the school feed every open step of its school, a staff feed its staff member's
    (at that school). `school` None: every school (a single-school deployment)."""
    if kind == "feed-school":
        return Scope(everything=True, school=school)
    return Scope(everything=False, staff_id=staff_id, school=school)
