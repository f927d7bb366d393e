"""Starting a statutory process of any kind: its input (the same for a form, a JSON body and the CLI's flags), the
checks made before Temporal is contacted, and the start through the starter functions, with the workflow class and id
the process registry (workflows/registry.py) gives.

Each kind's start command is one class here: its fields (each with its form label and hint, and its command-line
flag), the date the process began, the dates whose rule must be in force, its own cross-field checks and the run input
it builds. The dashboard's start form (dashboard/forms.py), the JSON API's body and `sendclock <group> start`
(starter/cli/starts.py) are all built from it, so a new process kind adds a workflow, a registry entry and a class
here, and no screen or command by hand.

Starting is idempotent: the same case and date give the same workflow (`created` False the second time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field

from commands import checks
from commands.base import Command, Context, call
from commands.errors import NOT_FOUND, Problem, Refused
from statutory.clock import fmt
from workflows.models import (
    NO_LA,
    AdviceRequest,
    DraftConsultationInput,
    ProcessHeader,
    ReassessmentInput,
    ReviewInput,
    SchoolDutyInput,
    StepOptions,
    TermlyInput,
    duty_case_ref,
)
from workflows.models.common import CaseRef, Channel, SendDate, ShortText, StaffId
from workflows.models.review import TransferKind

if TYPE_CHECKING:
    from workflows.registry import ProcessKind


@dataclass(frozen=True)
class Flag:
    """A start field's command-line flag (`sendclock <group> start --received 2027-03-01`) and its help; annotated
    on the field (Annotated[..., Flag(...)]), so it stays out of the API's JSON schema."""

    name: str
    help: str


# How each start field is shown on the dashboard's start form (dashboard/forms.py start_fields reads them, in the
# model's field order): the title is the form's label; json_schema_extra's "hint" the text under it, "widget": "staff"
# a select of the staff directory (required, the SENCO by default), and "choices" the labels of a choice's values (""
# for an optional choice's empty option). The widget otherwise follows the type: a date, a number for an int, a select
# for an enum or Literal, text for the rest; a field is required when the model requires it.
CASE_FLAG = Flag("--case", "The school's case reference (never a name).")
CHANNEL_FLAG = Flag("--channel", "How it arrived: email, post, hand, portal.")


def _case() -> Any:
    return Field(
        title="Case reference",
        json_schema_extra={"hint": "The school's case reference, never a name (letters, digits, '.', '_', '-')."},
    )


def _la() -> Any:
    return Field(title="Local authority")


def _owner(title: str = "Owner", **field: Any) -> Any:
    return Field(title=title, json_schema_extra={"widget": "staff"}, **field)


def _channel() -> Any:
    return Field(default=Channel.EMAIL, title="How it arrived")


class StartProcess(Command):
    """What every start command declares beside its fields (class attributes, not input)."""

    # The registry's kind (workflows/registry.py; its workflow's KIND), named here so that the command line, which
    # builds its start commands from these classes at every run, need not import the workflows.
    kind: ClassVar[str]
    began_field: ClassVar[str]  # the field holding the date the process began (its header's received_on)
    # The dates whose rule must be in force: (the field, the rule book id of the step planned from it).
    planned_from: ClassVar[tuple[tuple[str, str], ...]] = ()
    cli_group: ClassVar[str]  # `sendclock <cli_group> start` starts one
    cli_help: ClassVar[str]  # `sendclock <cli_group> start --help`

    if TYPE_CHECKING:  # every start has these; each class declares them itself, in its form's order
        case_ref: str
        la: str
        owner: str

    def check(self) -> None:
        """The command's own checks between its fields (after the model's, before Temporal)."""

    def run_input(self, header: ProcessHeader, options: StepOptions) -> Any:
        """The workflow's run input, from the header every process has and the school's step options."""
        raise NotImplementedError


