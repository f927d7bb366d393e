"""The codec server for the Temporal Web UI: `POST /codec/encode` and `POST /codec/decode` take and return
`{"payloads": [...]}` (Temporal's Payload JSON, base64 fields), after temporalio/samples-python
`encryption/codec_server.py`, with sendclock's payload keys (security/).

Only signed-in staff whose role may read everything decoded (senco, auditor; in a deployment of several schools
only the trust's auditor, as for the Temporal Web UI: dashboard.context.Web.sees_temporal) get an answer: no session
401, another role 403. With the UI served by the dashboard at /temporal/ (the default, dashboard/temporal_proxy.py)
the UI posts here from the same origin, and the browser sends the session cookie by itself. A UI elsewhere
(temporal.ui_proxy off) needs its codec setting "Include cross-origin credentials", on the same site as the dashboard
(e.g. both under school.example.org): CORS answers only that UI's origin (temporal.ui_url), preflight included. A
request from any other origin is refused, and a JSON content type is required, so a form on another site cannot post
here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from dashboard.auth import current_user
from dashboard.context import Web

router = APIRouter(prefix="/codec", include_in_schema=False)
ALLOW_HEADERS = "content-type, x-namespace, authorization"
_NO_CODEC = object()


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, as browsers send it in the Origin header (default ports left out)."""
    parts = urlsplit(url)
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def same_origin(request: Request) -> bool:
    """No Origin (not a browser's cross-site request), or the dashboard's own: the address it was reached at, or
    dashboard_url (the same site behind a proxy that terminates TLS). The Temporal UI served at /temporal/
    (dashboard/temporal_proxy.py) posts from here."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    web: Web = request.app.state.web
    return origin in (origin_of(str(request.base_url)), origin_of(web.settings.dashboard_url))


def _allowed_origin(request: Request) -> str | None:
    """The request's Origin if it is the Temporal UI's, else None."""
    web: Web = request.app.state.web
    origin = request.headers.get("origin")
    return origin if origin and origin == origin_of(web.settings.temporal.ui_url) else None


def _cors(request: Request, response: Response, preflight: bool = False) -> Response:
    origin = _allowed_origin(request)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        if preflight:
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Vary"] = "Origin"
    return response


def _error(request: Request, status: int, detail: str) -> Response:
    return _cors(request, JSONResponse(status_code=status, content={"detail": detail}))


def _codec(request: Request) -> Any:
    """The payload codec of these settings (None without keys: payloads pass through), built once per app."""
    codec = getattr(request.app.state, "payload_codec", _NO_CODEC)
    if codec is _NO_CODEC:
        from security.converter import payload_codec

        web: Web = request.app.state.web
        codec = request.app.state.payload_codec = payload_codec(web.settings)
    return codec


async def _apply(request: Request, action: str) -> Response:
    if not same_origin(request) and not _allowed_origin(request):
        return _error(request, 403, f"origin {request.headers.get('origin')} may not use the codec server")
    user = current_user(request)
    if user is None or user.via_api_key:
        return _error(request, 401, "sign in to the dashboard first")
    web: Web = request.app.state.web
    if not web.sees_temporal(user):
        return _error(request, 403, f"role: {user.role} may not decode payloads")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return _error(request, 415, "send Content-Type: application/json")
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, UnicodeDecodeError) as err:
        return _error(request, 400, f"not a payloads document: {err}")
    codec = _codec(request)
    result = list(payloads.payloads)
    if codec is not None:
        try:
            result = await (codec.decode(result) if action == "decode" else codec.encode(result))
        except ValueError as err:  # security.codec: an unknown key id, a payload that does not decrypt
            return _error(request, 422, str(err))
    body = json_format.MessageToJson(Payloads(payloads=result))
    return _cors(request, Response(content=body, media_type="application/json"))


@router.options("/encode")
@router.options("/decode")
async def preflight(request: Request) -> Response:
    if not _allowed_origin(request):
        return JSONResponse(status_code=403, content={"detail": "origin not allowed"}, headers={"Vary": "Origin"})
    return _cors(request, Response(status_code=204), preflight=True)


@router.post("/encode")
async def encode(request: Request) -> Response:
    return await _apply(request, "encode")


@router.post("/decode")
async def decode(request: Request) -> Response:
    return await _apply(request, "decode")
