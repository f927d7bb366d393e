"""What the start and record forms and the JSON API do, in one place: the input models (the same for a form and a
JSON body), the checks the CLI makes before Temporal is contacted, and the call to the starter functions.

Bad input raises FieldErrors (field name -> message); the pages show each message next to its field and the API
answers 422 with the same fields. Nothing is started or changed when input is bad.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select

from dashboard.auth import User
from dashboard.context import Web
from starter.requests import RequestError
from statutory.rules import TRANSFER_RULES
from store.models import Event, Process, Step
from workflows.models.common import CaseRef, Channel, Note, RuleId, SendDate, ShortText, StaffId
from workflows.models.review import AppealOutcome, Invitee, TransferKind


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors, self.status = errors, status


class Forbidden(Exception):
    """The signed-in user may not make this change (staff changing another person's step)."""


class Unavailable(Exception):
    """Temporal could not be reached."""


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- starting processes --------------------------------------------------------------------------------------


class StartAdvice(Command):
    """An LA asked the school for advice for an EHC needs assessment (reg 8: six weeks)."""

    case_ref: CaseRef
    la: ShortText
    received_on: SendDate = Field(description="Date the LA's request was received")
    owner: StaffId = Field(description="Staff id who prepares the advice")
    channel: Channel = Channel.EMAIL
    assessment_requested_on: SendDate | None = Field(default=None, description="Date the LA received the request for "
                                                 "an EHC needs assessment, if its letter says")
    requested_on: SendDate | None = Field(default=None, description="Date of the LA's request letter, if it is dated "
                                      "before the day it was received (on or before received_on)")


class StartDraft(Command):
    """A draft EHC plan or naming consultation arrived (the school's views in 15 days; the parent's 15 days)."""

    case_ref: CaseRef
    la: ShortText
    received_on: SendDate
    owner: StaffId
    served_on: SendDate | None = Field(default=None, description="Date the draft was served on the parent, if not the "
                                   "day received")
    channel: Channel = Channel.EMAIL


class StartReview(Command):
    """The annual review cycle of an EHC plan (one per plan)."""

    case_ref: CaseRef
    la: ShortText
    plan_date: SendDate = Field(description="Date the plan was made or last reviewed")
    owner: StaffId = "senco"
    year_group: int | None = Field(default=None, ge=-1, le=14)
    transfer_on: SendDate | None = None
    transfer_kind: TransferKind | None = None


class StartReassessment(Command):
    """The pupil's needs changed significantly: the school will ask the LA to re-assess (regs 24-27)."""

    case_ref: CaseRef
    la: ShortText
    needs_changed_on: SendDate
    last_assessment_on: SendDate
    owner: StaffId


START_COMMANDS: dict[str, type[Command]] = {
    "ehc-advice-request": StartAdvice, "draft-plan-consultation": StartDraft, "annual-review": StartReview,
    "reassessment": StartReassessment,
}
# The starters' field names, said as this command's field.
START_FIELDS = {
    "annual-review": {"received_on": "plan_date", "escalate_to": "owner"},
    "reassessment": {"received_on": "needs_changed_on", "escalate_to": "owner"},
}


# --- recording changes ---------------------------------------------------------------------------------------


class AdviceSentIn(Command):
    sent_on: SendDate
    method: Channel = Channel.EMAIL
    note: Note = ""


class StepDoneIn(Command):
    rule_id: RuleId
    done_on: SendDate
    method: Channel | None = None
    evidence: Note = ""


class ReportSentIn(Command):
    done_on: SendDate
    method: Channel | None = Channel.EMAIL
    evidence: Note = ""


class ExemptionIn(Command):
    rule_id: RuleId
    ground: RuleId
    start: SendDate | None = None
    end: SendDate | None = None
    note: Note = ""


class WithdrawalIn(Command):
    withdrawn_on: SendDate
    reason: Note = ""


class CancellationIn(Command):
    rule_id: RuleId
    cancelled_on: SendDate
    reason: Note = ""


class ReassignmentIn(Command):
    rule_id: RuleId
    owner: StaffId
    reason: Note = ""


class MeetingIn(Command):
    meeting_on: SendDate
    short_notice: bool = False
    note: Note = ""


class MeetingHeldIn(Command):
    held_on: SendDate
    attended: list[Invitee] = Field(default_factory=list)
    note: Note = ""


class ReviewDecisionIn(Command):
    decided_on: SendDate
    decision: Literal["maintain", "amend", "cease"]
    evidence: Note = ""


class ReassessmentDecisionIn(Command):
    decided_on: SendDate
    decision: Literal["reassess", "refused"]
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


@dataclass(frozen=True)
class Action:
    name: str
    title: str
    model: type[Command]
    kinds: tuple[str, ...]  # the processes it applies to
    completion: bool = False  # records a completion: staff may do it on their own steps
    rule: str | None = None  # the step it completes, when fixed
    shown: Callable[[Process, list[Step]], bool] | None = None  # offered on the case page only when this holds


# The reg 18 steps (statutory.rules.TRANSFER_RULES) a final plan naming the new setting completes, and the amended
# plan it may also be.
FINAL_PLAN_RULES = (*TRANSFER_RULES, "amended-plan-final")
APPEAL_WINDOW = "cease-appeal-window"


def _any_open(steps: list[Step], rules: tuple[str, ...]) -> bool:
    return any(s.rule_id in rules and s.status == "open" for s in steps)


def _final_plan_owed(process: Process, steps: list[Step]) -> bool:
    return _any_open(steps, FINAL_PLAN_RULES)


def _appeal_possible(process: Process, steps: list[Step]) -> bool:
    """The appeal window is open, or an appeal was lodged and is not decided yet."""
    facts = process.facts or {}
    return _any_open(steps, (APPEAL_WINDOW,)) or bool(facts.get("appeal_lodged_on") and
                                                      not facts.get("appeal_decided_on"))


ALL = ("ehc-advice-request", "draft-plan-consultation", "annual-review", "reassessment")
ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("advice-sent", "Record the advice as sent", AdviceSentIn, ("ehc-advice-request",), True, "ehc-advice"),
    Action("step-done", "Record a step as done", StepDoneIn, ALL, True),
    Action("meeting", "Set or move the review meeting", MeetingIn, ("annual-review",)),
    Action("meeting-held", "Record the review meeting as held", MeetingHeldIn, ("annual-review",)),
    Action("report-sent", "Record the review report as sent", ReportSentIn, ("annual-review",), True, "review-report"),
    Action("la-decision", "Record the LA's decision after the review", ReviewDecisionIn, ("annual-review",)),
    Action("final-plan", "Record the LA's final plan naming the new school or college", FinalPlanIn,
           ("annual-review",), shown=_final_plan_owed),
    Action("appeal", "Record an appeal against the decision to cease", AppealIn, ("annual-review",),
           shown=_appeal_possible),
    Action("plan-ceased", "Record that the plan has ceased", PlanCeasedIn, ("annual-review",)),
    Action("reassessment-decision", "Record the LA's decision on re-assessing", ReassessmentDecisionIn,
           ("reassessment",), rule="reassessment-decision"),
    Action("exemption", "Record an exemption", ExemptionIn, ALL),
    Action("withdrawal", "Record that the LA withdrew its request", WithdrawalIn, ("ehc-advice-request",)),
    Action("cancellation", "Cancel a step", CancellationIn, ("draft-plan-consultation", "annual-review",
                                                              "reassessment")),
    Action("reassignment", "Reassign a step", ReassignmentIn, ALL),
]}


