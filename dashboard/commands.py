"""The web side of the commands (commands/ defines each one: its input model, its checks, its call into Temporal):
which changes a case page offers whom, who may record what, who the signed-in account is to a command, and waiting
until the worker has recorded a change so that the page shown next already has it.

Bad input raises commands.Refused (each Problem on its field); the pages show each reason next to its field and the
API answers 422 with the same fields. Nothing is started or changed when input is bad.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select

from commands import advice, chase, reassessment, review, steps, termly
from commands import start as starting
from commands.base import Actor, Change, Command, Context, send
from commands.errors import FORBIDDEN, FORM, NOT_FOUND, Forbidden, Problem, Refused, Unavailable
from commands.start import START_COMMANDS
from dashboard.auth import User
from dashboard.context import Web
from dashboard.scope import Scope, scope_of
from statutory.rules import TRANSFER_RULES
from store.models import Event, Process, Step
from workflows.registry import ADVICE, DRAFT, PEP, PROCESS_KINDS, REASSESSMENT, REVIEW, SCHOOL_DUTY, SUPPORT

__all__ = [
    "ACTIONS",
    "START_COMMANDS",
    "Action",
    "Command",
    "Forbidden",
    "Outcome",
    "Refused",
    "Unavailable",
    "available_actions",
    "form_data",
    "load_process",
    "may_record",
    "parse",
    "record",
    "recorded_by_of",
    "start",
]

# A change's command: it checks the input and returns the Change to send (commands/).
Prepare = Callable[..., Change]


class SeenProcess(Protocol):
    """What the case page offers changes by: a process (store.models.Process), or as much of it as a staff member
    sees (dashboard.scope.ProcessPart: no facts)."""

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def facts(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Action:
    name: str
    title: str
    model: type[Command]
    kinds: tuple[str, ...]  # the processes it applies to
    prepare: Prepare  # the command (commands/) that checks it and makes the change
    completion: bool = False  # records a completion: staff may do it on their own steps
    rule: str | None = None  # the step it completes, when fixed
    shown: Callable[[SeenProcess, list[Step]], bool] | None = None  # offered on the case page only when this holds


# The reg 18 steps (statutory.rules.TRANSFER_RULES) a final plan naming the new setting completes, and the amended
# plan it may also be.
FINAL_PLAN_RULES = (*TRANSFER_RULES, "amended-plan-final")
APPEAL_WINDOW = "cease-appeal-window"


def _any_open(steps: list[Step], rules: tuple[str, ...]) -> bool:
    return any(s.rule_id in rules and s.status == "open" for s in steps)


def _final_plan_owed(process: SeenProcess, steps: list[Step]) -> bool:
    return _any_open(steps, FINAL_PLAN_RULES)


def _appeal_possible(process: SeenProcess, steps: list[Step]) -> bool:
    """The appeal window is open, or an appeal was lodged and is not decided yet."""
    facts = process.facts or {}
    return _any_open(steps, (APPEAL_WINDOW,)) or bool(
        facts.get("appeal_lodged_on") and not facts.get("appeal_decided_on")
    )


def _exemption(ctx: Context, cmd: steps.ExemptionIn, actor: Actor, *, kind: str, **hints: Any) -> Change:
    """On an advice request's own step, the request's own update (the API answers with the request's state, as it
    always has); on any other step, the update every process shares."""
    if kind == ADVICE.kind and cmd.rule_id == advice.rule():
        return advice.exempt(ctx, cmd, actor)
    return steps.exempt(ctx, cmd, actor, **hints)


ALL = PROCESS_KINDS
# A termly review is recorded as held, saying who took part (commands/termly.py): never as a step done. The school's
# own commitments have no exemption grounds: an exemption would always be refused.
TERMLY = (SUPPORT.kind, PEP.kind)
DONE_KINDS = tuple(k for k in ALL if k not in TERMLY)
EXEMPTION_KINDS = tuple(k for k in ALL if k not in (*TERMLY, SCHOOL_DUTY.kind))
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "advice-sent",
            "Record the advice as sent",
            advice.AdviceSentIn,
            (ADVICE.kind,),
            advice.sent,
            True,
            "ehc-advice",
        ),
        Action("step-done", "Record a step as done", steps.StepDoneIn, DONE_KINDS, steps.done, True),
        # The key worker or the designated teacher may record the review of their own step (completion).
        Action(
            "support-review-held",
            "Record the review as held",
            termly.ReviewHeldIn,
            (SUPPORT.kind,),
            termly.held,
            True,
            termly.REVIEW_RULES[SUPPORT.kind],
        ),
        Action(
            "pep-review-held",
            "Record the review as held",
            termly.ReviewHeldIn,
            (PEP.kind,),
            termly.held,
            True,
            termly.REVIEW_RULES[PEP.kind],
        ),
        Action("meeting", "Set or move the review meeting", review.MeetingIn, (REVIEW.kind,), review.meeting),
        Action("meeting-held", "Record the review meeting as held", review.MeetingHeldIn, (REVIEW.kind,), review.held),
        Action(
            "report-sent",
            "Record the review report as sent",
            review.ReportSentIn,
            (REVIEW.kind,),
            review.report_sent,
            True,
            review.REPORT,
        ),
        Action(
            "la-decision",
            "Record the LA's decision after the review",
            review.ReviewDecisionIn,
            (REVIEW.kind,),
            review.decision,
        ),
        Action(
            "final-plan",
            "Record the LA's final plan naming the new school or college",
            review.FinalPlanIn,
            (REVIEW.kind,),
            review.final_plan,
            shown=_final_plan_owed,
        ),
        Action(
            "appeal",
            "Record an appeal against the decision to cease",
            review.AppealIn,
            (REVIEW.kind,),
            review.appeal,
            shown=_appeal_possible,
        ),
        Action("plan-ceased", "Record that the plan has ceased", review.PlanCeasedIn, (REVIEW.kind,), review.ceased),
        Action(
            "reassessment-decision",
            "Record the LA's decision on re-assessing",
            reassessment.ReassessmentDecisionIn,
            (REASSESSMENT.kind,),
            reassessment.decided,
            rule="reassessment-decision",
        ),
        Action("exemption", "Record an exemption", steps.ExemptionIn, EXEMPTION_KINDS, _exemption),
        Action(
            "withdrawal",
            "Record that the LA withdrew its request",
            advice.WithdrawalIn,
            (ADVICE.kind,),
            advice.withdraw,
        ),
        Action(
            "cancellation",
            "Cancel a step",
            steps.CancellationIn,
            (DRAFT.kind, REVIEW.kind, REASSESSMENT.kind, SUPPORT.kind, PEP.kind, SCHOOL_DUTY.kind),
            steps.cancel,
        ),
        Action("reassignment", "Reassign a step", steps.ReassignmentIn, ALL, steps.reassign),
        # Offered beside each overdue LA step on the case page, on a page of its own that shows the letter
        # (dashboard/chase_view.py): never as a bare form.
        Action("la-chase", "Chase the LA", chase.ChaseIn, ALL, chase.prepare, shown=lambda process, steps: False),
        Action("support-ended", "End the SEN support reviews", termly.ProcessEndIn, (SUPPORT.kind,), termly.ended),
        Action("pep-ended", "End the PEP reviews", termly.ProcessEndIn, (PEP.kind,), termly.ended),
        Action("duty-stopped", "Stop tracking this duty", termly.ProcessEndIn, (SCHOOL_DUTY.kind,), termly.ended),
    ]
}


def form_data(model: type[Command], values: dict[str, Any]) -> dict[str, Any]:
    """A form's fields as a command's input: empty fields left out, a multiple choice as its list of values."""
    lists = values.get("__lists__", {})
    data = {k: v for k, v in values.items() if k != "__lists__" and v not in ("", None)}
    for name, info in model.model_fields.items():
        if name in lists and "list" in str(info.annotation):
            data[name] = [v for v in lists[name] if v]
    return data


def parse(model: type[Command], values: dict[str, Any]) -> Command:
    """A change's command from a form's fields (a start's: commands.start.parse, with form_data)."""
    from commands.checks import parse as parse_checked

    return parse_checked(model, form_data(model, values))


def context(web: Web) -> Context:
    """What a command runs with on the web: the app's settings and clock, its Temporal client."""
    return Context(settings=web.settings, clock=web.clock, client=web.client)


@dataclass
class Outcome:
    workflow_id: str
    case_ref: str
    kind: str
    created: bool | None = None
    state: dict[str, Any] = field(default_factory=dict)


def _event_count(web: Web, workflow_id: str) -> int:
    with web.sessionmaker() as session:
        return session.scalar(select(func.count(Event.id)).where(Event.process_id == workflow_id)) or 0


async def _projected(web: Web, workflow_id: str, before: int, timeout: float = 10.0) -> None:
    """Wait (bounded) until the worker has recorded the change, so the page shown next already has it."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while _event_count(web, workflow_id) <= before and loop.time() < give_up:
        await asyncio.sleep(0.1)


async def start(web: Web, user: User, kind: str, cmd: Command) -> Outcome:
    """Start a process (idempotent: the same case and date give the same workflow, `created` False)."""
    if not user.is_senco:
        raise Forbidden()
    ctx = context(web)
    ready = starting.prepare(ctx, kind, cmd)
    before = _event_count(web, ready.workflow_id)
    started = await starting.launch(ctx, ready)
    if started.created:
        await _projected(web, started.workflow_id, before)
    return Outcome(
        workflow_id=started.workflow_id,
        case_ref=started.case_ref,
        kind=kind,
        created=started.created,
        state=started.state.model_dump(mode="json"),
    )


# --- recording -----------------------------------------------------------------------------------------------


def load_process(web: Web, workflow_id: str, scope: Scope) -> tuple[Process, list[Step]] | None:
    """The process and its steps, or None when there is no such process or it is another school's than `scope` sees
    (the same answer: a process of another school is never confirmed)."""
    with web.sessionmaker() as session:
        process = session.get(Process, workflow_id)
        if process is None or not scope.sees_school(process.school):
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


def available_actions(user: User, process: SeenProcess, steps: list[Step]) -> list[Action]:
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
        if (
            user.is_senco
            or may_record(user, action, steps, None)
            or (action.name == "step-done" and any(s.status == "open" and s.owner == user.staff_id for s in steps))
        ):
            found.append(action)
    return found


def recorded_by_of(user: User, via: str | None = None) -> str:
    """Which account records a change (workflows/models/common.py, RecordedBy): the door it came through ("web" the
    dashboard's pages, "api" the JSON API; by default "api" for an API key, else "web") and the signed-in account's
    user name (never a pupil's name). Kept in the record's data beside `by`, the staff id of who did it."""
    return f"{via or ('api' if user.via_api_key else 'web')}:{user.username}"


def _hints(action: Action, process: Process, steps: list[Step]) -> dict[str, Any]:
    """What a command may say in its refusals that only the page knows: the process's open steps (an unknown rule is
    told the steps it could be), and for the exemption and the termly moves, the kind of process."""
    hints: dict[str, Any] = {}
    if "rule_id" in action.model.model_fields:
        hints["open_rules"] = sorted({s.rule_id for s in steps if s.status == "open"})
    if action.prepare in (_exemption, termly.held, termly.ended):
        hints["kind"] = process.kind
    if action.prepare is chase.prepare:  # the letter is drafted from the process and its step
        hints |= {"process": process, "steps": steps}
    return hints


async def record(
    web: Web, user: User, workflow_id: str, action_name: str, cmd: Command, *, via: str | None = None
) -> Outcome:
    """Record a change on a process: 404 for no such process or action (a process of another school is none),
    Forbidden for a change the user may not make, 403 for an account with no staff id, then the command's checks
    (422), then Temporal. `web` is the school's (dashboard.context.get_web): its staff directory and settings."""
    action = ACTIONS.get(action_name)
    loaded = load_process(web, workflow_id, scope_of(user))
    if action is None or loaded is None:
        raise Refused(Problem(FORM, "no such process or action", NOT_FOUND), status=404)
    process, steps = loaded
    if process.kind not in action.kinds:
        raise Refused(Problem(FORM, f"{action.name} does not apply to a {process.kind}", NOT_FOUND), status=404)
    if not may_record(user, action, steps, getattr(cmd, "rule_id", None)):
        raise Forbidden()
    by = user.staff_id or ""
    if by not in web.settings.staff:
        raise Refused(
            Problem(
                FORM,
                f"your account has no staff id in the staff directory ({by or 'none'}); ask the SENCO to set one",
                FORBIDDEN,
            ),
            status=403,
        )
    ctx = context(web)
    try:
        change = action.prepare(ctx, cmd, Actor(by, recorded_by_of(user, via)), **_hints(action, process, steps))
        before = _event_count(web, workflow_id)
        state = await send(ctx, workflow_id, change)
    except Refused as err:  # who did it is the signed-in account's staff id: no field of the form or the body
        raise err.renamed({"by": FORM}) from err
    await _projected(web, workflow_id, before)
    return Outcome(
        workflow_id=workflow_id, case_ref=process.case_ref, kind=process.kind, state=state.model_dump(mode="json")
    )
