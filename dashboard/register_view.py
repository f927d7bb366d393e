"""Importing the SEN register from the dashboard (the SENCO only): upload the MIS export, see every problem by line or
what the import would do, confirm, and see what was done (commands/register.py, docs/register.md).

    GET  /import/register               the form: the template's header, a link to the template, the file to check
    GET  /import/register/template.csv  docs/register-template.csv
    POST /import/register               the file (multipart, at most commands.register.MAX_BYTES): checked and planned,
                                        nothing started; the problems by line, or the plan and an "Import" button
    POST /import/register/confirm       the same file again (carried in the page, compressed) and the plan's digest:
                                        planned again against what is running now and, if it is still the plan the
                                        SENCO saw, done; else the new plan is shown to confirm

Nothing is kept on the server between the two posts. The pages quote no cell of the file beyond case references and
what the plan's sentences say. In a deployment of several schools the import is the SENCO's school's: it is compared
with that school's open processes only, with that school's settings.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from commands import register as importing
from commands.base import Actor
from commands.errors import Refused, Unavailable
from dashboard.access import CheckedRoute, senco_only
from dashboard.auth import User, read_form
from dashboard.commands import context, recorded_by_of
from dashboard.context import Web, get_web
from dashboard.render import render
from dashboard.scope import scope_of
from register import TEMPLATE_HEADER, RegisterRefused
from store.web_queries import schools_of

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
PATH = "/import/register"
TEMPLATE = Path(__file__).resolve().parents[1] / "docs" / "register-template.csv"
LOST = "The file did not come back with the page: choose it again and check it."


def _page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    page: dict[str, Any] = {
        "title": "Import the SEN register",
        "header": TEMPLATE_HEADER,
        "max_size": importing.MAX_SIZE,
        "stage": "upload",
        "error": "",
        "notice": "",
        "skip_bad": False,
    }
    return render(request, "register_import.html", page | context, status_code=status_code)


def carried(data: bytes) -> str:
    """The file as the preview page carries it to the confirmation: compressed, then base64."""
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def uncarried(text: str) -> bytes | None:
    """The file back from the confirmation; None if it is not one `carried` made, or larger than allowed."""
    try:
        inflate = zlib.decompressobj()
        data = inflate.decompress(base64.b64decode(text.encode("ascii"), validate=True), importing.MAX_BYTES + 1)
    except (binascii.Error, zlib.error, UnicodeEncodeError, ValueError):
        return None
    if len(data) > importing.MAX_BYTES or not inflate.eof:
        return None
    return data


def _planned(request: Request, web: Web, user: User, data: bytes, skip_bad: bool) -> importing.ImportPlan | Response:
    """The file read and planned against what is running now, or the page that says why it cannot be."""
    ctx = context(web)
    try:
        register = importing.read(ctx, data)
    except RegisterRefused as err:
        return _page(request, 422, stage="refused", error=err.reason)
    school = scope_of(user).school
    with web.sessionmaker() as session:
        cases = importing.open_cases(session)
        if school is not None:  # the SENCO's school's cases, not another school's pupil of the same reference
            cases = of_school(cases, school, session)
    actor = Actor(user.staff_id or "", recorded_by_of(user, "web"))
    try:
        return importing.plan(ctx, register, cases, actor, skip_bad=skip_bad)
    except Refused:  # the only check on the actor: a staff id in the staff directory
        why = (
            f"Your account has no staff id in the staff directory ({user.staff_id or 'none'}), and an import records "
            "who ends a process: ask for one to be set, then import again."
        )
        return _page(request, 403, stage="refused", error=why)


def of_school(cases: dict[str, Any], school: str, session: Any) -> dict[str, Any]:
    """The open processes of each case (commands.register.open_cases) at `school` only; a case with none left out."""
    schools = schools_of(session, (w for c in cases.values() for ids in c.by_kind.values() for w in ids))
    found = {}
    for case_ref, processes in cases.items():
        by_kind = {}
        for kind, ids in processes.by_kind.items():
            if mine := tuple(w for w in ids if schools.get(w) == school):
                by_kind[kind] = mine
        if by_kind:
            found[case_ref] = replace(processes, by_kind=by_kind)
    return found


def _preview(request: Request, planned: importing.ImportPlan, data: bytes, notice: str = "") -> HTMLResponse:
    if planned.blocked:
        return _page(request, 422, stage="problems", plan=planned, skip_bad=planned.skip_bad)
    return _page(
        request,
        stage="preview",
        plan=planned,
        data=carried(data),
        digest=planned.digest,
        skip_bad=planned.skip_bad,
        notice=notice,
    )


@router.get(PATH, response_class=HTMLResponse)
def register_form(request: Request, user: User = Depends(senco_only)) -> HTMLResponse:
    return _page(request)


@router.get(f"{PATH}/template.csv")
def register_template(request: Request, user: User = Depends(senco_only)) -> Response:
    text = TEMPLATE.read_text(encoding="utf-8") if TEMPLATE.is_file() else TEMPLATE_HEADER + "\n"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="register-template.csv"'},
    )


@router.post(PATH, response_class=HTMLResponse)
async def register_upload(request: Request, web: Web = Depends(get_web), user: User = Depends(senco_only)) -> Response:
    form = await request.form()  # parsed (and its CSRF token checked) by the guard: dashboard/access.py
    upload = form.get("file")
    skip_bad = form.get("skip_bad") == "yes"
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(request, 422, error="Choose the register's CSV file.", skip_bad=skip_bad)
    data = await upload.read(importing.MAX_BYTES + 1)
    if not data:
        return _page(request, 422, error="The file is empty: choose the register's CSV file.", skip_bad=skip_bad)
    planned = _planned(request, web, user, data, skip_bad)
    if isinstance(planned, Response):
        return planned
    return _preview(request, planned, data)


@router.post(f"{PATH}/confirm", response_class=HTMLResponse)
async def register_confirm(request: Request, web: Web = Depends(get_web), user: User = Depends(senco_only)) -> Response:
    values = await read_form(request)
    data = uncarried(values.get("data", ""))
    if data is None:
        return _page(request, 422, error=LOST)
    planned = _planned(request, web, user, data, values.get("skip_bad") == "yes")
    if isinstance(planned, Response):
        return planned
    if planned.blocked or values.get("digest") != planned.digest:
        changed = (
            "What is running has changed since the file was checked: this is what the import would do now. Check it, "
            "and import again."
        )
        return _preview(request, planned, data, notice=changed)
    try:
        result = await importing.apply(context(web), planned)
    except Unavailable:
        return _page(
            request,
            503,
            stage="preview",
            plan=planned,
            data=carried(data),
            digest=planned.digest,
            skip_bad=planned.skip_bad,
            error="Temporal cannot be reached; nothing was started or ended. Try again in a minute.",
        )
    return _page(request, stage="result", plan=planned, result=result)
