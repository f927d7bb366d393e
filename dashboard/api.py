"""The JSON API under /api/: everything the pages do, for scripts and flows (e.g. Power Automate starting a process
when an LA e-mail arrives). Its OpenAPI document is at /api/openapi.json, for a signed-in caller or an API key only
(it names the school's staff ids); it declares every status each operation can answer, with its schema
(complete_document below adds what FastAPI does not derive from the routes).

Authentication (components.securitySchemes, and `security` on every operation): an API key (`Authorization: Bearer
KEY`, from `sendclock user api-key`; scheme `apiKey`), or the session cookie (scheme `sessionCookie`; then unsafe
methods need the X-CSRF-Token header, see GET /api/me). Roles apply as on the pages, and so does what each role sees
(dashboard/scope.py): a staff caller gets only their own steps, and a case or process none of whose steps is theirs
is a 404, as an unknown one. The checks come in one order (dashboard/access.py): 401, then 403 (role, CSRF), then
404 for what is outside the caller's scope, and only then 422 for the input.

Schools (issue 25): a caller at a school reads its school's only; a process, case, step or notice of another school
is a 404 or absent, as an unknown one. In a deployment of several schools, rows carry `school` (the id) and
`school_name`; the trust-wide roles (trust-leadership, trust-auditor) read every school, or one with `?school=ID`,
and change nothing (403); GET /api/trust is their view across schools (dashboard/trust.py).

Errors: one shape for the whole API, chosen once (dashboard/app.py's exception handlers apply it to every /api/ answer):
- 422, bad input (ValidationProblem): FastAPI's list, `{"detail": [{"loc": ["body"|"query"|"path", name], "msg":
  "...", "type": "..."}]}`, one entry per bad field. Input the document describes as valid can still be refused here
  when it is wrong against other input or against today (a date in the future, a date before another, a rule not
  in force on the date): the entry names the field. Malformed JSON is a 422 too (`loc` ["body", ...], type
  json_invalid); there is no 400.
- every other error (ErrorMessage): `{"detail": "..."}`, one sentence, starting with the field concerned when there
  is one ("workflow_id: no process ..."): 401 (no session and no valid API key; with `WWW-Authenticate: Bearer`),
  403 (the role may not; or the CSRF header is missing with a cookie), 404 (no such case or process, or the action
  does not apply to that process), 503 (Temporal cannot be reached: nothing was started or changed).

Starting is idempotent: 201 when a process was started, 200 when it already existed (the same case and date give
the same workflow). Dates are YYYY-MM-DD from 2014-09-01 (the SEND Regulations 2014) to 2099-12-31; workflow IDs
are those of the process registry, workflows/registry.py (pattern in the document).
"""

# The route factories below give each route's body its own model when they make the route (its __annotations__,
# which FastAPI reads); statically it is a Command.

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from commands.errors import INVALID, Forbidden, Problem, Refused, Unavailable
from dashboard.access import CheckedRoute, all_reader, auditor, reader, recording, senco_only
from dashboard.audit_views import WORKFLOW_ID
from dashboard.auth import COOKIE, User, csrf_token
from dashboard.commands import ACTIONS, START_COMMANDS, Command, record, start
from dashboard.compliance_view import compliance_for, steps_csv_response
from dashboard.context import Web, get_web
from dashboard.la_scorecard_view import card_for, card_json, las_csv_response, overview_for, overview_json
from dashboard.scope import scope_of
from dashboard.views import (
    MAX_PAGE,
    VIEWS,
    Filters,
    case_timeline,
    outbox_rows,
    shows_schools,
    step_list,
    timeline_json,
)
from statutory import rule_ids
from store.step_list import BadCursor
from store.web_queries import recent_events
from workflows.models.common import CASE_REF_PATTERN, FIRST_DATE, LAST_DATE

