"""The moves of the school's own termly and yearly processes (issue 24): a termly review held (SEN support, a PEP:
workflows/termly.py), and a process ended (the pupil left SEN support, is no longer looked after, or the school stops
tracking a duty: workflows/school_duty.py too). A school duty done is the step done every process accepts
(commands/steps.py, with its evidence: the report's address, the minutes' reference).

The kinds are named here as strings, as commands/start.py names them, so that the command line does not import the
workflows and the Temporal SDK to build its commands; tests hold them, and each kind's reasons to end, to the
registry and the workflows.
"""

from __future__ import annotations

from typing import Any

from commands import checks
from commands.base import Actor, Change, Command, Context
from commands.errors import BEFORE_RECEIVED, FORM, MISSING, NOT_OPEN
from commands.steps import NAMES, actor_checked
from statutory.clock import fmt
from workflows.models.common import Note, SendDate, ShortText

SUPPORT, PEP, SCHOOL_DUTY = "sen-support", "pep-review", "school-duty"  # the registry's kinds
REVIEW_RULES = {SUPPORT: "sen-support-review", PEP: "pep-review"}  # the termly review each kind opens
UNKNOWN = "unknown"  # the refusal code the workflows give a reason they do not end for

# Each kind's reasons to end (the workflows' ENDINGS), in a SENCO's words: the form's choices, the CLI's output.
ENDINGS: dict[str, dict[str, str]] = {
    SUPPORT: {
        "needs-met": "needs met",
        "left-school": "left the school",
        "ehc-assessment": "an EHC needs assessment was requested",
        "ehc-plan": "an EHC plan was made",
    },
    PEP: {"no-longer-looked-after": "no longer looked after", "left-school": "left the school"},
    SCHOOL_DUTY: {"no-longer-tracked": "the school no longer tracks this duty"},
}
# What ends, as a refusal says it ("not a reason the SEN support reviews end for").
ENDS = {SUPPORT: "the SEN support reviews end", PEP: "the PEP reviews end", SCHOOL_DUTY: "a duty stops being tracked"}


class ReviewHeldIn(Command):
    """A termly review held: its date; whether the parents took part (a SEN support review must say, and if they did
    not, why not); the date planned for the next one; for a PEP, whether one meeting did the annual review too; and a
    reference to the evidence (where the review's notes are kept, never pupil details)."""

    held_on: SendDate
    with_parents: bool | None = None
    why_not: Note = ""
    next_review_on: SendDate | None = None
    with_annual_review: bool = False
    evidence: Note = ""


class ProcessEndIn(Command):
    """The process ends, on a date, for one of its kind's reasons (a school duty has one: it may be left out)."""

    ended_on: SendDate
    reason: ShortText | None = None
    note: Note = ""


def held(ctx: Context, cmd: ReviewHeldIn, actor: Actor, *, kind: str | None = None, **_: Any) -> Change:
    """The oldest open review of the process held (a late one is recorded against its own term): on a date not after
    today, by a member of staff. `kind`, when the caller knows it, lets the checks the workflow makes be made here."""
    import starter.processes
    from workflows.models import ReviewHeld

    review = checks.build(
        ReviewHeld,
        NAMES,
        held_on=cmd.held_on,
        by=actor.by,
        with_parents=cmd.with_parents,
        why_not=cmd.why_not,
        next_review_on=cmd.next_review_on,
        with_annual_review=cmd.with_annual_review,
        evidence=cmd.evidence,
        recorded_by=actor.recorded_by,
    )
    if kind is not None and kind not in REVIEW_RULES:
        checks.refuse(FORM, "only SEN support and PEP reviews are recorded as held", NOT_OPEN)
    if kind == SUPPORT and review.with_parents is None:
        checks.refuse("with_parents", "say whether the parents took part in the review", MISSING)
    if review.with_parents is False and not review.why_not:
        checks.refuse("why_not", "say why the parents did not take part", MISSING)
    if review.with_annual_review and kind not in (None, PEP):
        checks.refuse("with_annual_review", "only a PEP review is held with the annual review", NOT_OPEN)
    if review.next_review_on is not None and review.next_review_on <= review.held_on:
        checks.refuse(
            "next_review_on",
            f"{fmt(review.next_review_on)} is not after the review ({fmt(review.held_on)})",
            BEFORE_RECEIVED,
        )
    actor_checked(ctx, actor)
    checks.not_future("held_on", cmd.held_on, ctx.today())
    return Change(review, lambda *a: starter.processes.review_held(*a), NAMES)


def ended(ctx: Context, cmd: ProcessEndIn, actor: Actor, *, kind: str | None = None, **_: Any) -> Change:
    """The process ends for one of its kind's reasons, on a date not after today: its open steps are cancelled with
    the reason, and it closes (the update returns once it has)."""
    import starter.processes
    from workflows.models import ProcessEnded

    reason = cmd.reason
    endings = ENDINGS.get(kind or "")
    if reason is None and endings is not None and len(endings) == 1:
        [reason] = endings  # a school duty's one reason
    if reason is None:
        known = f" ({', '.join(endings)})" if endings else ""
        checks.refuse("reason", f"say why it ends{known}", MISSING)
    if endings is not None and reason not in endings:
        checks.refuse(
            "reason", f"{reason!r} is not a reason {ENDS[str(kind)]} for (one of {', '.join(endings)})", UNKNOWN
        )
    ending = checks.build(
        ProcessEnded,
        NAMES,
        ended_on=cmd.ended_on,
        reason=reason,
        by=actor.by,
        note=cmd.note,
        recorded_by=actor.recorded_by,
    )
    actor_checked(ctx, actor)
    checks.not_future("ended_on", cmd.ended_on, ctx.today())
    return Change(ending, lambda *a: starter.processes.end_process(*a), NAMES)
