"""The moves of an annual review cycle (workflows/annual_review.py): the meeting set or moved, held, the report sent,
the LA's decision, the LA's final plan naming the new school or college, an appeal against a decision to cease, the
plan ceased."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field

from commands import checks
from commands.base import Actor, Change, Command, Context
from commands.errors import MISSING
from commands.steps import NAMES, actor_checked
from workflows.models.common import Channel, Note, SendDate, ShortText
from workflows.models.review import AppealOutcome, Invitee

REPORT = "review-report"  # the step the review report completes


class MeetingIn(Command):
    meeting_on: SendDate
    short_notice: bool = False
    note: Note = ""


class MeetingHeldIn(Command):
    held_on: SendDate
    attended: list[Invitee] = Field(default_factory=list)
    note: Note = ""


class ReportSentIn(Command):
    done_on: SendDate
    method: Channel | None = Channel.EMAIL
    evidence: Note = ""


class ReviewDecisionIn(Command):
    decided_on: SendDate
    decision: Literal["maintain", "amend", "cease"]
    evidence: Note = ""


class PlanCeasedIn(Command):
    ceased_on: SendDate
    reason: Note


class FinalPlanIn(Command):
    """The LA's final plan naming the new school or college in a transfer year (reg 18), or its written confirmation
    that the plan already names it: exactly one of names_setting and already_named."""

    issued_on: SendDate
    names_setting: ShortText | None = None
    already_named: bool = False
    evidence: Note = ""


class AppealIn(Command):
    """An appeal against the LA's decision to cease the plan: lodged (lodged_on), then decided (decided_on with its
    outcome), one change at a time. The plan is maintained until the appeal ends."""

    lodged_on: SendDate | None = None
    decided_on: SendDate | None = None
    outcome: AppealOutcome | None = None
    note: Note = ""


def _review(name: str) -> Callable[..., Awaitable[Any]]:
    """The starter function `name` of starter/review.py, looked up when called (tests stand in for them)."""
    import starter.review

    return lambda *a: getattr(starter.review, name)(*a)


def meeting(ctx: Context, cmd: MeetingIn, actor: Actor) -> Change:
    """Set or move the meeting (the notice it leaves is the workflow's to judge, against its own calendar)."""
    from workflows.models import MeetingDate

    change = checks.build(
        MeetingDate,
        NAMES,
        meeting_on=cmd.meeting_on,
        short_notice=cmd.short_notice,
        by=actor.by,
        note=cmd.note,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    return Change(change, _review("set_meeting"), NAMES)


def held(ctx: Context, cmd: MeetingHeldIn, actor: Actor) -> Change:
    from workflows.models import MeetingHeld

    change = checks.build(
        MeetingHeld,
        NAMES,
        held_on=cmd.held_on,
        by=actor.by,
        attended=cmd.attended,
        note=cmd.note,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    checks.not_future("held_on", cmd.held_on, ctx.today())
    return Change(change, _review("meeting_held"), NAMES)


def report_sent(ctx: Context, cmd: ReportSentIn, actor: Actor, **_: object) -> Change:
    """The review report sent: the review-report step done."""
    from commands.steps import StepDoneIn, done

    return done(ctx, StepDoneIn(rule_id=REPORT, done_on=cmd.done_on, method=cmd.method, evidence=cmd.evidence), actor)


def decision(ctx: Context, cmd: ReviewDecisionIn, actor: Actor) -> Change:
    from workflows.models import ReviewDecision

    change = checks.build(
        ReviewDecision,
        NAMES,
        decided_on=cmd.decided_on,
        decision=cmd.decision,
        by=actor.by,
        evidence=cmd.evidence,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    checks.not_future("decided_on", cmd.decided_on, ctx.today())
    return Change(change, _review("la_decision"), NAMES)


def ceased(ctx: Context, cmd: PlanCeasedIn, actor: Actor) -> Change:
    from workflows.models import PlanCeased

    change = checks.build(
        PlanCeased, NAMES, ceased_on=cmd.ceased_on, by=actor.by, reason=cmd.reason, recorded_by=actor.recorded_by
    )
    actor_checked(ctx, actor)
    checks.not_future("ceased_on", cmd.ceased_on, ctx.today())
    return Change(change, _review("plan_ceased"), NAMES)


def final_plan(ctx: Context, cmd: FinalPlanIn, actor: Actor) -> Change:
    """The LA's final plan: it names the new school or college, or the LA confirmed the plan already names it."""
    from workflows.models import FinalPlan

    if bool(cmd.names_setting) == cmd.already_named:
        checks.refuse(
            "names_setting",
            "give the school or college the final plan names, or confirm that the plan "
            "already names it (one of the two, not both)",
            MISSING,
        )
    checks.not_future("issued_on", cmd.issued_on, ctx.today())
    change = checks.build(
        FinalPlan,
        NAMES,
        issued_on=cmd.issued_on,
        names_setting=cmd.names_setting or None,
        already_named=cmd.already_named,
        by=actor.by,
        evidence=cmd.evidence,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    return Change(change, _review("final_plan"), NAMES)


def appeal(ctx: Context, cmd: AppealIn, actor: Actor) -> Change:
    """An appeal lodged, or decided with its outcome: one change at a time."""
    from workflows.models import AppealChange

    if cmd.lodged_on is None and cmd.decided_on is None:
        checks.refuse("lodged_on", "give the date the appeal was lodged, or the date it was decided", MISSING)
    if cmd.lodged_on is not None and cmd.decided_on is not None:
        checks.refuse("decided_on", "record the appeal as lodged first, then as decided: one date at a time")
    if cmd.decided_on is not None and cmd.outcome is None:
        checks.refuse("outcome", "say how the appeal ended", MISSING)
    if cmd.outcome is not None and cmd.decided_on is None:
        checks.refuse("outcome", "an outcome goes with the date the appeal was decided, not with its lodging")
    today = ctx.today()
    checks.not_future("lodged_on", cmd.lodged_on, today)
    checks.not_future("decided_on", cmd.decided_on, today)
    change = checks.build(
        AppealChange,
        NAMES,
        lodged_on=cmd.lodged_on,
        decided_on=cmd.decided_on,
        outcome=cmd.outcome,
        by=actor.by,
        note=cmd.note,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    return Change(change, _review("appeal"), NAMES)
