"""`sendclock review ...`: the annual review cycle of an EHC plan, from the command line."""

from __future__ import annotations

import json
import re
from typing import Annotated

import typer

import starter.cli.format as out
from starter.cli.common import (FLAGS, AsOption, ByOption, CaseOption, InitialsOption, build, fail_request, in_send_era,
                                load_settings, not_future, parse_date, recording_account, run_async)

review_app = typer.Typer(help="Annual reviews of EHC plans (s44; regs 18, 20-22): one review cycle a year per plan.",
                         no_args_is_help=True)
FLAGS.update({"meeting_on": "--date", "held_on": "--date", "decided_on": "--date", "ceased_on": "--date",
              "decision": "--decision", "short_notice": "--short-notice", "year_group": "--year-group",
              "transfer_on": "--transfer-on", "transfer_kind": "--transfer-kind", "attended": "--attended",
              "evidence": "--evidence", "issued_on": "--date", "names_setting": "--names-setting",
              "already_named": "--already-named", "lodged_on": "--lodged", "outcome": "--outcome"})
# decided_on is --date for `review decision` and --decided for `review appeal`: each of them sets it before use.
DateOption = Annotated[str, typer.Option("--date", help="YYYY-MM-DD.")]


def _call(settings, case: str, call) -> None:
    """Run one change against the case's review workflow and print where it stands."""
    from starter.client import connect
    from workflows.registry import REVIEW
    from workflows.models import CASE_REF_PATTERN

    if not re.fullmatch(CASE_REF_PATTERN, case):
        fail_request(ValueError(f"case_ref: {case!r} is not a case reference (letters, digits, '.', '_', '-')"))

    async def work():
        return await call(await connect(settings), REVIEW.workflow_id(case))

    typer.echo(out.process_text(run_async(work)))


