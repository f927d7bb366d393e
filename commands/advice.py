"""The changes of an EHC advice request (reg 8) through its own updates (workflows/ehc_advice.py): the advice sent, an
exemption on the advice, the LA's withdrawal. Their answer is the request's state (AdviceState)."""

from __future__ import annotations

from commands import checks
from commands.base import Actor, Change, Command, Context
from commands.steps import NAMES, ExemptionIn, _exemption, actor_checked
from workflows.models.common import Channel, Note, SendDate


class AdviceSentIn(Command):
    sent_on: SendDate
    method: Channel = Channel.EMAIL
    note: Note = ""


class WithdrawalIn(Command):
    withdrawn_on: SendDate
    reason: Note = ""


def rule() -> str:
    """The rule of the advice request's own step (ehc-advice)."""
    from workflows.ehc_advice import RULE

    return RULE


def sent(ctx: Context, cmd: AdviceSentIn, actor: Actor) -> Change:
    """The advice sent to the LA, on a date not after today."""
    import starter.advice
    from workflows.models import AdviceSent

    change = checks.build(
        AdviceSent,
        NAMES,
        sent_on=cmd.sent_on,
        method=cmd.method,
        by=actor.by,
        note=cmd.note,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    checks.not_future("sent_on", cmd.sent_on, ctx.today())
    return Change(change, lambda *a: starter.advice.advice_sent(*a), NAMES)


def exempt(ctx: Context, cmd: ExemptionIn, actor: Actor, **_: object) -> Change:
    """A reg 8(2) exemption on the advice (the request's own step)."""
    import starter.advice

    exemption = _exemption(ctx, cmd.model_copy(update={"rule_id": rule()}), actor, None)
    return Change(exemption, lambda *a: starter.advice.record_exemption(*a), NAMES)


def withdraw(ctx: Context, cmd: WithdrawalIn, actor: Actor) -> Change:
    """The LA withdrew its request: the process ends."""
    import starter.advice
    from workflows.models import Withdrawal

    change = checks.build(
        Withdrawal, NAMES, withdrawn_on=cmd.withdrawn_on, reason=cmd.reason, by=actor.by, recorded_by=actor.recorded_by
    )
    actor_checked(ctx, actor)
    checks.not_future("withdrawn_on", cmd.withdrawn_on, ctx.today())
    return Change(change, lambda *a: starter.advice.withdraw(*a), NAMES)
