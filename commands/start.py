"""Starting a statutory process of any kind: its input (the same for a form, a JSON body and the CLI's flags), the
checks made before Temporal is contacted, and the start through the starter functions, with the workflow class and id
the process registry (workflows/registry.py) gives.

Starting is idempotent: the same case and date give the same workflow (`created` False the second time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import Field

from commands import checks
from commands.base import Command, Context, call
from commands.errors import NOT_FOUND, Problem, Refused
from workflows.models.common import CaseRef, Channel, SendDate, ShortText, StaffId
from workflows.models.review import TransferKind
from workflows.registry import (
    ADVICE,
    DRAFT,
    REASSESSMENT,
    REVIEW,
    ProcessKind,
    process_kind,
)


# How each start field is shown on the dashboard's start form (dashboard/forms.py start_fields reads them, in the
# model's field order): the title is the form's label; json_schema_extra's "hint" the text under it, "widget": "staff"
# a select of the staff directory (required, the SENCO by default), and "choices" the labels of a choice's values (""
# for an optional choice's empty option). The widget otherwise follows the type: a date, a number for an int, a select
# for an enum or Literal, text for the rest; a field is required when the model requires it.
def _case() -> Any:
    return Field(
        title="Case reference",
        json_schema_extra={"hint": "The school's case reference, never a name (letters, digits, '.', '_', '-')."},
    )


def _la() -> Any:
    return Field(title="Local authority")


def _owner(**field: Any) -> Any:
    return Field(title="Owner", json_schema_extra={"widget": "staff"}, **field)


def _channel() -> Any:
    return Field(default=Channel.EMAIL, title="How it arrived")


class StartAdvice(Command):
    """An LA asked the school for advice for an EHC needs assessment (reg 8: six weeks)."""

    case_ref: CaseRef = _case()
    la: ShortText = _la()
    received_on: SendDate = Field(
        title="Date the LA's request was received", description="Date the LA's request was received"
    )
    owner: StaffId = _owner(description="Staff id who prepares the advice")
    channel: Channel = _channel()
    requested_on: SendDate | None = Field(
        default=None,
        title="Date of the LA's request letter (if different)",
        description="Date of the LA's request letter, if it is dated "
        "before the day it was received (on or before received_on)",
        json_schema_extra={
            "hint": "If the letter is dated before the day it arrived. The six weeks in law run from the "
            "day it was received; a school that promises six weeks from the request aims for "
            "the earlier date."
        },
    )
    assessment_requested_on: SendDate | None = Field(
        default=None,
        title="Date the LA received the assessment request (optional)",
        description="Date the LA received the request for an EHC needs assessment, if its letter says",
        json_schema_extra={"hint": "If the LA's letter says: sendclock then shows the LA's 6, 16 and 20-week dates."},
    )


class StartDraft(Command):
    """A draft EHC plan or naming consultation arrived (the school's views in 15 days; the parent's 15 days)."""

    case_ref: CaseRef = _case()
    la: ShortText = _la()
    received_on: SendDate = Field(title="Date the draft plan or consultation was received")
    owner: StaffId = _owner()
    channel: Channel = _channel()
    served_on: SendDate | None = Field(
        default=None,
        title="Date the draft was served on the parent (optional)",
        description="Date the draft was served on the parent, if not the day received",
        json_schema_extra={"hint": "If not the day the school received it: the parent's 15 days run from it."},
    )


class StartReview(Command):
    """The annual review cycle of an EHC plan (one per plan)."""

    case_ref: CaseRef = _case()
    la: ShortText = _la()
    plan_date: SendDate = Field(
        title="Date the plan was made or last reviewed", description="Date the plan was made or last reviewed"
    )
    owner: StaffId = _owner(default="senco")
    year_group: int | None = Field(default=None, ge=-1, le=14, title="Year group this cycle (optional)")
    transfer_on: SendDate | None = Field(
        default=None,
        title="Date of a move to a new school or college this year (optional)",
        json_schema_extra={
            "hint": "In a transfer year the plan must be reviewed and amended to name the new school or "
            "college before the date the law sets."
        },
    )
    transfer_kind: TransferKind | None = Field(
        default=None,
        title="Kind of move",
        json_schema_extra={
            "choices": {
                "": "no move this year",
                "phase": "to the next phase (e.g. primary to secondary school)",
                "post16": "from secondary school to a post-16 institution",
                "post16-move": "from one post-16 institution to another",
            }
        },
    )


class StartReassessment(Command):
    """The pupil's needs changed significantly: the school will ask the LA to re-assess (regs 24-27)."""

    case_ref: CaseRef = _case()
    la: ShortText = _la()
    needs_changed_on: SendDate = Field(title="Date the pupil's needs were recorded as changed")
    last_assessment_on: SendDate = Field(title="Date of the last EHC needs assessment")
    owner: StaffId = _owner()


