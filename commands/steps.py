"""The changes every process accepts on any of its steps (workflows/process.py): done with evidence, an exemption
where the rule has grounds, a reassignment, a cancellation with a reason; and planning every open step again.

Each `prepare`-style function checks the change before Temporal is contacted and returns a Change to send to the
process (commands.base.send); the process is found by the caller (the CLI by case and rule, the web by its id).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from commands import checks
from commands.base import Actor, Change, Command, Context
from commands.errors import MISSING, NOT_OPEN
from statutory.clock import fmt
from workflows.models.common import Channel, Note, RuleId, SendDate, StaffId

if TYPE_CHECKING:
    from workflows.models import Exemption

# The workflow models' fields said as the commands': who claimed an exemption is who made the change.
NAMES = {"claimed_by": "by"}
# The termly reviews (workflows/termly.py), which are recorded as held (commands/termly.py), never as done.
# Each by its words and its command-line group.
TERMLY_REVIEWS = {"sen-support-review": ("SEN support", "support"), "pep-review": ("PEP", "pep")}


class StepDoneIn(Command):
    rule_id: RuleId
    done_on: SendDate
    method: Channel | None = None
    evidence: Note = ""


class ExemptionIn(Command):
    rule_id: RuleId
    ground: RuleId
    start: SendDate | None = None
    end: SendDate | None = None
    note: Note = ""


class CancellationIn(Command):
    rule_id: RuleId
    cancelled_on: SendDate
    reason: Note = ""


class ReassignmentIn(Command):
    rule_id: RuleId
    owner: StaffId
    reason: Note = ""


class ReplanIn(Command):
    """Plan every open step again with the rule book and the school calendar as they are now."""

    reason: Note = "the rule book or the school calendar changed"


def actor_checked(ctx: Context, actor: Actor) -> None:
    checks.staff(ctx.settings, by=actor.by)


def done(ctx: Context, cmd: StepDoneIn, actor: Actor, *, open_rules: Collection[str] | None = None) -> Change:
    """A step done, on a date not after today, by a member of staff."""
    import starter.processes
    from workflows.models import StepDone
    from workflows.reassessment import DECISION

    checks.known_rule(cmd.rule_id, open_rules)
    if cmd.rule_id == DECISION:
        checks.refuse(
            "rule_id",
            f"{DECISION} is done when the LA's decision is recorded: `sendclock reassessment "
            f"decided` (on the dashboard: the LA's decision on re-assessing)",
            NOT_OPEN,
        )
    if cmd.rule_id in TERMLY_REVIEWS:  # a review says who took part (workflows/termly.py)
        words, group = TERMLY_REVIEWS[cmd.rule_id]
        checks.refuse(
            "rule_id",
            f"a {words} review is recorded as held, with who took part: `sendclock {group} held` (on the "
            f"dashboard: Record the review as held)",
            NOT_OPEN,
        )
    done = checks.build(
        StepDone,
        NAMES,
        rule_id=cmd.rule_id,
        done_on=cmd.done_on,
        by=actor.by,
        method=cmd.method,
        evidence=cmd.evidence,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    checks.not_future("done_on", cmd.done_on, ctx.today())
    return Change(done, lambda *a: starter.processes.complete_step(*a), NAMES)


def exempt(ctx: Context, cmd: ExemptionIn, actor: Actor, *, open_rules: Collection[str] | None = None) -> Change:
    """An exemption on a step whose rule has the ground: the duty becomes "as soon as practicable"."""
    import starter.processes
    from workflows.models import StepExemption

    exemption = _exemption(ctx, cmd, actor, open_rules)
    request = StepExemption(rule_id=cmd.rule_id, exemption=exemption)
    return Change(request, lambda *a: starter.processes.exempt_step(*a), NAMES)


def _exemption(ctx: Context, cmd: ExemptionIn, actor: Actor, open_rules: Collection[str] | None) -> Exemption:
    from workflows.models import Exemption

    checks.known_rule(cmd.rule_id, open_rules)
    checks.ground(cmd.rule_id, cmd.ground, cmd.start)
    exemption = checks.build(
        Exemption,
        NAMES,
        ground=cmd.ground,
        start=cmd.start,
        end=cmd.end,
        note=cmd.note,
        claimed_by=actor.by,
        recorded_by=actor.recorded_by,
    )
    checks.not_future("start", cmd.start, ctx.today())
    if cmd.end is not None and cmd.start is not None:
        checks.not_before("end", cmd.end, cmd.start, f"{fmt(cmd.end)} is before the start ({fmt(cmd.start)})")
    actor_checked(ctx, actor)
    return exemption


def reassign(ctx: Context, cmd: ReassignmentIn, actor: Actor, *, open_rules: Collection[str] | None = None) -> Change:
    """A step handed to someone else in the staff directory."""
    import starter.processes
    from workflows.models import Reassignment

    checks.known_rule(cmd.rule_id, open_rules)
    change = checks.build(
        Reassignment,
        NAMES,
        rule_id=cmd.rule_id,
        owner=cmd.owner,
        by=actor.by,
        reason=cmd.reason,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    checks.staff(ctx.settings, owner=cmd.owner)
    return Change(change, lambda *a: starter.processes.reassign_step(*a), NAMES)


def cancel(ctx: Context, cmd: CancellationIn, actor: Actor, *, open_rules: Collection[str] | None = None) -> Change:
    """A step no longer needed, with the reason, on a date not after today."""
    import starter.processes
    from workflows.models import Cancellation

    checks.known_rule(cmd.rule_id, open_rules)
    cancellation = checks.build(
        Cancellation,
        NAMES,
        rule_id=cmd.rule_id,
        cancelled_on=cmd.cancelled_on,
        by=actor.by,
        reason=cmd.reason,
        recorded_by=actor.recorded_by,
    )
    if not cancellation.reason:
        checks.refuse("reason", "say why the step is cancelled", MISSING)
    actor_checked(ctx, actor)
    checks.not_future("cancelled_on", cmd.cancelled_on, ctx.today())
    return Change(cancellation, lambda *a: starter.processes.cancel_step(*a), NAMES)


def replan(ctx: Context, cmd: ReplanIn, actor: Actor) -> Change:
    """Every open step of a process planned again (each whose dates move is recorded and its owner told)."""
    import starter.processes
    from workflows.models import Replan

    request = checks.build(Replan, NAMES, by=actor.by, reason=cmd.reason, recorded_by=actor.recorded_by)
    actor_checked(ctx, actor)
    return Change(request, lambda *a: starter.processes.replan_steps(*a), NAMES)