class StartAdvice(StartProcess):
    """An LA asked the school for advice for an EHC needs assessment (reg 8: six weeks)."""

    kind = "ehc-advice-request"
    began_field = "received_on"
    planned_from = (("received_on", "ehc-advice"),)
    cli_group = "advice"
    cli_help = "Start an EHC advice request (idempotent: the same case and date give the same workflow)."

    case_ref: Annotated[CaseRef, CASE_FLAG] = _case()
    la: Annotated[ShortText, Flag("--la", "The local authority that asked.")] = _la()
    received_on: Annotated[SendDate, Flag("--received", "Date the LA's request was received, YYYY-MM-DD.")] = Field(
        title="Date the LA's request was received", description="Date the LA's request was received"
    )
    owner: Annotated[StaffId, Flag("--owner", "Staff id who prepares the advice (see config).")] = _owner(
        description="Staff id who prepares the advice"
    )
    channel: Annotated[Channel, CHANNEL_FLAG] = _channel()
    requested_on: Annotated[
        SendDate | None,
        Flag(
            "--requested-on",
            "The date on the LA's request letter (YYYY-MM-DD), if earlier than the day it was received: the "
            "statutory six weeks still run from receipt; a school that promises six weeks from the request "
            "(law.advice_promise_from) gets the earlier target.",
        ),
    ] = Field(
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
    assessment_requested_on: Annotated[
        SendDate | None,
        Flag(
            "--assessment-requested",
            "Date the LA received the EHC needs assessment request (YYYY-MM-DD), if its letter says: "
            "shows the LA's 6/16/20-week dates and chases the final plan.",
        ),
    ] = Field(
        default=None,
        title="Date the LA received the assessment request (optional)",
        description="Date the LA received the request for an EHC needs assessment, if its letter says",
        json_schema_extra={"hint": "If the LA's letter says: sendclock then shows the LA's 6, 16 and 20-week dates."},
    )

    def check(self) -> None:
        if self.requested_on is not None and self.requested_on > self.received_on:
            checks.refuse(
                "requested_on",
                f"{fmt(self.requested_on)} is after the date the request was received "
                f"({fmt(self.received_on)}); the letter is dated on or before the day it arrived",
                "after_received",
            )


class StartDraft(StartProcess):
    """A draft EHC plan or naming consultation arrived (the school's views in 15 days; the parent's 15 days)."""

    kind = "draft-plan-consultation"
    began_field = "received_on"
    planned_from = (("received_on", "naming-consultation"), ("served_on", "draft-plan-representations"))
    cli_group = "draft"
    cli_help = (
        "Start a draft plan consultation: the school's views within 15 days, the parent's 15 days tracked beside "
        "them (idempotent: the same case and date give the same workflow)."
    )

    case_ref: Annotated[CaseRef, CASE_FLAG] = _case()
    la: Annotated[ShortText, Flag("--la", "The local authority.")] = _la()
    received_on: Annotated[SendDate, Flag("--received", "Date the draft plan or consultation was received.")] = Field(
        title="Date the draft plan or consultation was received"
    )
    owner: Annotated[StaffId, Flag("--owner", "Staff id who owns the process's steps (see config).")] = _owner()
    channel: Annotated[Channel, CHANNEL_FLAG] = _channel()
    served_on: Annotated[
        SendDate | None,
        Flag("--served", "Date the draft was served on the parent, if not the day received (their 15 days)."),
    ] = Field(
        default=None,
        title="Date the draft was served on the parent (optional)",
        description="Date the draft was served on the parent, if not the day received",
        json_schema_extra={"hint": "If not the day the school received it: the parent's 15 days run from it."},
    )

    def check(self) -> None:
        if self.served_on is not None:
            checks.not_before(
                "served_on",
                self.served_on,
                self.received_on,
                f"{fmt(self.served_on)} is before the date received ({fmt(self.received_on)})",
            )

    def run_input(self, header: ProcessHeader, options: StepOptions) -> Any:
        return DraftConsultationInput(header=header, options=options, served_on=self.served_on or self.received_on)


class StartReview(StartProcess):
    """The annual review cycle of an EHC plan (one per plan)."""

    kind = "annual-review"
    began_field = "plan_date"
    cli_group = "review"
    cli_help = "Start the annual review cycle of an EHC plan (idempotent: one per case)."

    case_ref: Annotated[CaseRef, CASE_FLAG] = _case()
    la: Annotated[ShortText, Flag("--la", "The LA that maintains the plan.")] = _la()
    plan_date: Annotated[SendDate, Flag("--plan-date", "Date the plan was made or last reviewed.")] = Field(
        title="Date the plan was made or last reviewed", description="Date the plan was made or last reviewed"
    )
    owner: Annotated[StaffId, Flag("--owner", "Staff id who runs the review (usually senco).")] = _owner(
        default="senco"
    )
    year_group: Annotated[int | None, Flag("--year-group", "The pupil's year group this cycle.")] = Field(
        default=None, ge=-1, le=14, title="Year group this cycle (optional)"
    )
    transfer_on: Annotated[SendDate | None, Flag("--transfer-on", "The date of a transfer this year (reg 18).")] = (
        Field(
            default=None,
            title="Date of a move to a new school or college this year (optional)",
            json_schema_extra={
                "hint": "In a transfer year the plan must be reviewed and amended to name the new school or "
                "college before the date the law sets."
            },
        )
    )
    transfer_kind: Annotated[
        TransferKind | None,
        Flag(
            "--transfer-kind",
            "phase (reg 18(1)(b)), post16 (school to post-16, reg 18(1)(a)) or post16-move "
            "(between post-16 institutions, reg 18(2)).",
        ),
    ] = Field(
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

    def run_input(self, header: ProcessHeader, options: StepOptions) -> Any:
        return checks.build(
            ReviewInput,
            {"received_on": self.began_field},
            header=header,
            options=options,
            year_group=self.year_group,
            transfer_on=self.transfer_on,
            transfer_kind=self.transfer_kind,
        )


class StartReassessment(StartProcess):
    """The pupil's needs changed significantly: the school will ask the LA to re-assess (regs 24-27)."""

    kind = "reassessment"
    began_field = "needs_changed_on"
    planned_from = (("last_assessment_on", "reassessment-earliest"),)
    cli_group = "reassessment"
    cli_help = (
        "Start a re-assessment: prompted from the earliest request date, then the LA's decision and final plan "
        "chased (idempotent: the same case and date give the same workflow)."
    )

    case_ref: Annotated[CaseRef, CASE_FLAG] = _case()
    la: Annotated[ShortText, Flag("--la", "The local authority.")] = _la()
    needs_changed_on: Annotated[
        SendDate,
        Flag("--needs-changed", "Date the school recorded that the pupil's needs changed significantly."),
    ] = Field(title="Date the pupil's needs were recorded as changed")
    last_assessment_on: Annotated[
        SendDate,
        Flag("--last-assessment", "Date of the last EHC needs assessment (the six months of reg 24 run from it)."),
    ] = Field(title="Date of the last EHC needs assessment")
    owner: Annotated[StaffId, Flag("--owner", "Staff id who owns the process's steps (see config).")] = _owner()

    def check(self) -> None:
        checks.not_before(
            "last_assessment_on",
            self.needs_changed_on,
            self.last_assessment_on,
            f"{fmt(self.last_assessment_on)} is after the date the needs changed ({fmt(self.needs_changed_on)}); "
            f"the last assessment comes first",
        )

    def run_input(self, header: ProcessHeader, options: StepOptions) -> Any:
        return ReassessmentInput(header=header, options=options, last_assessment_on=self.last_assessment_on)


class StartSupport(StartProcess):
    """A pupil placed on SEN support (census code K): a review with the parents each term, for as long as it lasts."""

    kind = "sen-support"
    began_field = "placed_on"
    planned_from = (("placed_on", "sen-support-review"),)
    cli_group = "support"
    cli_help = (
        "Start the SEN support reviews of a pupil: one review with the parents each term, by the term's last school "
        "day (idempotent: the same case and date give the same workflow)."
    )

    case_ref: Annotated[CaseRef, CASE_FLAG] = _case()
    placed_on: Annotated[SendDate, Flag("--placed-on", "Date the pupil was placed on SEN support, YYYY-MM-DD.")] = (
        Field(title="Date the pupil was placed on SEN support")
    )
    owner: Annotated[StaffId, Flag("--key-worker", "Staff id of the pupil's key worker (see config).")] = _owner(
        title="Key worker"
    )
    la: Annotated[ShortText, Flag("--la", "The pupil's home LA, if the school records it (optional).")] = Field(
        default=NO_LA, title="Local authority (optional)"
    )

    def run_input(self, header: ProcessHeader, options: StepOptions) -> Any:
        return TermlyInput(header=header, options=options)


class StartPep(StartProcess):
    """A looked-after pupil's personal education plan: reviewed each term with the virtual school."""

    kind = "pep-review"
    began_field = "began_on"
    planned_from = (("began_on", "pep-review"),)
    cli_group = "pep"
    cli_help = (
        "Start the termly PEP reviews of a looked-after pupil (idempotent: the same case and date give the same "
        "workflow)."
    )

    case_ref: Annotated[CaseRef, CASE_FLAG] = _case()
    began_on: Annotated[SendDate, Flag("--began-on", "Date the PEP reviews start from, YYYY-MM-DD.")] = Field(
        title="Date the PEP reviews start from"
    )
    owner: Annotated[StaffId, Flag("--owner", "Staff id of the designated teacher (see config).")] = _owner(
        title="Designated teacher"
    )
    la: Annotated[ShortText, Flag("--la", "The LA that looks after the pupil (its virtual school).")] = Field(
        default=NO_LA, title="Local authority that looks after the pupil (optional)"
    )

    def run_input(self, header: ProcessHeader, options: StepOptions) -> Any:
        return TermlyInput(header=header, options=options)


class StartSchoolDuty(StartProcess):
    """A school duty tracked year after year: the SEN information report, the SEND policy review, the annual report
    to parents. Its case reference is the duty's rule id in capitals (one process per duty)."""

    kind = "school-duty"
    began_field = "last_done_on"
    cli_group = "duty"
    cli_help = (
        "Start tracking a school duty each year: sen-information-report, send-policy-review or "
        "annual-progress-report (idempotent: one per duty)."
    )

    duty: Annotated[
        Literal["sen-information-report", "send-policy-review", "annual-progress-report"],
        Flag("--duty", "sen-information-report, send-policy-review or annual-progress-report."),
    ] = Field(
        title="Duty",
        json_schema_extra={
            "choices": {
                "sen-information-report": "SEN information report published on the school's website",
                "send-policy-review": "SEND policy review by the governing board",
                "annual-progress-report": "Annual report to parents on their child's progress",
            }
        },
    )
    last_done_on: Annotated[
        SendDate, Flag("--last-done", "Date it was last done: the report published, the policy reviewed, YYYY-MM-DD.")
    ] = Field(title="Date it was last done")
    owner: Annotated[StaffId, Flag("--owner", "Staff id who owns it: the head, the SENCO, the SEND governor.")] = (
        _owner()
    )

    # Every start has a case reference and an LA (StartProcess declares them for the type checker as the fields the
    # other starts have); a duty's are not typed in: its rule id, and no LA.
    @property  # type: ignore[misc]
    def case_ref(self) -> str:  # type: ignore[override]
        return duty_case_ref(self.duty)

    @property  # type: ignore[misc]
    def la(self) -> str:  # type: ignore[override]
        return NO_LA

    def run_input(self, header: ProcessHeader, options: StepOptions) -> Any:
        return SchoolDutyInput(header=header, options=options)


# Each process kind's start command, in the registry's order (tests/commands hold it to the registry).
START_COMMANDS: dict[str, type[StartProcess]] = {
    c.kind: c
    for c in (StartAdvice, StartDraft, StartReview, StartReassessment, StartSupport, StartPep, StartSchoolDuty)
}


def _kind(kind: str) -> ProcessKind:
    from workflows.registry import process_kind

    try:
        return process_kind(kind)
    except ValueError as err:
        raise Refused(Problem("form", str(err), NOT_FOUND), status=404) from None


def parse(kind: str, values: Mapping[str, Any]) -> StartProcess:
    """The start command of `kind` from a form's fields or the CLI's flags. A date the rule book has no rule in force
    for says so first (a request from before the SEND Regulations 2014 has no deadline), then the model's checks."""
    _kind(kind)
    model = START_COMMANDS[kind]
    for field, rule in model.planned_from:
        value = values.get(field)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                continue  # the model says what is wrong with it
        if isinstance(value, date):
            checks.in_force(field, rule, value)
    return checks.parse(model, dict(values))


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
    header. The process is the school's whose settings `ctx` has (Settings.for_school): its workflow id carries the
    school's id (none for a single-school install); a trust's settings with several schools are refused on
    `school`."""
    from starter.requests import start_school, step_options

    entry = _kind(kind)
    if not isinstance(cmd, START_COMMANDS[kind]):
        raise Refused(Problem("form", f"not a {entry.label.lower()} start", NOT_FOUND), status=404)
    settings, today = ctx.settings, ctx.today()
    school = start_school(settings)
    names = {"received_on": cmd.began_field, "escalate_to": "owner"}
    for field, rule in cmd.planned_from:
        value = getattr(cmd, field)
        if value is not None:
            checks.in_force(field, rule, value)
    cmd.check()
    began: date = getattr(cmd, cmd.began_field)
    fields = {
        "case_ref": cmd.case_ref,
        "la": cmd.la,
        "received_on": began,
        "owner": cmd.owner,
        "channel": getattr(cmd, "channel", Channel.EMAIL),
        "escalate_to": settings.reminders.escalate_to,
        "initials": initials,
    }
    if isinstance(cmd, StartAdvice):  # the first process, older than the header the others share
        run_input: Any = checks.build(AdviceRequest, names, **cmd.model_dump(exclude_none=True) | fields)
    else:
        header = checks.build(ProcessHeader, names, **fields)
        run_input = cmd.run_input(header, step_options(settings))
    checks.staff(settings, owner=cmd.owner)
    checks.staff(settings, owner=settings.reminders.escalate_to)
    checks.not_future(cmd.began_field, began, today)
    workflow_id = entry.workflow_id(cmd.case_ref, began, school=school)
    return Launch(entry, workflow_id, cmd.case_ref, run_input, _starter(ctx, entry, workflow_id, run_input), names)


def _starter(ctx: Context, entry: ProcessKind, workflow_id: str, run_input: Any) -> Callable[[Any], Awaitable[Any]]:
    """The starter function for the kind (looked up when called: tests stand in for them)."""
    import starter.advice
    import starter.processes
    from workflows.registry import ADVICE

    settings = ctx.settings
    if entry is ADVICE:
        return lambda client: starter.advice.start_advice_request(client, settings, run_input)
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