# Dates sendclock accepts (workflows.models.common.SendDate: FIRST_DATE..LAST_DATE), as a pattern a client can check.
assert (FIRST_DATE.isoformat(), LAST_DATE.isoformat()) == ("2014-09-01", "2099-12-31")
DATE_PATTERN = (
    r"^(?:2014-(?:09|1[0-2])|20(?:1[5-9]|[2-9][0-9])-(?:0[1-9]|1[0-2]))"
    r"-(?:0[1-9]|[12][0-9]|3[01])$"
)
DATE_RANGE = f"From {FIRST_DATE} to {LAST_DATE}."


class ValidationIssue(BaseModel):
    loc: list[str | int] = Field(description='Where: ["body"|"query"|"path", name, ...]')
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """422: bad input, one entry per bad field."""

    detail: list[ValidationIssue]


class ErrorMessage(BaseModel):
    """Every error other than bad input: one sentence, starting with the field concerned when there is one."""

    detail: str


class Started(BaseModel):
    workflow_id: str
    case_ref: str
    process: str
    created: bool = Field(description="True: started now (201); false: it already existed (200)")
    state: dict[str, Any] = Field(description="The process's state as its workflow reports it")


class Recorded(BaseModel):
    workflow_id: str
    case_ref: str
    process: str
    state: dict[str, Any] = Field(description="The process's state after the change")


ERRORS: dict[int, dict[str, Any]] = {
    401: {"model": ErrorMessage, "description": "No session and no valid API key (WWW-Authenticate: Bearer)"},
    403: {
        "model": ErrorMessage,
        "description": "The account's role may not do this (or, signed in with the cookie, "
        "the X-CSRF-Token header is missing)",
    },
    404: {"model": ErrorMessage, "description": "No such case or process (or the change does not apply to it)"},
    422: {
        "model": ValidationProblem,
        "description": "Bad input, by field (also: valid alone but wrong against other "
        "input or today, e.g. a date in the future)",
    },
    503: {"model": ErrorMessage, "description": "Temporal cannot be reached: nothing was started or changed"},
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: ERRORS[code] for code in codes}


router = APIRouter(prefix="/api", tags=["api"], responses=errors(401), route_class=CheckedRoute)


RULE_IDS = sorted(rule_ids())  # the rule book's ids, as an enum in the document


def refused_response(err: Refused, where: str = "body") -> JSONResponse:
    """A command's refusal in the API's shapes: 422, one entry per bad field ({loc, msg, type}, as FastAPI's own),
    `type` the problem's code (commands/errors.py: "in_future", "unknown_staff", "not_in_force" ...; a check with
    no code of its own says "value_error", as pydantic does); any other status (no such process, no staff id), the
    one sentence "field: reason"."""
    if err.status != 422:
        return JSONResponse(status_code=err.status, content={"detail": str(err)})
    first: dict[str, Problem] = {}
    for problem in err.problems:
        first.setdefault(problem.field, problem)
    return JSONResponse(
        status_code=err.status,
        content={
            "detail": [
                {"loc": [where, name], "msg": p.reason, "type": "value_error" if p.code == INVALID else p.code}
                for name, p in first.items()
            ]
        },
    )


SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key from `sendclock user api-key`"},
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "The dashboard's session (after /login); unsafe methods also need X-CSRF-Token",
    },
}
# Routes under /api/ that other modules declare (dashboard/audit_views.py): the statuses they answer.
OTHER_ROUTES = {
    "/api/processes/{workflow_id}/history": (403, 404, 422, 503),
    "/api/processes/{workflow_id}/replay": (403, 404, 422, 503),
    "/api/processes/{workflow_id}/chase/{rule_id}": (403, 404, 422),
    "/api/trust": (403, 404, 422),
}


