"""`sendclock support|pep|duty`: the school's own termly and yearly processes (issue 24), for the SENCO.

Each group's `start` is built from its start command (starter/cli/starts.py); here are their moves, each a command of
commands/termly.py: a termly review held (`support held`, `pep held`), a process ended (`support end`, `pep end`,
`duty end`). A school duty done is the step done every process accepts (`sendclock step done`). The conventions of
starter/cli/__init__.py: bad input prints one line naming the flag and exits 2 before Temporal is contacted.

A case's SEN support or PEP process is found through the database (its one open process of that kind); a duty's by its
workflow id, which is the duty's own.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

import typer

from starter.cli.common import (
    AsOption,
    ByOption,
    CaseOption,
    SchoolOption,
    db_session,
    fail,
    parse_date,
    recorded_change,
    send,
)
from statutory.clock import fmt

support_app = typer.Typer(
    help="SEN support (census code K): a review with the parents each term, by the term's last school day, for as "
    "long as the pupil is on SEN support.",
    no_args_is_help=True,
)
pep_app = typer.Typer(
    help="A looked-after pupil's personal education plan (PEP): reviewed each term with the virtual school.",
    no_args_is_help=True,
)
duty_app = typer.Typer(
    help="The school's yearly duties: the SEN information report, the SEND policy review, the annual report to "
    "parents. Record one done with `sendclock step done --case DUTY --rule DUTY --date D --evidence REF`.",
    no_args_is_help=True,
)

# The command fields of these commands, and their flags (common.FLAGS covers the rest).
FLAGS = {
    "held_on": "--date",
    "ended_on": "--date",
    "with_parents": "--with-parents/--without-parents",
    "why_not": "--why-not",
    "next_review_on": "--next-review",
    "with_annual_review": "--with-annual-review",
    "reason": "--reason",
    "rule_id": "--case",  # the case's review is not open (held already, or its term not begun)
}
DUTY_FLAGS = FLAGS | {"workflow_id": "--duty"}

HeldDate = Annotated[str, typer.Option("--date", help="Date the review was held, YYYY-MM-DD.")]
EndDate = Annotated[str, typer.Option("--date", help="Date it ended, YYYY-MM-DD.")]
WhyNot = Annotated[
    str, typer.Option("--why-not", help="If the parents did not take part, why not (no personal details).")
]
NextReview = Annotated[
    str | None, typer.Option("--next-review", help="Date planned for the next review, YYYY-MM-DD (optional).")
]
Evidence = Annotated[
    str, typer.Option("--evidence", help="Where the review's notes are kept: a reference, no personal details.")
]
Note = Annotated[str, typer.Option("--note", help="Optional note (no personal details).")]


def _reason_option(kind: str) -> Any:
    from commands.termly import ENDINGS

    said = "; ".join(f"{reason} ({words})" for reason, words in ENDINGS[kind].items())
    return typer.Option("--reason", help=f"Why it ends: {said}.")


SupportReason = Annotated[str, _reason_option("sen-support")]
PepReason = Annotated[str, _reason_option("pep-review")]


# --- finding the process ---------------------------------------------------------------------------------------------


def _open_process(settings: Any, case: str, kind: str) -> str:
    """The workflow id of the case's one open process of `kind` (SEN support, PEP reviews) at the school `settings`
    are the view of (another school's case is no case here)."""
    from store.queries import processes_for_case
    from workflows.models import CASE_REF_PATTERN
    from workflows.registry import PROCESS_LABELS

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail(f"--case: {case!r} is not a case reference (letters, digits, '.', '_', '-')")
    with db_session(settings) as session:
        found = [
            (p.workflow_id, p.received_on)
            for p in processes_for_case(session, case, kind, open_only=True, school=settings.school_id)
        ]
    label, group = PROCESS_LABELS[kind], "support" if kind == "sen-support" else "pep"
    if not found:
        fail(f"--case: case {case!r} has no open {label} (start them with `sendclock {group} start`)")
    if len(found) > 1:
        dates = ", ".join(fmt(began) for _, began in found)
        fail(f"--case: case {case!r} has {len(found)} open {label} (from {dates}); end the one started in error")
    return found[0][0]


# --- what happened, in sentences -------------------------------------------------------------------------------------


def _term_of(settings: Any, on: date) -> Any:
    from config.school_calendar import school_calendar

    return school_calendar(settings).terms.term_of(on)


def _late(step: Any) -> str:
    if step.on_time is None:
        return ""
    if step.on_time:
        return "on time"
    return f"{step.days_late} day{'' if step.days_late == 1 else 's'} late"


def held_text(settings: Any, state: Any, rule: str, held: Any) -> str:
    """ "Review held on Thu 3 Dec 2026 with the parents for SUP-0001 (Autumn term 2026-27, on time). Next review:
    Spring term 2026-27, due Fri 26 Mar 2027." """
    from starter.deadline import explain_deadline
    from workflows.models import StepStatus

    reviews = [s for s in state.steps if s.rule_id == rule]
    # Reviews are held oldest first: the one just recorded is the latest completed.
    done = max((s for s in reviews if s.status == StepStatus.COMPLETED), key=lambda s: s.instance, default=None)
    who = {True: " with the parents", False: " without the parents"}.get(held.with_parents, "")
    both = ", with the annual review," if held.with_annual_review else ""
    what = "PEP review" if state.kind == "pep-review" else "Review"
    text = f"{what} held on {fmt(held.held_on)}{who}{both} for {state.header.case_ref}"
    term = None
    if done is not None:
        term = _term_of(settings, done.anchor)
        late = _late(done)
        text += f" ({term.title}{', ' + late if late else ''})"
    text += "."
    if state.closed:
        return text
    following = min((s for s in reviews if s.status == StepStatus.OPEN), key=lambda s: s.instance, default=None)
    if following is not None and following.plan is not None:
        next_term, due = _term_of(settings, following.anchor), following.plan.due
    elif term is not None:
        next_term = _next_term(settings, term)
        due = explain_deadline(settings, rule, next_term.start).due
    else:
        return text
    when = f"{next_term.title}, due {fmt(due)}"
    if held.next_review_on is not None:
        return f"{text} Next review: planned for {fmt(held.next_review_on)} ({when})."
    return f"{text} Next review: {when}."


def _next_term(settings: Any, term: Any) -> Any:
    from config.school_calendar import school_calendar

    return school_calendar(settings).terms.next_term(term)


# --- the moves -------------------------------------------------------------------------------------------------------


def _held(
    kind: str,
    case: str,
    date_: str,
    with_parents: bool | None,
    why_not: str,
    next_review: str | None,
    with_annual_review: bool,
    evidence: str,
    by: str,
    as_: str | None,
    school: str | None,
) -> None:
    from commands import termly

    settings, ctx, change = recorded_change(
        FLAGS,
        lambda ctx, cmd, actor: termly.held(ctx, cmd, actor, kind=kind),
        termly.ReviewHeldIn,
        by,
        as_,
        school=school,
        held_on=parse_date("--date", date_),
        with_parents=with_parents,
        why_not=why_not,
        next_review_on=parse_date("--next-review", next_review),
        with_annual_review=with_annual_review,
        evidence=evidence,
    )
    workflow_id = _open_process(settings, case, kind)
    state = send(ctx, workflow_id, change, FLAGS)
    typer.echo(held_text(settings, state, termly.REVIEW_RULES[kind], change.request))


def _ended(
    kind: str, case: str, date_: str, reason: str | None, note: str, by: str, as_: str | None, school: str | None
) -> None:
    from commands import termly
    from workflows.registry import PROCESS_LABELS

    settings, ctx, change = recorded_change(
        FLAGS,
        lambda ctx, cmd, actor: termly.ended(ctx, cmd, actor, kind=kind),
        termly.ProcessEndIn,
        by,
        as_,
        school=school,
        ended_on=parse_date("--date", date_),
        reason=reason,
        note=note,
    )
    workflow_id = _open_process(settings, case, kind)
    send(ctx, workflow_id, change, FLAGS)
    ending = change.request
    said = termly.ENDINGS[kind].get(ending.reason, ending.reason)
    happened = f"The {PROCESS_LABELS[kind]} of {case} ended on {fmt(ending.ended_on)}: {said}."
    typer.echo(f"{happened} No more reviews are opened or chased.")  # the run closes just after the update returns


@support_app.command("held")
def support_held(
    case: CaseOption,
    date_: HeldDate,
    with_parents: Annotated[
        bool | None,
        typer.Option(
            "--with-parents/--without-parents",
            help="Whether the parents took part in the review (required: say which).",
            show_default=False,
        ),
    ] = None,
    why_not: WhyNot = "",
    next_review: NextReview = None,
    evidence: Evidence = "",
    by: ByOption = "senco",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record the SEN support review as held, and whether the parents took part.

    The oldest open review is the one recorded: a late one counts against its own term. The next opens when its term
    begins."""
    _held("sen-support", case, date_, with_parents, why_not, next_review, False, evidence, by, as_, school)


@support_app.command("end")
def support_end(
    case: CaseOption,
    date_: EndDate,
    reason: SupportReason,
    note: Note = "",
    by: ByOption = "senco",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """End the SEN support reviews of a pupil, with the reason.

    A review still open is cancelled with the reason (one already late counts as missed)."""
    _ended("sen-support", case, date_, reason, note, by, as_, school)


@pep_app.command("held")
def pep_held(
    case: CaseOption,
    date_: HeldDate,
    with_parents: Annotated[
        bool | None,
        typer.Option(
            "--with-parents/--without-parents",
            help="Whether the parents or carers took part (optional for a PEP).",
            show_default=False,
        ),
    ] = None,
    why_not: WhyNot = "",
    with_annual_review: Annotated[
        bool,
        typer.Option(
            "--with-annual-review", help="One meeting did the PEP review and the pupil's annual review of the EHC plan."
        ),
    ] = False,
    next_review: NextReview = None,
    evidence: Evidence = "",
    by: ByOption = "senco",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record the PEP review as held with the virtual school.

    The oldest open review is the one recorded: a late one counts against its own term. The next opens when its term
    begins."""
    _held("pep-review", case, date_, with_parents, why_not, next_review, with_annual_review, evidence, by, as_, school)


@pep_app.command("end")
def pep_end(
    case: CaseOption,
    date_: EndDate,
    reason: PepReason,
    note: Note = "",
    by: ByOption = "senco",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """End the PEP reviews of a pupil, with the reason: a review still open is cancelled."""
    _ended("pep-review", case, date_, reason, note, by, as_, school)


@duty_app.command("end")
def duty_end(
    duty: Annotated[
        str,
        typer.Option("--duty", help="sen-information-report, send-policy-review or annual-progress-report."),
    ],
    date_: Annotated[str, typer.Option("--date", help="Date the school stopped tracking it, YYYY-MM-DD.")],
    note: Note = "",
    by: ByOption = "senco",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Stop tracking a school duty: its open step is cancelled, and no more reminders are sent."""
    from commands import termly
    from statutory import get_rule
    from workflows.models import SCHOOL_DUTIES, duty_case_ref
    from workflows.registry import SCHOOL_DUTY

    if duty not in SCHOOL_DUTIES:
        fail(f"--duty: {duty!r} is not a school duty (one of {', '.join(SCHOOL_DUTIES)})")
    settings, ctx, change = recorded_change(
        DUTY_FLAGS,
        lambda ctx, cmd, actor: termly.ended(ctx, cmd, actor, kind=SCHOOL_DUTY.kind),
        termly.ProcessEndIn,
        by,
        as_,
        school=school,
        ended_on=parse_date("--date", date_),
        note=note,
    )
    send(ctx, SCHOOL_DUTY.workflow_id(duty_case_ref(duty), school=settings.school_id), change, DUTY_FLAGS)
    title = get_rule(duty).title
    happened = f"Stopped tracking \u2018{title}\u2019 on {fmt(change.request.ended_on)}."
    typer.echo(f"{happened} No more reminders are sent for it.")