# Each process kind's start command (the registry's kinds, in its order).
START_COMMANDS: dict[str, type[Command]] = {
    ADVICE.kind: StartAdvice,
    DRAFT.kind: StartDraft,
    REVIEW.kind: StartReview,
    REASSESSMENT.kind: StartReassessment,
}
# The date each process began, as its start command calls it (the header's received_on).
BEGAN_FIELD = {
    ADVICE.kind: "received_on",
    DRAFT.kind: "received_on",
    REVIEW.kind: "plan_date",
    REASSESSMENT.kind: "needs_changed_on",
}


def _anchor_rules() -> dict[str, tuple[tuple[str, str], ...]]:
    """The dates whose rule must be in force, per kind: (the command's field, the rule planned from it)."""
    from workflows.draft_consultation import PARENT, SCHOOL
    from workflows.ehc_advice import RULE
    from workflows.reassessment import EARLIEST

    return {
        ADVICE.kind: (("received_on", RULE),),
        DRAFT.kind: (("received_on", SCHOOL), ("served_on", PARENT)),
        REVIEW.kind: (),
        REASSESSMENT.kind: (("last_assessment_on", EARLIEST),),
    }


def _kind(kind: str) -> ProcessKind:
    try:
        return process_kind(kind)
    except ValueError as err:
        raise Refused(Problem("form", str(err), NOT_FOUND), status=404) from None


def parse(kind: str, values: Mapping[str, Any]) -> Command:
    """The start command of `kind` from a form's fields or the CLI's flags. A date the rule book has no rule in force
    for says so first (a request from before the SEND Regulations 2014 has no deadline), then the model's checks."""
    _kind(kind)
    for field, rule in _anchor_rules()[kind]:
        value = values.get(field)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                continue  # the model says what is wrong with it
        if isinstance(value, date):
            checks.in_force(field, rule, value)
    return checks.parse(START_COMMANDS[kind], dict(values))


@dataclass(frozen=True)
class Launch:
    """A start checked and ready to go: the registry's entry, the workflow id, the run input and the starter call."""

    kind: ProcessKind
    workflow_id: str
    case_ref: str
    run_input: Any
    start: Callable[[Any], Awaitable[Any]]  # start(client) -> the starter's StartedProcess / Started
    names: Mapping[str, str]  # the run input's fields as the command's


@dataclass(frozen=True)
class Started:
    workflow_id: str
    case_ref: str
    kind: str
    created: bool  # False: it already existed (a duplicate start), returned as it stands
    state: Any  # the workflow's state (AdviceState for an advice request, ProcessState otherwise)