def complete_document(doc: dict[str, Any], staff_ids: list[str] | None = None) -> dict[str, Any]:
    """What FastAPI does not derive from the routes: the security schemes and `security` of every /api/ operation
    (every one needs a key or a session), 401 everywhere, the statuses of OTHER_ROUTES, the workflow-ID pattern on
    every workflow_id path parameter, the date range on every date, and the staff directory's ids (this school's
    settings) on every `owner` of a start or record body."""
    components = doc.setdefault("components", {})
    if staff_ids:
        bodies = {m.__name__ for m in START_COMMANDS.values()} | {a.model.__name__ for a in ACTIONS.values()}
        for name, model_schema in components.get("schemas", {}).items():
            owner = model_schema.get("properties", {}).get("owner") if name in bodies else None
            if owner is not None:
                owner["enum"] = staff_ids
                owner["description"] = "A staff id of the school's staff directory"
    components["securitySchemes"] = SCHEMES
    for path, operations in doc.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            operation["security"] = [{"apiKey": []}, {"sessionCookie": []}]
            responses = operation.setdefault("responses", {})
            for code in (401, *OTHER_ROUTES.get(path, ())):
                if str(code) not in responses or "HTTPValidationError" in str(responses[str(code)]):
                    model = ERRORS[code]["model"].__name__
                    responses[str(code)] = {
                        "description": ERRORS[code]["description"],
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
                    }
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("name") == "workflow_id":
                    parameter["schema"] |= {
                        "pattern": WORKFLOW_ID.pattern,
                        "description": "A process's workflow ID (workflows/registry.py)",
                    }
    _bound_dates(doc)
    _text_constraints(components)
    if "HTTPValidationError" not in str(doc["paths"]):  # FastAPI's default 422, replaced by ValidationProblem
        for name in ("HTTPValidationError", "ValidationError"):
            components.get("schemas", {}).pop(name, None)
    return doc


