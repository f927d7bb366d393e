"""The moves of a re-assessment (workflows/reassessment.py, regs 24-27): the school's request sent to the LA, and the
LA's decision on it."""

from __future__ import annotations

from typing import Literal

from commands import checks
from commands.base import Actor, Change, Command, Context
from commands.steps import NAMES, StepDoneIn, actor_checked, done
from workflows.models.common import Note, SendDate


class RequestSentIn(Command):
    """The request to re-assess went to the LA (the earliest-date step done)."""

    done_on: SendDate
    evidence: Note = ""


class ReassessmentDecisionIn(Command):
    decided_on: SendDate
    decision: Literal["reassess", "refused"]
    evidence: Note = ""


def request_sent(ctx: Context, cmd: RequestSentIn, actor: Actor) -> Change:
    """The request sent: the LA's 15 days to decide start (reg 25)."""
    from workflows.reassessment import EARLIEST

    return done(ctx, StepDoneIn(rule_id=EARLIEST, done_on=cmd.done_on, evidence=cmd.evidence), actor)


def decided(ctx: Context, cmd: ReassessmentDecisionIn, actor: Actor, **_: object) -> Change:
    """The LA's decision: re-assess (the 14 weeks for the final plan start) or not (the process ends)."""
    import starter.processes
    from workflows.models import LaDecision

    change = checks.build(
        LaDecision,
        NAMES,
        decided_on=cmd.decided_on,
        reassess=cmd.decision == "reassess",
        by=actor.by,
        evidence=cmd.evidence,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    checks.not_future("decided_on", cmd.decided_on, ctx.today())
    return Change(change, lambda *a: starter.processes.reassessment_decided(*a), NAMES)