def prepare(ctx: Context, kind: str, cmd: Command, *, initials: str | None = None) -> Launch:
    """Every check before a start (staff, dates against today and each other, rules in force on their dates) and the
    workflow input; refuses with Problems on the command's fields. `initials` (the CLI's --initials) go in the
    header."""
    entry = _kind(kind)
    if not isinstance(cmd, START_COMMANDS[kind]):
        raise Refused(Problem("form", f"not a {entry.label.lower()} start", NOT_FOUND), status=404)
    settings, today = ctx.settings, ctx.today()
    began_field = BEGAN_FIELD[kind]
    names = {"received_on": began_field, "escalate_to": "owner"}
    escalate_to = settings.reminders.escalate_to
    for field, rule in _anchor_rules()[kind]:
        value = getattr(cmd, field)
        if value is not None:
            checks.in_force(field, rule, value)
    if isinstance(cmd, StartAdvice):
        return _advice(ctx, entry, cmd, escalate_to, initials, today, names)
    from starter.requests import step_options
    from workflows.models import (
        DraftConsultationInput,
        ProcessHeader,
        ReassessmentInput,
        ReviewInput,
    )

    assert isinstance(cmd, (StartDraft, StartReview, StartReassessment))
    began = getattr(cmd, began_field)
    channel = getattr(cmd, "channel", Channel.EMAIL)
    header = checks.build(
        ProcessHeader,
        names,
        case_ref=cmd.case_ref,
        la=cmd.la,
        received_on=began,
        owner=cmd.owner,
        channel=channel,
        escalate_to=escalate_to,
        initials=initials,
    )
    checks.staff(settings, owner=header.owner)
    checks.staff(settings, owner=header.escalate_to)
    checks.not_future(began_field, began, today)
    if isinstance(cmd, StartDraft):
        served = cmd.served_on or cmd.received_on
        checks.not_before(
            "served_on", served, cmd.received_on, f"{served} is before the date received ({cmd.received_on})"
        )
        run_input: Any = DraftConsultationInput(header=header, options=step_options(settings), served_on=served)
    elif isinstance(cmd, StartReview):
        run_input = checks.build(
            ReviewInput,
            names,
            header=header,
            year_group=cmd.year_group,
            transfer_on=cmd.transfer_on,
            transfer_kind=cmd.transfer_kind,
        )
    else:
        assert isinstance(cmd, StartReassessment)
        checks.not_before(
            "last_assessment_on",
            cmd.needs_changed_on,
            cmd.last_assessment_on,
            f"{cmd.last_assessment_on} is after the date the needs changed ({cmd.needs_changed_on}); "
            f"the last assessment comes first",
        )
        run_input = ReassessmentInput(
            header=header, options=step_options(settings), last_assessment_on=cmd.last_assessment_on
        )
    workflow_id = entry.workflow_id(header.case_ref, began)
    return Launch(entry, workflow_id, header.case_ref, run_input, _starter(ctx, entry, workflow_id, run_input), names)


def _advice(
    ctx: Context,
    entry: ProcessKind,
    cmd: StartAdvice,
    escalate_to: str,
    initials: str | None,
    today: date,
    names: dict[str, str],
) -> Launch:
    from workflows.models import AdviceRequest

    settings = ctx.settings
    if cmd.requested_on is not None and cmd.requested_on > cmd.received_on:
        checks.refuse(
            "requested_on",
            f"{cmd.requested_on} is after the date the request was received "
            f"({cmd.received_on}); the letter is dated on or before the day it arrived",
            "after_received",
        )
    request = checks.build(
        AdviceRequest, names, **cmd.model_dump(exclude_none=True), escalate_to=escalate_to, initials=initials
    )
    checks.staff(settings, owner=request.owner)
    checks.staff(settings, owner=request.escalate_to)
    checks.not_future("received_on", request.received_on, today)
    workflow_id = entry.workflow_id(request.case_ref, request.received_on)
    return Launch(entry, workflow_id, request.case_ref, request, _starter(ctx, entry, workflow_id, request), names)


def _starter(ctx: Context, entry: ProcessKind, workflow_id: str, run_input: Any) -> Callable[[Any], Awaitable[Any]]:
    """The starter function for the kind (looked up when called: tests stand in for them)."""
    import starter.advice
    import starter.processes
    import starter.review

    settings = ctx.settings
    if entry is ADVICE:
        return lambda client: starter.advice.start_advice_request(client, settings, run_input)
    if entry is REVIEW:
        return lambda client: starter.review.start_review(client, settings, run_input)
    run = getattr(entry.workflow, "run")  # noqa: B009 - the registry types a workflow class as `type`
    return lambda client: starter.processes.start_process(client, settings, run, run_input, workflow_id, entry.kind)


async def launch(ctx: Context, ready: Launch) -> Started:
    """Start what `prepare` checked (or return the process already there)."""
    started = await call(ctx, ready.start, ready.names)
    return Started(
        workflow_id=ready.workflow_id,
        case_ref=ready.case_ref,
        kind=ready.kind.kind,
        created=bool(started.created),
        state=started.state,
    )


async def start(ctx: Context, kind: str, cmd: Command, *, initials: str | None = None) -> Started:
    """Check and start a process of `kind` (idempotent)."""
    return await launch(ctx, prepare(ctx, kind, cmd, initials=initials))