def parse(model: type[Command], values: dict[str, Any]) -> Command:
    """A command from form values (empty fields are left out) or a JSON body; FieldErrors naming each bad field."""
    lists = values.get("__lists__", {})
    data = {k: v for k, v in values.items() if k != "__lists__" and v not in ("", None)}
    for name, info in model.model_fields.items():
        if name in lists and "list" in str(info.annotation):
            data[name] = [v for v in lists[name] if v]
    try:
        return model.model_validate(data)
    except ValidationError as err:
        errors: dict[str, str] = {}
        for e in err.errors():
            name = str(e["loc"][0]) if e["loc"] else "form"
            errors.setdefault(name, e["msg"].removeprefix("Value error, "))
        raise FieldErrors(errors) from err


def request_errors(err: Exception, rename: dict[str, str] | None = None) -> FieldErrors:
    """A starter's RequestError ("field: reason") as FieldErrors on this form's field."""
    field_, sep, reason = str(err).partition(":")
    name = field_.strip() if sep and " " not in field_.strip() else "form"
    name = (rename or {}).get(name, name)
    return FieldErrors({name: reason.strip() if sep and name != "form" else str(err)})


def _not_future(name: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        raise FieldErrors({name: f"{value} is in the future (today is {today})"})


def _in_force(name: str, rule_id: str, anchor: date) -> None:
    from statutory import get_rule

    try:
        get_rule(rule_id, on=anchor)
    except ValueError as err:
        raise FieldErrors({name: str(err)}) from err


@dataclass
class Outcome:
    workflow_id: str
    case_ref: str
    kind: str
    created: bool | None = None
    state: dict[str, Any] = field(default_factory=dict)


def _state_json(state: Any) -> dict[str, Any]:
    return state.model_dump(mode="json")


def _event_count(web: Web, workflow_id: str) -> int:
    with web.sessionmaker() as session:
        return session.scalar(select(func.count(Event.id)).where(Event.process_id == workflow_id)) or 0


async def _projected(web: Web, workflow_id: str, before: int, timeout: float = 10.0) -> None:
    """Wait (bounded) until the worker has recorded the change, so the page shown next already has it."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while _event_count(web, workflow_id) <= before and loop.time() < give_up:
        await asyncio.sleep(0.1)


async def _call(web: Web, work, rename: dict[str, str] | None = None):
    try:
        client = await web.client()
        return await work(client)
    except RequestError as err:
        raise request_errors(err, rename) from err
    except RuntimeError as err:
        if "connect" in str(err).lower() or "transport" in str(err).lower():
            raise Unavailable(str(err)) from err
        raise


def check_start(web: Web, user: User, kind: str, cmd: Command) -> tuple[Any, str, Any, Any]:
    """Every check the CLI makes before starting; returns (run, workflow_id, run_input, starter) ready to go."""
    from starter.advice import check_request
    from starter.processes import check_header
    from starter.requests import step_options
    from workflows.models import AdviceRequest, DraftConsultationInput, ProcessHeader, ReassessmentInput, ReviewInput

    if not user.is_senco:
        raise Forbidden()
    settings, today = web.settings, web.clock()
    escalate_to = settings.reminders.escalate_to
    rename = START_FIELDS.get(kind, {"escalate_to": "owner"})

    def build(model, **fields):
        try:
            return model(**fields)
        except ValidationError as err:
            first = err.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else ""
            if not name:
                raise request_errors(ValueError(first["msg"].removeprefix("Value error, ")), rename) from err
            raise FieldErrors({rename.get(name, name): first["msg"]}) from err

    try:
        if isinstance(cmd, StartAdvice):
            from workflows.ehc_advice import EhcAdviceRequest
            from workflows.registry import ADVICE

            if cmd.requested_on is not None and cmd.requested_on > cmd.received_on:
                raise FieldErrors({"requested_on": f"{cmd.requested_on} is after the date the request was received "
                                                   f"({cmd.received_on}); the letter is dated on or before the day "
                                                   f"it arrived"})
            request = build(AdviceRequest, **cmd.model_dump(exclude_none=True), escalate_to=escalate_to)
            check_request(settings, request, today=today)
            return EhcAdviceRequest.run, ADVICE.workflow_id(cmd.case_ref, cmd.received_on), request, "advice"
        header = None
        if isinstance(cmd, StartDraft):
            from workflows.draft_consultation import PARENT, SCHOOL, DraftPlanConsultation
            from workflows.registry import DRAFT

            header = build(ProcessHeader, case_ref=cmd.case_ref, la=cmd.la, received_on=cmd.received_on,
                           owner=cmd.owner, channel=cmd.channel, escalate_to=escalate_to)
            check_header(settings, header)
            _not_future("received_on", cmd.received_on, today)
            served = cmd.served_on or cmd.received_on
            if served < cmd.received_on:
                raise FieldErrors({"served_on": f"{served} is before the date received ({cmd.received_on})"})
            _in_force("received_on", SCHOOL, cmd.received_on)
            _in_force("served_on", PARENT, served)
            run_input = DraftConsultationInput(header=header, options=step_options(settings), served_on=served)
            return DraftPlanConsultation.run, DRAFT.workflow_id(cmd.case_ref, cmd.received_on), run_input, kind
        if isinstance(cmd, StartReview):
            from workflows.annual_review import AnnualReview
            from workflows.registry import REVIEW

            header = build(ProcessHeader, case_ref=cmd.case_ref, la=cmd.la, received_on=cmd.plan_date,
                           owner=cmd.owner, escalate_to=escalate_to)
            check_header(settings, header)
            _not_future("plan_date", cmd.plan_date, today)
            run_input = build(ReviewInput, header=header, year_group=cmd.year_group, transfer_on=cmd.transfer_on,
                              transfer_kind=cmd.transfer_kind)
            return AnnualReview.run, REVIEW.workflow_id(cmd.case_ref), run_input, "review"
        if isinstance(cmd, StartReassessment):
            from workflows.registry import REASSESSMENT
            from workflows.reassessment import EARLIEST, Reassessment

            header = build(ProcessHeader, case_ref=cmd.case_ref, la=cmd.la, received_on=cmd.needs_changed_on,
                           owner=cmd.owner, channel="email", escalate_to=escalate_to)
            check_header(settings, header)
            _not_future("needs_changed_on", cmd.needs_changed_on, today)
            if cmd.last_assessment_on > cmd.needs_changed_on:
                raise FieldErrors({"last_assessment_on": f"{cmd.last_assessment_on} is after the date the needs "
                                                         f"changed ({cmd.needs_changed_on}); the last assessment "
                                                         f"comes first"})
            _in_force("last_assessment_on", EARLIEST, cmd.last_assessment_on)
            run_input = ReassessmentInput(header=header, options=step_options(settings),
                                          last_assessment_on=cmd.last_assessment_on)
            return Reassessment.run, REASSESSMENT.workflow_id(cmd.case_ref, cmd.needs_changed_on), run_input, kind
    except RequestError as err:
        raise request_errors(err, rename) from err
    raise FieldErrors({"form": f"unknown process {kind!r}"}, status=404)


async def start(web: Web, user: User, kind: str, cmd: Command) -> Outcome:
    """Start a process (idempotent: the same case and date give the same workflow, `created` False)."""
    from starter.advice import start_advice_request
    from starter.processes import start_process
    from starter.review import start_review

    run, workflow_id, run_input, how = check_start(web, user, kind, cmd)
    before = _event_count(web, workflow_id)
    rename = START_FIELDS.get(kind, {})
    if how == "advice":
        started = await _call(web, lambda c: start_advice_request(c, web.settings, run_input), rename)
    elif how == "review":
        started = await _call(web, lambda c: start_review(c, web.settings, run_input), rename)
    else:
        started = await _call(web, lambda c: start_process(c, web.settings, run, run_input, workflow_id, kind), rename)
    if started.created:
        await _projected(web, workflow_id, before)
    return Outcome(workflow_id=workflow_id, case_ref=cmd.case_ref, kind=kind, created=started.created,
                   state=_state_json(started.state))


# --- recording -----------------------------------------------------------------------------------------------


def load_process(web: Web, workflow_id: str) -> tuple[Process, list[Step]] | None:
    with web.sessionmaker() as session:
        process = session.get(Process, workflow_id)
        if process is None:
            return None
        steps = list(session.scalars(select(Step).where(Step.process_id == workflow_id).order_by(Step.id)))
        return process, steps


def may_record(user: User, action: Action, steps: list[Step], rule_id: str | None) -> bool:
    """senco: anything; staff: a completion of an open step they own."""
    if user.is_senco:
        return True
    if user.role != "staff" or not action.completion or not user.staff_id:
        return False
    rule = action.rule or rule_id
    return any(s.rule_id == rule and s.status == "open" and s.owner == user.staff_id for s in steps)


def available_actions(user: User, process: Process, steps: list[Step]) -> list[Action]:
    if process.status != "open" or not user.can_write:
        return []
    found = []
    for action in ACTIONS.values():
        if process.kind not in action.kinds:
            continue
        if action.rule and not any(s.rule_id == action.rule and s.status == "open" for s in steps):
            continue
        if action.shown is not None and not action.shown(process, steps):
            continue
        if user.is_senco or may_record(user, action, steps, None) or (
                action.name == "step-done" and any(s.status == "open" and s.owner == user.staff_id for s in steps)):
            found.append(action)
    return found


def _check_change(web: Web, cmd: Command, steps: list[Step]) -> None:
    """What the workflow would refuse, refused before Temporal is contacted: a rule the rule book does not have, a
    ground the step's rule does not have, an owner who is not in the staff directory. (Whether the step is open is
    the workflow's to say: the projection may not have caught up with a process just started.)"""
    from statutory import get_ground, rule_ids

    rule_id = getattr(cmd, "rule_id", None)
    if rule_id is not None and rule_id not in rule_ids():
        open_ids = sorted({s.rule_id for s in steps if s.status == "open"})
        raise FieldErrors({"rule_id": f"unknown rule {rule_id!r} (open steps here: {', '.join(open_ids) or 'none'})"})
    if isinstance(cmd, ExemptionIn):
        try:
            get_ground(cmd.rule_id, cmd.ground)
        except ValueError as err:
            raise FieldErrors({"ground": str(err)}) from err
        if cmd.start and cmd.end and cmd.end < cmd.start:
            raise FieldErrors({"end": f"{cmd.end} is before start {cmd.start}"})
    if isinstance(cmd, ReassignmentIn) and cmd.owner not in web.settings.staff:
        known = ", ".join(sorted(web.settings.staff)) or "none configured"
        raise FieldErrors({"owner": f"no staff member with id {cmd.owner!r} (known: {known})"})
    if isinstance(cmd, FinalPlanIn) and bool(cmd.names_setting) == cmd.already_named:
        raise FieldErrors({"names_setting": "give the school or college the final plan names, or confirm that the "
                                            "plan already names it (one of the two, not both)"})
    if isinstance(cmd, AppealIn):
        if cmd.lodged_on is None and cmd.decided_on is None:
            raise FieldErrors({"lodged_on": "give the date the appeal was lodged, or the date it was decided"})
        if cmd.lodged_on is not None and cmd.decided_on is not None:
            raise FieldErrors({"decided_on": "record the appeal as lodged first, then as decided: one date at a time"})
        if cmd.decided_on is not None and cmd.outcome is None:
            raise FieldErrors({"outcome": "say how the appeal ended"})
        if cmd.outcome is not None and cmd.decided_on is None:
            raise FieldErrors({"outcome": "an outcome goes with the date the appeal was decided, not with its "
                                          "lodging"})


def recorded_by_of(user: User, via: str | None = None) -> str:
    """Which account records a change (workflows/models/common.py, RecordedBy): the door it came through ("web" the
    dashboard's pages, "api" the JSON API; by default "api" for an API key, else "web") and the signed-in account's
    user name (never a pupil's name). Kept in the record's data beside `by`, the staff id of who did it."""
    return f"{via or ('api' if user.via_api_key else 'web')}:{user.username}"


async def record(web: Web, user: User, workflow_id: str, action_name: str, cmd: Command, *,
                 via: str | None = None) -> Outcome:
    from starter import advice, processes, review
    from workflows.models import (AdviceSent, AppealChange, Cancellation, Exemption, FinalPlan, LaDecision,
                                  MeetingDate, MeetingHeld, PlanCeased, Reassignment, ReviewDecision, StepDone,
                                  StepExemption, Withdrawal)
    from workflows.reassessment import Reassessment

    action = ACTIONS.get(action_name)
    loaded = load_process(web, workflow_id)
    if action is None or loaded is None:
        raise FieldErrors({"form": "no such process or action"}, status=404)
    process, steps = loaded
    if process.kind not in action.kinds:
        raise FieldErrors({"form": f"{action.name} does not apply to a {process.kind}"}, status=404)
    if not may_record(user, action, steps, getattr(cmd, "rule_id", None)):
        raise Forbidden()
    by = user.staff_id or ""
    if by not in web.settings.staff:
        raise FieldErrors({"form": f"your account has no staff id in the staff directory ({by or 'none'}); "
                                   f"ask the SENCO to set one"}, status=403)
    rb = recorded_by_of(user, via)
    today = web.clock()
    for name in ("sent_on", "done_on", "withdrawn_on", "cancelled_on", "held_on", "decided_on", "ceased_on", "start",
                 "issued_on", "lodged_on"):
        _not_future(name, getattr(cmd, name, None), today)
    _check_change(web, cmd, steps)
    s = web.settings

    def flagged(model, **fields):
        try:
            return model(**fields)
        except ValidationError as err:
            first = err.errors()[0]
            name = str(first["loc"][-1]) if first["loc"] else "form"
            raise FieldErrors({name: first["msg"]}) from err

    if isinstance(cmd, AdviceSentIn):
        change = flagged(AdviceSent, sent_on=cmd.sent_on, method=cmd.method, by=by, note=cmd.note, recorded_by=rb)
        work = lambda c: advice.advice_sent(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, (StepDoneIn, ReportSentIn)):
        rule = action.rule or cmd.rule_id
        change = flagged(StepDone, rule_id=rule, done_on=cmd.done_on, by=by, method=cmd.method, evidence=cmd.evidence,
                         recorded_by=rb)
        work = lambda c: processes.complete_step(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, ExemptionIn):
        exemption = flagged(Exemption, ground=cmd.ground, start=cmd.start, end=cmd.end, note=cmd.note, claimed_by=by,
                            recorded_by=rb)
        if process.kind == "ehc-advice-request" and cmd.rule_id == "ehc-advice":
            work = lambda c: advice.record_exemption(c, s, workflow_id, exemption)  # noqa: E731
        else:
            change = StepExemption(rule_id=cmd.rule_id, exemption=exemption)
            work = lambda c: processes.exempt_step(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, WithdrawalIn):
        change = flagged(Withdrawal, withdrawn_on=cmd.withdrawn_on, reason=cmd.reason, by=by, recorded_by=rb)
        work = lambda c: advice.withdraw(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, CancellationIn):
        change = flagged(Cancellation, rule_id=cmd.rule_id, cancelled_on=cmd.cancelled_on, by=by, reason=cmd.reason,
                         recorded_by=rb)
        work = lambda c: processes.cancel_step(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, ReassignmentIn):
        change = flagged(Reassignment, rule_id=cmd.rule_id, owner=cmd.owner, by=by, reason=cmd.reason, recorded_by=rb)
        work = lambda c: processes.reassign_step(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, MeetingIn):
        change = flagged(MeetingDate, meeting_on=cmd.meeting_on, short_notice=cmd.short_notice, by=by, note=cmd.note,
                         recorded_by=rb)
        work = lambda c: review.set_meeting(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, MeetingHeldIn):
        change = flagged(MeetingHeld, held_on=cmd.held_on, by=by, attended=cmd.attended, note=cmd.note, recorded_by=rb)
        work = lambda c: review.meeting_held(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, ReviewDecisionIn):
        change = flagged(ReviewDecision, decided_on=cmd.decided_on, decision=cmd.decision, by=by,
                         evidence=cmd.evidence, recorded_by=rb)
        work = lambda c: review.la_decision(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, PlanCeasedIn):
        change = flagged(PlanCeased, ceased_on=cmd.ceased_on, by=by, reason=cmd.reason, recorded_by=rb)
        work = lambda c: review.plan_ceased(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, FinalPlanIn):
        change = flagged(FinalPlan, issued_on=cmd.issued_on, names_setting=cmd.names_setting or None,
                         already_named=cmd.already_named, by=by, evidence=cmd.evidence, recorded_by=rb)
        work = lambda c: review.final_plan(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, AppealIn):
        change = flagged(AppealChange, lodged_on=cmd.lodged_on, decided_on=cmd.decided_on, outcome=cmd.outcome,
                         by=by, note=cmd.note, recorded_by=rb)
        work = lambda c: review.appeal(c, s, workflow_id, change)  # noqa: E731
    elif isinstance(cmd, ReassessmentDecisionIn):
        change = flagged(LaDecision, decided_on=cmd.decided_on, reassess=cmd.decision == "reassess", by=by,
                         evidence=cmd.evidence, recorded_by=rb)
        work = lambda c: processes.update(c, workflow_id, Reassessment.la_decided, change)  # noqa: E731
    else:  # pragma: no cover - every action's model is handled above
        raise FieldErrors({"form": "unsupported"})
    before = _event_count(web, workflow_id)
    state = await _call(web, work, {"owner": "owner", "by": "form", "claimed_by": "form"})
    await _projected(web, workflow_id, before)
    return Outcome(workflow_id=workflow_id, case_ref=process.case_ref, kind=process.kind, state=_state_json(state))
