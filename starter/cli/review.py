"""`sendclock review ...`: the annual review cycle of an EHC plan, from the command line."""

from __future__ import annotations

import re
from typing import Annotated

import typer

import starter.cli.format as out
from commands.base import Actor
from starter.cli.common import (
    AsOption,
    ByOption,
    CaseOption,
    SchoolOption,
    build,
    checked,
    context,
    fail,
    load_school_settings,
    parse_date,
    recorded_change,
    recording_account,
    send,
)

review_app = typer.Typer(
    help="Annual reviews of EHC plans (s44; regs 18, 20-22): one review cycle a year per plan.", no_args_is_help=True
)
# The command fields of `sendclock review ...`, and their flags (common.FLAGS covers the rest); an appeal's
# decided_on is --decided (APPEAL_FLAGS), the LA's decision's --date.
REVIEW_FLAGS = {
    "plan_date": "--plan-date",
    "meeting_on": "--date",
    "held_on": "--date",
    "decided_on": "--date",
    "ceased_on": "--date",
    "decision": "--decision",
    "short_notice": "--short-notice",
    "year_group": "--year-group",
    "transfer_on": "--transfer-on",
    "transfer_kind": "--transfer-kind",
    "attended": "--attended",
    "issued_on": "--date",
    "names_setting": "--names-setting",
    "already_named": "--already-named",
}
APPEAL_FLAGS = {"lodged_on": "--lodged", "decided_on": "--decided", "outcome": "--outcome"}
DateOption = Annotated[str, typer.Option("--date", help="YYYY-MM-DD.")]


def _call(settings, ctx, case: str, change, flags: dict[str, str] = REVIEW_FLAGS) -> None:
    """Send a checked change to the case's review workflow (at the school `settings` are the view of) and print where it
    stands. Another school's case is no case here: its workflow id is another (workflows/registry.py, for_school)."""
    from workflows.models import CASE_REF_PATTERN
    from workflows.registry import REVIEW

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail(f"--case: {case!r} is not a case reference (letters, digits, '.', '_', '-')")
    typer.echo(
        out.process_text(send(ctx, REVIEW.workflow_id(case, school=settings.school_id), change, flags), settings)
    )


@review_app.command("meeting")
def review_meeting(
    case: CaseOption,
    date_: DateOption,
    short_notice: Annotated[
        bool, typer.Option("--short-notice", help="Confirm less than 14 clear days' notice.")
    ] = False,
    by: ByOption = "senco",
    note: Annotated[str, typer.Option("--note", help="Optional note.")] = "",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Set or move the review meeting (at least 14 clear days' notice, reg 20(3))."""
    from commands import review

    settings, ctx, change = recorded_change(
        REVIEW_FLAGS,
        review.meeting,
        review.MeetingIn,
        by,
        as_,
        school=school,
        meeting_on=parse_date("--date", date_),
        short_notice=short_notice,
        note=note,
    )
    _call(settings, ctx, case, change)


@review_app.command("held")
def review_held(
    case: CaseOption,
    date_: DateOption,
    by: ByOption = "senco",
    attended: Annotated[list[str] | None, typer.Option("--attended", help="Role that attended; repeatable.")] = None,
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record the review meeting as held: the report and the LA's decision are due from it."""
    from commands import review

    settings, ctx, change = recorded_change(
        REVIEW_FLAGS,
        review.held,
        review.MeetingHeldIn,
        by,
        as_,
        school=school,
        held_on=parse_date("--date", date_),
        attended=attended or [],
    )
    _call(settings, ctx, case, change)


@review_app.command("decision")
def review_decision(
    case: CaseOption,
    date_: DateOption,
    decision: Annotated[str, typer.Option("--decision", help="maintain, amend or cease.")],
    by: ByOption = "senco",
    evidence: Annotated[str, typer.Option("--evidence", help="Reference to the LA's letter.")] = "",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record the LA's decision after the review: the next cycle starts."""
    from commands import review

    settings, ctx, change = recorded_change(
        REVIEW_FLAGS,
        review.decision,
        review.ReviewDecisionIn,
        by,
        as_,
        school=school,
        decided_on=parse_date("--date", date_),
        decision=decision,
        evidence=evidence,
    )
    _call(settings, ctx, case, change)


@review_app.command("ceased")
def review_ceased(
    case: CaseOption,
    date_: DateOption,
    reason: Annotated[str, typer.Option("--reason", help="Why the plan ended.")],
    by: ByOption = "senco",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record that the plan ceased: the review cycle ends."""
    from commands import review

    settings, ctx, change = recorded_change(
        REVIEW_FLAGS,
        review.ceased,
        review.PlanCeasedIn,
        by,
        as_,
        school=school,
        ceased_on=parse_date("--date", date_),
        reason=reason,
    )
    _call(settings, ctx, case, change)


@review_app.command("final-plan")
def review_final_plan(
    case: CaseOption,
    date_: Annotated[str, typer.Option("--date", help="The date the LA issued the final plan, YYYY-MM-DD.")],
    names_setting: Annotated[
        str | None, typer.Option("--names-setting", help="The school or institution the final plan names.")
    ] = None,
    already_named: Annotated[
        bool, typer.Option("--already-named", help="The LA confirmed in writing that the plan already names it.")
    ] = False,
    by: ByOption = "senco",
    evidence: Annotated[str, typer.Option("--evidence", help="Reference to the LA's letter.")] = "",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record the LA's final plan: it meets a transfer year's reg 18 step and an amended plan (reg 22(3))."""
    from commands import review

    settings, ctx, change = recorded_change(
        REVIEW_FLAGS,
        review.final_plan,
        review.FinalPlanIn,
        by,
        as_,
        school=school,
        issued_on=parse_date("--date", date_),
        names_setting=names_setting,
        already_named=already_named,
        evidence=evidence,
    )
    _call(settings, ctx, case, change)


@review_app.command("appeal")
def review_appeal(
    case: CaseOption,
    lodged: Annotated[str | None, typer.Option("--lodged", help="The date the appeal was lodged, YYYY-MM-DD.")] = None,
    decided: Annotated[str | None, typer.Option("--decided", help="The date the appeal was decided.")] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="With --decided: plan-maintained, cease-upheld or withdrawn.")
    ] = None,
    by: ByOption = "senco",
    note: Annotated[str, typer.Option("--note", help="Optional note (no personal details).")] = "",
    as_: AsOption = None,
    school: SchoolOption = None,
) -> None:
    """Record an appeal against a decision to cease: lodged, then decided (the plan is maintained meanwhile)."""
    from commands import review

    settings = load_school_settings(school)
    ctx = context(settings)
    cmd = build(
        review.AppealIn,
        APPEAL_FLAGS,
        lodged_on=parse_date("--lodged", lodged),
        decided_on=parse_date("--decided", decided),
        outcome=outcome,
        note=note,
    )
    actor = Actor(by, recording_account(settings, as_))
    _call(settings, ctx, case, checked(APPEAL_FLAGS, lambda: review.appeal(ctx, cmd, actor)), APPEAL_FLAGS)