def _text_patterns() -> dict[Any, str]:
    """The free-text validators of workflows.models.common, as patterns (what they refuse, by Unicode category)."""
    import sys
    import unicodedata

    from workflows.models import common

    def refused(test) -> str:
        ranges, start = [], None
        for code in range(sys.maxunicode + 2):
            # Lone surrogates (Cs) are refused too, but no pattern can name them: ECMA and Rust regexes have no
            # surrogate code points (a JSON "\\udXXX" escape alone is not a character); the 422 stays.
            bad = code <= sys.maxunicode and not 0xD800 <= code <= 0xDFFF and test(chr(code))
            if bad and start is None:
                start = code
            elif not bad and start is not None:
                ranges.append((start, code - 1))
                start = None
        escape = lambda c: f"\\u{c:04x}" if c <= 0xFFFF else chr(c)  # noqa: E731 (astral: the character itself)
        return "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)

    one_line = refused(lambda c: unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    note = refused(
        lambda c: (
            (c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cs"))
            or "\u202a" <= c <= "\u202e"
            or "\u2066" <= c <= "\u2069"
        )
    )
    # ShortText is stripped first and must keep a character: not only white space.
    return {common._no_control_chars: f"^(?=[\\s\\S]*\\S)[^{one_line}]*$", common._plain_note: f"^[^{note}]*$"}


def _validators(annotation: Any) -> list[Any]:
    from typing import get_args

    found = [getattr(m, "func", None) for m in getattr(annotation, "__metadata__", ())]
    return found + [f for arg in get_args(annotation) for f in _validators(arg)]


def _text_constraints(components: dict[str, Any]) -> None:
    """Each body field checked by a free-text validator gets its pattern (on its string branch when optional)."""
    patterns = _text_patterns()
    models = [*START_COMMANDS.values(), *(a.model for a in ACTIONS.values())]
    for model in models:
        properties = components.get("schemas", {}).get(model.__name__, {}).get("properties", {})
        for name, info in model.model_fields.items():
            found = [
                patterns[f]
                for f in _validators(info.annotation) + [getattr(m, "func", None) for m in info.metadata]
                if f in patterns
            ]
            if not found or name not in properties:
                continue
            prop = properties[name]
            branches = prop.get("anyOf", [prop])
            for branch in branches:
                if branch.get("type") == "string":
                    branch["pattern"] = found[0]
                elif branch.get("type") == "array" and branch.get("items", {}).get("type") == "string":
                    branch["items"]["pattern"] = found[0]


def _bound_dates(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "date" and node.get("type") == "string":
            node["pattern"] = DATE_PATTERN
            said = node.get("description", "").rstrip(".")
            node["description"] = f"{said}. {DATE_RANGE}" if said else DATE_RANGE
        for value in node.values():
            _bound_dates(value)
    elif isinstance(node, list):
        for value in node:
            _bound_dates(value)


@router.get("/openapi.json", include_in_schema=False)
def document(request: Request, user: User = Depends(reader)) -> JSONResponse:
    """The OpenAPI document, for a caller who is signed in or sends an API key: it describes no data, but it lists
    the school's staff ids (the `owner` enums), and the API is for the school's own accounts only."""
    return JSONResponse(request.app.openapi())


@router.get("/me", summary="The signed-in account, and the CSRF token for cookie-authenticated changes")
def me(request: Request, web: Web = Depends(get_web), user: User = Depends(reader)) -> dict[str, Any]:
    found = {"username": user.username, "role": user.role, "staff_id": user.staff_id, "csrf_token": csrf_token(request)}
    if web.several_schools:  # the account's school (null: a trust-wide role, every school)
        found["school"] = None if user.is_trust else user.school
    return found


API_PAGE_SIZE = 100  # steps on a page of /api/steps unless ?limit= asks for another number

# A trust role's one school (dashboard/access.py applies it, before anything else is read); a school's own caller
# reads its school whatever this says.
SCHOOL = Query("", max_length=24, description="Trust-wide roles: one school's only (its id); others: ignored")


@router.get(
    "/steps",
    summary="Open statutory steps (view: open, overdue or due-soon), a page at a time, with counts per status over "
    "all pages (staff: their own). The answer's `next_cursor` (and `next`, the same request with it) gives the next "
    "page; null on the last",
    responses=errors(422),
)
def steps(
    request: Request,
    view: str = Query("open", pattern="^(open|overdue|due-soon)$"),
    la: str = "",
    owner: str = "",
    rule: str = "",
    process: str = "",
    sort: str = Query("", pattern="^(|due|target|case|la|owner|rule|process)$"),
    desc: bool = False,
    limit: int = Query(API_PAGE_SIZE, ge=1, le=MAX_PAGE, description="Steps on the page (the first, or the cursor's)"),
    cursor: str | None = Query(
        None,
        max_length=600,
        pattern="^[A-Za-z0-9_-]+$",
        description="Where the page starts: the `next_cursor` of the page before, with the same view, filters and "
        "sort (keyset paging: a page costs the same however deep; steps recorded meanwhile are not skipped or "
        "repeated). Opaque; a cursor this list did not make is refused (422)",
    ),
    school: str = SCHOOL,
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> Any:
    filters = Filters(la=la, owner=owner, rule=rule, process=process, sort=sort, desc=desc)
    try:
        listing = step_list(web, user, view, filters, cursor=cursor, limit=limit)
    except BadCursor as err:
        return JSONResponse(
            status_code=422,
            content={
                "detail": [{"loc": ["query", "cursor"], "msg": f"{err}: ask again without it", "type": "value_error"}]
            },
        )
    next_url = None
    if listing.next_cursor:  # this request, from the next page on (a path: the API may sit behind a proxy)
        next_url = f"{request.url.path}?{urlencode(dict(request.query_params) | {'cursor': listing.next_cursor})}"
    return {
        "view": view,
        "title": VIEWS[view],
        "today": listing.today.isoformat(),
        "due_soon_days": web.web.due_soon_days,
        "counts": listing.counts,
        "total": listing.total,
        "limit": listing.limit,
        "next_cursor": listing.next_cursor,
        "next": next_url,
        "steps": [r.as_json() for r in listing.rows],
    }


@router.get(
    "/cases/{case_ref}",
    summary="A case's timeline: every process, step and event (staff: the processes with a "
    "step of theirs, only their steps and their history; owner, outcome and "
    "facts null)",
    responses=errors(404, 422),
)
def case(
    case_ref: str = Path(pattern=CASE_REF_PATTERN, description="The school's case reference"),
    school: str = SCHOOL,
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> dict[str, Any]:
    views = case_timeline(web, user, case_ref)
    if not views:  # no such case, or (staff) none of its steps is theirs: the same answer
        raise HTTPException(status_code=404, detail=f"case_ref: no processes for case {case_ref}")
    return {"case_ref": case_ref, "processes": timeline_json(views, web.clock.today(), web)}


@router.get(
    "/outbox",
    summary="Notifications and their delivery state, failures first (staff: their own)",
    responses=errors(422),
)
def outbox(school: str = SCHOOL, web: Web = Depends(get_web), user: User = Depends(reader)) -> list[dict[str, Any]]:
    return [r | {"created": r["created"].isoformat()} for r in outbox_rows(web, user)]


@router.get(
    "/audit", summary="The event log of every process, newest first (senco and auditor)", responses=errors(403, 422)
)
def audit(
    limit: int = Query(500, ge=1, le=5000),
    school: str = SCHOOL,
    web: Web = Depends(get_web),
    user: User = Depends(auditor),
) -> list[dict[str, Any]]:
    with web.sessionmaker() as session:
        events = recent_events(session, limit, school=scope_of(user).school)
    several = web.several_schools
    return [
        ({"school": e.school, "school_name": web.school_name(e.school)} if several else {})
        | {
            "occurred_at": e.occurred_at.isoformat(),
            "workflow_id": e.workflow_id,
            "case_ref": e.case_ref,
            "kind": e.kind,
            "rule_id": e.rule_id,
            "actor": e.actor,
            "data": e.data,
        }
        for e in events
    ]


@router.get(
    "/compliance",
    summary="On-time rates per rule and per LA for an academic year, and for annual reviews "
    "the meeting (the school's part) and the review concluded (the LA's decision)",
    responses=errors(403, 422),
)
def compliance(
    year: int | None = Query(None, ge=2014, le=2100),
    school: str = SCHOOL,
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> dict[str, Any]:
    return compliance_for(web, year, scope_of(user).school).as_json()


@router.get("/rules", summary="The rule book: every rule (and each earlier version) with its legal basis and counting")
def rules(user: User = Depends(reader)) -> list[dict[str, Any]]:
    from statutory import RULES

    return [rule.model_dump(mode="json") | {"holder": rule.holder.value} for rule in RULES]


@router.get(
    "/deadline",
    summary="A rule's statutory date and working target from a date, explained (as `sendclock "
    "deadline`), on the school's calendar and readings",
    responses=errors(422),
)
def deadline(
    rule: str = Query(
        ..., max_length=40, description="A rule id (GET /api/rules)", json_schema_extra={"enum": RULE_IDS}
    ),
    from_: date = Query(..., alias="from", description="The anchor date, YYYY-MM-DD"),
    post16: bool = Query(False, description="phase-transfer-meeting-by: plan back from the post-16 date"),
    la: str | None = Query(
        None,
        max_length=80,
        description="phase-transfer-meeting-by: this LA's own date; review-notice, review-advice-circulation: this "
        "LA's practice date beside the statutory one (settings: las)",
    ),
    reading: str | None = Query(None, pattern="^(clear|inclusive)$", description="Notice periods (C3)"),
    web: Web = Depends(get_web),
    user: User = Depends(reader),
) -> Any:
    from starter.cli.format import deadline_json
    from starter.deadline import explain_deadline

    try:
        found = explain_deadline(web.settings, rule, from_, post16=post16, la=la, reading=reading)
    except Refused as err:
        return refused_response(err, "query")
    return deadline_json(found)


@router.get(
    "/steps.csv",
    summary="Every step of every process as CSV (the page /steps.csv, for API keys)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **errors(403, 422)},
)
def steps_export(school: str = SCHOOL, web: Web = Depends(get_web), user: User = Depends(all_reader)) -> Response:
    return steps_csv_response(web, scope_of(user).school, name_schools=shows_schools(web, user))


def _start_route(kind: str, model: type[Command]) -> None:
    async def start_process(
        request: Request, body: Command = Body(...), web: Web = Depends(get_web), user: User = Depends(senco_only)
    ):
        try:
            outcome = await start(web, user, kind, body)
        except Refused as err:
            return refused_response(err)
        except Forbidden:
            raise HTTPException(status_code=403, detail="role: only the SENCO starts processes") from None
        except Unavailable as err:
            raise HTTPException(status_code=503, detail=f"Temporal cannot be reached: {err}") from None
        return JSONResponse(
            status_code=201 if outcome.created else 200,
            content=Started(
                workflow_id=outcome.workflow_id,
                case_ref=outcome.case_ref,
                process=kind,
                created=bool(outcome.created),
                state=outcome.state,
            ).model_dump(mode="json"),
        )

    start_process.__name__ = f"start_{kind.replace('-', '_')}"
    start_process.__annotations__["body"] = model  # FastAPI reads (validates, documents) the body as this model
    router.add_api_route(
        f"/processes/{kind}",
        start_process,
        methods=["POST"],
        status_code=201,
        summary=f"Start: {(model.__doc__ or kind).strip().splitlines()[0]}",
        response_model=Started,
        responses={
            200: {"model": Started, "description": "It already existed: returned as it stands"},
            **errors(403, 422, 503),
        },
    )


def _record_route(name: str, model: type[Command], title: str) -> None:
    async def record_change(
        request: Request,
        body: Command = Body(...),
        workflow_id: str = Path(
            pattern=WORKFLOW_ID.pattern, description="A process's workflow ID (workflows/registry.py)"
        ),
        web: Web = Depends(get_web),
        user: User = Depends(recording(name)),
    ):
        try:
            outcome = await record(web, user, workflow_id, name, body, via="api")
        except Refused as err:
            return refused_response(err)
        except Forbidden:
            raise HTTPException(status_code=403, detail="rule_id: you may record only your own steps") from None
        except Unavailable as err:
            raise HTTPException(status_code=503, detail=f"Temporal cannot be reached: {err}") from None
        return Recorded(
            workflow_id=outcome.workflow_id, case_ref=outcome.case_ref, process=outcome.kind, state=outcome.state
        )

    record_change.__name__ = f"record_{name.replace('-', '_')}"
    record_change.__annotations__["body"] = model
    router.add_api_route(
        f"/processes/{{workflow_id}}/{name}",
        record_change,
        methods=["POST"],
        summary=title,
        response_model=Recorded,
        responses=errors(403, 404, 422, 503),
    )


for _kind, _model in START_COMMANDS.items():
    _start_route(_kind, _model)
for _action in ACTIONS.values():
    _record_route(_action.name, _action.model, _action.title)


# --- the LA scorecard (dashboard/la_scorecard_view.py; the pages /las, /las/NAME and /las.csv) -----------------------


@router.get(
    "/las",
    summary="How each LA meets its own deadlines in a school year (on time, late, overdue with no answer yet, days "
    "late), all steps and excluding exemptions: every LA a process names, and every LA with a profile in the settings",
    responses=errors(403, 422),
)
def las(
    year: int | None = Query(
        None, ge=2014, le=2100, description="A school year by the year it starts: 2026 for 2026-27"
    ),
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> dict[str, Any]:
    return overview_json(overview_for(web, year, scope_of(user).school), web.clock.today())


@router.get(
    "/las.csv",
    summary="The LA scorecard as CSV, a row per LA, school year and rule and the year's total (the page /las.csv)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **errors(403, 422)},
)
def las_export(
    year: int | None = Query(None, ge=2014, le=2100, description="Only this school year: 2026 for 2026-27"),
    la: str | None = Query(None, max_length=80, description="Only this LA (its name as the processes give it)"),
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> Response:
    return las_csv_response(web, year, la, scope_of(user).school)


@router.get(
    "/las/{name:path}",
    summary="One LA's scorecard: every school year with its deadlines, per rule, all steps and excluding exemptions",
    responses=errors(403, 404, 422),
)
def la_scorecard(
    name: str = Path(min_length=1, max_length=80, description="The LA's name as the processes give it"),
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> dict[str, Any]:
    return card_json(card_for(web, name, scope_of(user).school), web)
