"""The start and record forms (no JavaScript needed): GET shows the form, POST validates it and, when it is good,
starts or changes the process through the starter functions, then redirects to the case timeline. Bad input shows
the form again with each message next to its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic.fields import FieldInfo

from commands import start as starting
from commands.errors import FORM, Forbidden, Refused, Unavailable
from dashboard.access import CheckedRoute, recording, senco_only
from dashboard.auth import User, read_form
from dashboard.case_words import CaseWords
from dashboard.commands import (
    ACTIONS,
    START_COMMANDS,
    available_actions,
    form_data,
    load_process,
    may_record,
    parse,
    record,
    start,
)
from dashboard.context import PROCESS_LABELS, Web, get_web
from dashboard.render import render
from dashboard.scope import scope_of
from dashboard.views import title_of
from statutory.clock import fmt
from workflows.models.review import Invitee

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
CHANNELS = [(c, c) for c in ("email", "post", "hand", "portal")]
APPEAL_OUTCOMES = [
    ("", "not decided yet"),
    ("plan-maintained", "the plan is kept (appeal allowed, or the LA withdrew its decision)"),
    ("cease-upheld", "the decision to cease was upheld"),
    ("withdrawn", "the appeal was withdrawn"),
]


@dataclass
class FieldSpec:
    name: str
    label: str
    kind: str = "text"  # text | date | select | checkbox | textarea | multi | number
    hint: str = ""
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    default: str = ""


def ground_choices() -> list[tuple[str, str]]:
    """Every exemption ground, said as the regulation says it, with its citation (the id stays the value)."""
    from statutory import EXEMPTION_GROUNDS

    return [(g.id, f"{g.summary[0].upper()}{g.summary[1:]} ({g.regulation.split(';')[0]})") for g in EXEMPTION_GROUNDS]


def staff_choices(web: Web) -> list[tuple[str, str]]:
    return [(k, m.name) for k, m in sorted(web.settings.staff.items())]


def start_fields(web: Web, kind: str) -> list[FieldSpec]:
    """A start form's fields: the kind's start command's (commands/start.py), in its order, as its fields say to
    show them (title: the label; json_schema_extra: the hint, a widget other than the type's own, the choices'
    labels)."""
    model = START_COMMANDS.get(kind)
    if model is None:
        raise HTTPException(status_code=404, detail=f"no process {kind}")
    return [_start_field(web, name, info) for name, info in model.model_fields.items()]


def _start_field(web: Web, name: str, info: FieldInfo) -> FieldSpec:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    required = info.is_required()
    default = None if required else info.get_default()
    spec = FieldSpec(
        name,
        info.title or name,
        hint=str(extra.get("hint", "")),
        required=required,
        default="" if default is None else str(default),
    )
    args = get_args(info.annotation)
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), None) if optional else info.annotation
    if get_origin(base) is Annotated:  # an optional constrained type (SendDate | None)
        base = get_args(base)[0]
    if extra.get("widget") == "staff":
        # A member of the staff directory: always someone (the SENCO unless the school picks another).
        spec.kind, spec.required, spec.choices = "select", True, staff_choices(web)
        spec.default = spec.default or "senco"
    elif base is date:
        spec.kind = "date"
    elif base is int:
        spec.kind = "number"
    else:
        values = _choice_values(base)
        if values:
            labels = extra.get("choices")
            labels = labels if isinstance(labels, dict) else {}
            spec.kind = "select"
            spec.choices = [(v, str(labels.get(v, v))) for v in ([""] if optional else []) + values]
    return spec


def _choice_values(annotation: Any) -> list[str]:
    """A choice's values (a Literal's or an enum's), or none for another type."""
    if get_origin(annotation) is Literal:
        return [str(v) for v in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return []


def action_fields(web: Web, name: str, open_rules: list[str]) -> list[FieldSpec]:
    rules = [(r, title_of(r)) for r in open_rules]  # each open step by its plain title
    rule = FieldSpec("rule_id", "Step", "select", required=True, choices=rules)
    note = FieldSpec("note", "Note (optional, no personal details)", "textarea")
    return {
        "advice-sent": [
            FieldSpec("sent_on", "Date the advice was sent", "date", required=True),
            FieldSpec("method", "How", "select", choices=CHANNELS, default="email"),
            note,
        ],
        "step-done": [
            rule,
            FieldSpec("done_on", "Date done", "date", required=True),
            FieldSpec("method", "How", "select", choices=[("", "not recorded")] + CHANNELS),
            FieldSpec("evidence", "Evidence reference (optional, no personal details)"),
        ],
        "report-sent": [
            FieldSpec("done_on", "Date the report was sent", "date", required=True),
            FieldSpec("method", "How", "select", choices=CHANNELS, default="email"),
            FieldSpec("evidence", "Evidence reference (optional)"),
        ],
        "meeting": [
            FieldSpec("meeting_on", "Meeting date", "date", required=True),
            FieldSpec(
                "short_notice",
                "Confirm short notice: the meeting is fewer than 15 days away, so "
                "invitees get less than two clear weeks' notice",
                "checkbox",
            ),
            note,
        ],
        "meeting-held": [
            FieldSpec("held_on", "Date the meeting was held", "date", required=True),
            FieldSpec("attended", "Who attended (roles)", "multi", choices=[(i.value, i.value) for i in Invitee]),
            note,
        ],
        "la-decision": [
            FieldSpec("decided_on", "Date of the LA's decision", "date", required=True),
            FieldSpec(
                "decision",
                "Decision",
                "select",
                required=True,
                choices=[("maintain", "maintain"), ("amend", "amend"), ("cease", "cease")],
                hint="A decision to cease does not end the plan: it stays in place while the "
                "parent or young person may appeal, and until an appeal ends.",
            ),
            FieldSpec("evidence", "Reference to the LA's letter (optional)"),
        ],
        "final-plan": [
            FieldSpec("issued_on", "Date of the LA's final plan (or of its letter)", "date", required=True),
            FieldSpec(
                "names_setting",
                "The school or college the final plan names",
                hint="As the plan names it. Leave empty if you tick the box below instead.",
            ),
            FieldSpec(
                "already_named",
                "The plan already names the new school or college (the LA confirmed this in writing)",
                "checkbox",
            ),
            FieldSpec("evidence", "Reference to the LA's letter (optional)"),
        ],
        "appeal": [
            FieldSpec(
                "lodged_on",
                "Date the appeal was lodged with the Tribunal",
                "date",
                hint="The plan stays in place while the appeal runs.",
            ),
            FieldSpec(
                "decided_on",
                "Date the appeal was decided or withdrawn",
                "date",
                hint="Leave empty until it ends; then say how it ended below.",
            ),
            FieldSpec("outcome", "How the appeal ended", "select", choices=APPEAL_OUTCOMES),
            note,
        ],
        "plan-ceased": [
            FieldSpec(
                "ceased_on",
                "Date the plan ceased",
                "date",
                required=True,
                hint="After a decision to cease: only once the time to appeal has passed with no "
                "appeal, or an appeal has ended.",
            ),
            FieldSpec(
                "reason",
                "Reason (e.g. the pupil moved to another LA's area; no personal details)",
                "textarea",
                required=True,
            ),
        ],
        "reassessment-decision": [
            FieldSpec("decided_on", "Date of the LA's notice", "date", required=True),
            FieldSpec(
                "decision",
                "Decision",
                "select",
                required=True,
                choices=[("reassess", "re-assess"), ("refused", "refused")],
            ),
            FieldSpec("evidence", "Reference to the LA's notice (optional)"),
        ],
        "exemption": [
            rule,
            FieldSpec(
                "ground",
                "Ground",
                "select",
                required=True,
                hint="The regulation's ground that applies: the school's six weeks have those of reg 8(2), the "
                "LA's limits those of reg 5(4) and reg 10(4).",
                choices=ground_choices(),
            ),
            FieldSpec("start", "When the circumstances began (if the ground needs it)", "date"),
            FieldSpec("end", "When they ended (optional)", "date"),
            note,
        ],
        "withdrawal": [
            FieldSpec("withdrawn_on", "Date the LA withdrew its request", "date", required=True),
            FieldSpec("reason", "Reason (optional)", "textarea"),
        ],
        "cancellation": [
            rule,
            FieldSpec("cancelled_on", "Date", "date", required=True),
            FieldSpec("reason", "Reason", "textarea"),
        ],
        "reassignment": [
            rule,
            FieldSpec("owner", "New owner", "select", required=True, choices=staff_choices(web)),
            FieldSpec("reason", "Reason (optional)", "textarea"),
        ],
        **termly_fields(),
    }[name]


def termly_fields() -> dict[str, list[FieldSpec]]:
    """The forms of the school's own termly and yearly processes (commands/termly.py): a review held, a process ended
    (each kind with its own reasons; a duty has one, so its form does not ask)."""
    from commands.termly import ENDINGS, PEP, SUPPORT

    held_on = FieldSpec("held_on", "Date the review was held", "date", required=True)
    why_not = FieldSpec("why_not", "If the parents did not take part, why not (no personal details)", "textarea")
    next_on = FieldSpec("next_review_on", "Date planned for the next review (optional)", "date")
    evidence = FieldSpec(
        "evidence", "Evidence reference (optional, no personal details)", hint="Where the review's notes are kept."
    )
    note = FieldSpec("note", "Note (optional, no personal details)", "textarea")

    def reasons(kind: str, label: str) -> FieldSpec:
        return FieldSpec("reason", label, "select", required=True, choices=[("", "choose one"), *ENDINGS[kind].items()])

    return {
        "support-review-held": [
            held_on,
            FieldSpec(
                "with_parents",
                "Did the parents take part?",
                "select",
                required=True,
                choices=[("", "choose one"), ("true", "Yes, the parents took part"), ("false", "No")],
            ),
            why_not,
            next_on,
            evidence,
        ],
        "pep-review-held": [
            held_on,
            FieldSpec(
                "with_parents",
                "Did the parents or carers take part?",
                "select",
                choices=[("", "not recorded"), ("true", "Yes"), ("false", "No")],
            ),
            why_not,
            FieldSpec(
                "with_annual_review",
                "One meeting did both: the PEP review and the annual review of the pupil's EHC plan",
                "checkbox",
            ),
            next_on,
            evidence,
        ],
        "support-ended": [
            FieldSpec("ended_on", "Date the pupil left SEN support", "date", required=True),
            reasons(SUPPORT, "Why the SEN support reviews end"),
            note,
        ],
        "pep-ended": [
            FieldSpec("ended_on", "Date the PEP reviews ended", "date", required=True),
            reasons(PEP, "Why the PEP reviews end"),
            note,
        ],
        "duty-stopped": [
            FieldSpec(
                "ended_on",
                "Date the school stopped tracking this duty in sendclock",
                "date",
                required=True,
                hint="No more reminders are sent for it; its open step is cancelled.",
            ),
            note,
        ],
    }


@router.get("/start", response_class=HTMLResponse)
def start_index(request: Request, user: User = Depends(senco_only)) -> HTMLResponse:
    return render(request, "start_index.html", {"kinds": PROCESS_LABELS})


# What a missing field asks for, in the error summary, by the field's kind (pydantic says only "Field required").
MISSING_WORDS = {
    "date": "enter a date",
    "number": "enter a number",
    "select": "choose one",
    "multi": "choose at least one",
    "checkbox": "tick the box",
}
FIELD_REQUIRED = "Field required"  # pydantic's reason for a missing field (commands.errors.MISSING)


@dataclass(frozen=True)
class SummaryItem:
    """One line of a form's error summary: the field's label and what is wrong, linking to the field's input."""

    text: str
    href: str = ""  # "#f-<field>" (a multiple choice: its first box); "" for a problem with the whole form


def error_summary(errors: dict[str, str], fields: list[FieldSpec]) -> list[SummaryItem]:
    """The summary at the top of a form with errors: each problem names its field by its label and links to it
    ("Date the LA's request was received: enter a date"), so two missing fields never read "Field required" twice."""
    by_name = {f.name: f for f in fields}
    items = []
    for name, reason in errors.items():
        spec = by_name.get(name)
        if spec is None:  # the whole form (FORM), or a field the page does not show
            items.append(SummaryItem(reason))
            continue
        if reason == FIELD_REQUIRED:
            reason = MISSING_WORDS.get(spec.kind, "fill this in")
        href = f"#f-{name}-1" if spec.kind == "multi" and spec.choices else f"#f-{name}"
        items.append(SummaryItem(f"{spec.label}: {reason}", href))
    return items


def shown(err: Refused, fields: list[FieldSpec]) -> dict[str, str]:
    """A refusal's reasons, each next to its field on the page; a problem with no field there goes at the top."""
    names = {f.name for f in fields}
    errors: dict[str, str] = {}
    for problem in err.problems:
        errors.setdefault(problem.field if problem.field in names else FORM, problem.reason)
    return errors


def _start_page(request: Request, web: Web, kind: str, values: dict, errors: dict, status_code: int = 200):
    fields = start_fields(web, kind)
    return render(
        request,
        "form.html",
        {
            "title": f"Start: {PROCESS_LABELS[kind]}",
            "intro": START_COMMANDS[kind].__doc__,
            "fields": fields,
            "values": values,
            "errors": errors,
            "error_summary": error_summary(errors, fields),
            "action": f"/start/{kind}",
            "submit": "Start",
            "back": "/start",
        },
        status_code=status_code,
    )


@router.get("/start/{kind}", response_class=HTMLResponse)
def start_form(
    request: Request, kind: str, web: Web = Depends(get_web), user: User = Depends(senco_only)
) -> HTMLResponse:
    if kind not in START_COMMANDS:
        raise HTTPException(status_code=404, detail=f"no process {kind}")
    return _start_page(request, web, kind, {}, {})


@router.post("/start/{kind}")
async def start_submit(
    request: Request, kind: str, web: Web = Depends(get_web), user: User = Depends(senco_only)
) -> Response:
    values = await read_form(request)
    if kind not in START_COMMANDS:
        raise HTTPException(status_code=404, detail=f"no process {kind}")
    try:
        outcome = await start(web, user, kind, starting.parse(kind, form_data(START_COMMANDS[kind], values)))
    except Refused as err:
        return _start_page(request, web, kind, values, shown(err, start_fields(web, kind)), status_code=err.status)
    except Unavailable:
        return _start_page(
            request,
            web,
            kind,
            values,
            {"form": "Temporal cannot be reached; nothing was started. Try again in a minute."},
            status_code=503,
        )
    done = "started" if outcome.created else "already-started"
    return RedirectResponse(f"/cases/{outcome.case_ref}?done={done}", status_code=303)


def _record_context(request: Request, web: Web, user: User, workflow_id: str, name: str):
    action = ACTIONS.get(name)
    loaded = load_process(web, workflow_id, scope_of(user))
    if action is None or loaded is None:
        raise HTTPException(status_code=404, detail="no such process or action")
    process, steps = loaded
    if action not in available_actions(user, process, steps):
        raise HTTPException(status_code=403, detail=f"{name}: not open to you on this process")
    mine = [s for s in steps if s.status == "open" and (user.is_senco or s.owner == user.staff_id)]
    open_rules = sorted({s.rule_id for s in mine})
    return action, process, steps, action_fields(web, name, open_rules)


def _record_page(request, web, action, process, fields, values, errors, status_code=200):
    return render(
        request,
        "form.html",
        {
            "title": f"{action.title}: {process.case_ref}",
            "intro": f"{PROCESS_LABELS.get(process.kind, process.kind)}{CaseWords.from_la(process)}, "
            f"{CaseWords.began(process)} {fmt(process.received_on)}.",
            "fields": fields,
            "values": values,
            "errors": errors,
            "error_summary": error_summary(errors, fields),
            "action": f"/processes/{process.workflow_id}/{action.name}",
            "submit": "Record",
            "back": f"/cases/{process.case_ref}",
        },
        status_code=status_code,
    )


@router.get("/processes/{workflow_id}/{name}", response_class=HTMLResponse)
def record_form(
    request: Request, workflow_id: str, name: str, web: Web = Depends(get_web), user: User = Depends(recording())
) -> HTMLResponse:
    action, process, _, fields = _record_context(request, web, user, workflow_id, name)
    values = {"rule_id": request.query_params.get("rule", "")}
    # "Record it as done" from a notice lands here: the date it was done is most often today (the user may change it).
    values |= {f.name: web.clock.today().isoformat() for f in fields if f.name in DONE_TODAY}
    return _record_page(request, web, action, process, fields, values, {})


DONE_TODAY = ("done_on", "sent_on")  # record forms whose date is filled in with today


@router.post("/processes/{workflow_id}/{name}")
async def record_submit(
    request: Request, workflow_id: str, name: str, web: Web = Depends(get_web), user: User = Depends(recording())
) -> Response:
    values = await read_form(request)
    action, process, steps, fields = _record_context(request, web, user, workflow_id, name)
    try:
        cmd = parse(action.model, values)
        if not may_record(user, action, steps, getattr(cmd, "rule_id", None)):
            raise Forbidden()
        outcome = await record(web, user, workflow_id, name, cmd, via="web")
    except Refused as err:
        return _record_page(request, web, action, process, fields, values, shown(err, fields), status_code=err.status)
    except Forbidden:
        raise HTTPException(status_code=403, detail="rule_id: you may record only your own steps") from None
    except Unavailable:
        return _record_page(
            request,
            web,
            action,
            process,
            fields,
            values,
            {"form": "Temporal cannot be reached; nothing was recorded. Try again in a minute."},
            status_code=503,
        )
    return RedirectResponse(f"/cases/{outcome.case_ref}?done={action.name}", status_code=303)