@review_app.command("start")
def review_start(
    case: CaseOption,
    la: Annotated[str, typer.Option("--la", help="The LA that maintains the plan.")],
    plan_date: Annotated[str, typer.Option("--plan-date", help="Date the plan was made or last reviewed.")],
    owner: Annotated[str, typer.Option("--owner", help="Staff id who runs the review (usually senco).")] = "senco",
    year_group: Annotated[int | None, typer.Option("--year-group", help="The pupil's year group this cycle.")] = None,
    transfer_on: Annotated[str | None, typer.Option("--transfer-on", help="The date of a transfer this year (reg 18).")] = None,
    transfer_kind: Annotated[str | None, typer.Option(
        "--transfer-kind", help="phase (reg 18(1)(b)), post16 (school to post-16, reg 18(1)(a)) or post16-move "
                                "(between post-16 institutions, reg 18(2)).")] = None,
    initials: InitialsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Start the annual review cycle of an EHC plan (idempotent: one per case)."""
    from starter.client import connect
    from starter.requests import RequestError
    from starter.review import start_review, transfer_warnings
    from workflows.models import ProcessHeader, ReviewInput

    settings = load_settings()
    header = build(ProcessHeader, case_ref=case, la=la, received_on=in_send_era("--plan-date", parse_date("--plan-date", plan_date)), owner=owner,
                   escalate_to=settings.reminders.escalate_to, initials=initials)
    not_future(settings, "--plan-date", header.received_on)
    review = build(ReviewInput, header=header, year_group=year_group, transfer_on=parse_date("--transfer-on", transfer_on),
                   transfer_kind=transfer_kind)

    async def work():
        return await start_review(await connect(settings), settings, review)

    try:
        from starter.processes import check_header

        check_header(settings, header)
    except RequestError as err:
        fail_request(err)
    started = run_async(work)
    warnings = transfer_warnings(started.state)
    if as_json:
        typer.echo(json.dumps(out.process_json(started.state, created=started.created, warnings=warnings)))
    else:
        typer.echo(out.process_started_text(started.state, started.created, settings))
        for line in warnings:
            typer.echo(line)


@review_app.command("meeting")
def review_meeting(
    case: CaseOption,
    date_: DateOption,
    short_notice: Annotated[bool, typer.Option("--short-notice", help="Confirm less than 14 clear days' notice.")] = False,
    by: ByOption = "senco",
    note: Annotated[str, typer.Option("--note", help="Optional note.")] = "",
    as_: AsOption = None,
) -> None:
    """Set or move the review meeting (at least 14 clear days' notice, reg 20(3))."""
    from starter.review import set_meeting
    from workflows.models import MeetingDate

    settings = load_settings()
    meeting = build(MeetingDate, meeting_on=parse_date("--date", date_), short_notice=short_notice, by=by, note=note,
                    recorded_by=recording_account(settings, as_))
    _call(settings, case, lambda client, wid: set_meeting(client, settings, wid, meeting))


@review_app.command("held")
def review_held(
    case: CaseOption,
    date_: DateOption,
    by: ByOption = "senco",
    attended: Annotated[list[str] | None, typer.Option("--attended", help="Role that attended; repeatable.")] = None,
    as_: AsOption = None,
) -> None:
    """Record the review meeting as held: the report and the LA's decision are due from it."""
    from starter.review import meeting_held
    from workflows.models import MeetingHeld

    settings = load_settings()
    held = build(MeetingHeld, held_on=parse_date("--date", date_), by=by, attended=attended or [],
                 recorded_by=recording_account(settings, as_))
    not_future(settings, "--date", held.held_on)
    _call(settings, case, lambda client, wid: meeting_held(client, settings, wid, held))


@review_app.command("decision")
def review_decision(
    case: CaseOption,
    date_: DateOption,
    decision: Annotated[str, typer.Option("--decision", help="maintain, amend or cease.")],
    by: ByOption = "senco",
    evidence: Annotated[str, typer.Option("--evidence", help="Reference to the LA's letter.")] = "",
    as_: AsOption = None,
) -> None:
    """Record the LA's decision after the review: the next cycle starts."""
    from starter.review import la_decision
    from workflows.models import ReviewDecision

    settings = load_settings()
    FLAGS["decided_on"] = "--date"
    answer = build(ReviewDecision, decided_on=parse_date("--date", date_), decision=decision, by=by, evidence=evidence,
                   recorded_by=recording_account(settings, as_))
    not_future(settings, "--date", answer.decided_on)
    _call(settings, case, lambda client, wid: la_decision(client, settings, wid, answer))


@review_app.command("ceased")
def review_ceased(
    case: CaseOption,
    date_: DateOption,
    reason: Annotated[str, typer.Option("--reason", help="Why the plan ended.")],
    by: ByOption = "senco",
    as_: AsOption = None,
) -> None:
    """Record that the plan ceased: the review cycle ends."""
    from starter.review import plan_ceased
    from workflows.models import PlanCeased

    settings = load_settings()
    ceased = build(PlanCeased, ceased_on=parse_date("--date", date_), by=by, reason=reason,
                   recorded_by=recording_account(settings, as_))
    not_future(settings, "--date", ceased.ceased_on)
    _call(settings, case, lambda client, wid: plan_ceased(client, settings, wid, ceased))


@review_app.command("final-plan")
def review_final_plan(
    case: CaseOption,
    date_: Annotated[str, typer.Option("--date", help="The date the LA issued the final plan, YYYY-MM-DD.")],
    names_setting: Annotated[str | None, typer.Option(
        "--names-setting", help="The school or institution the final plan names.")] = None,
    already_named: Annotated[bool, typer.Option(
        "--already-named", help="The LA confirmed in writing that the plan already names it.")] = False,
    by: ByOption = "senco",
    evidence: Annotated[str, typer.Option("--evidence", help="Reference to the LA's letter.")] = "",
    as_: AsOption = None,
) -> None:
    """Record the LA's final plan: it meets a transfer year's reg 18 step and an amended plan (reg 22(3))."""
    from starter.review import final_plan
    from workflows.models import FinalPlan

    settings = load_settings()
    plan = build(FinalPlan, issued_on=parse_date("--date", date_), names_setting=names_setting,
                 already_named=already_named, by=by, evidence=evidence, recorded_by=recording_account(settings, as_))
    not_future(settings, "--date", plan.issued_on)
    _call(settings, case, lambda client, wid: final_plan(client, settings, wid, plan))


@review_app.command("appeal")
def review_appeal(
    case: CaseOption,
    lodged: Annotated[str | None, typer.Option("--lodged", help="The date the appeal was lodged, YYYY-MM-DD.")] = None,
    decided: Annotated[str | None, typer.Option("--decided", help="The date the appeal was decided.")] = None,
    outcome: Annotated[str | None, typer.Option(
        "--outcome", help="With --decided: plan-maintained, cease-upheld or withdrawn.")] = None,
    by: ByOption = "senco",
    note: Annotated[str, typer.Option("--note", help="Optional note (no personal details).")] = "",
    as_: AsOption = None,
) -> None:
    """Record an appeal against a decision to cease: lodged, then decided (the plan is maintained meanwhile)."""
    from starter.review import appeal
    from workflows.models import AppealChange

    settings = load_settings()
    FLAGS["decided_on"] = "--decided"
    change = build(AppealChange, lodged_on=parse_date("--lodged", lodged), decided_on=parse_date("--decided", decided),
                   outcome=outcome, by=by, note=note, recorded_by=recording_account(settings, as_))
    not_future(settings, "--lodged", change.lodged_on)
    not_future(settings, "--decided", change.decided_on)
    _call(settings, case, lambda client, wid: appeal(client, settings, wid, change))
