"""The Temporal Web UI through sendclock: the dashboard serves it at /temporal/, to signed-in SENCOs and auditors,
read-only.

Why: the UI has no sign-in of its own, lists every case reference, LA and due date, and can terminate, signal or
reset any process (its own `_csrf` cookie is all a POST needs). So `sendclock up` binds it to loopback, under the
public path /temporal (`temporal server start-dev --ui-public-path /temporal`), and this router forwards to it
(temporal.ui_url), with temporal.ui_proxy on (the default):

- Who: a dashboard session whose role is in TEMPORAL_UI_ROLES (senco, auditor: those who may read every history
  decoded). No session: pages redirect to /login, /temporal/api/ answers 401; another role 403. API keys are not
  accepted (the UI is a browser application). In a deployment of several schools (a trust, issue 25) the UI cannot
  be limited to one school (it lists and opens every workflow of the namespace): only the trust's auditor gets it,
  and a school's SENCO or auditor gets 403 (Web.sees_temporal; SECURITY.md).
- What: an allow-list of method and path (ALLOWED); everything else is refused with 403 and READ_ONLY. GET and HEAD
  pass: every GET of Temporal's HTTP API reads (list, describe, count, get history, poll), and the UI's pages and
  assets are GETs. The only POST that passes is a workflow query, which Temporal answers without writing an event
  (the UI's stack-trace and metadata queries). Terminate, cancel, signal, update, reset, pause, start, batch
  operations, schedules, namespaces, deployments and activity commands are POST or DELETE: refused. A path with a
  `.` or `..` segment is refused whatever the method, so an allowed pattern cannot be walked out of.
- Forwarded: neither the dashboard's session cookie nor Authorization (nor method-override headers); the UI's own
  cookies pass, and the ones it sets are scoped to /temporal.
- The UI's settings document (/temporal/api/v1/settings) is rewritten: its codec endpoint becomes this dashboard's
  /codec (same origin, so the browser sends the session cookie and histories read decoded out of the box,
  dashboard/codec_server.py), and its write actions are switched off, so it hides the buttons this router refuses.
- Content-Security-Policy on /temporal/ pages: the dashboard's, except that script-src also allows the SHA-256 of
  each inline script of that page (the UI boots from one); nothing else
  is loosened.

Temporal Cloud or a self-hosted UI with its own sign-in: temporal.ui_proxy = false, and links go to temporal.ui_url
(docs/deployment.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from config.temporal_ui import PUBLIC_PATH
from dashboard.auth import COOKIE, SignInRequired, current_user
from dashboard.codec_server import origin_of, same_origin
from dashboard.context import TEMPORAL_UI_ROLES, Web

router = APIRouter(include_in_schema=False)

READ_ONLY = "The Temporal Web UI is read-only through sendclock: use sendclock to change a process."
SEGMENT = r"[^/]+"
# (methods, path) that pass; the path is the raw (still percent-encoded) request path, matched in full.
ALLOWED: list[tuple[frozenset[str], re.Pattern[str]]] = [
    (frozenset({"GET", "HEAD"}), re.compile(rf"{PUBLIC_PATH}/.*")),
    (
        frozenset({"POST"}),
        re.compile(rf"{PUBLIC_PATH}/api/v1/namespaces/{SEGMENT}/workflows/{SEGMENT}/query/[A-Za-z0-9_.~-]+"),
    ),
]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
SETTINGS_PATH = f"{PUBLIC_PATH}/api/v1/settings"
# The UI's switches (settings document, UI 2.x) that hide what ALLOWED refuses anyway.
WRITE_SWITCHES = (
    "WorkflowTerminateDisabled",
    "WorkflowCancelDisabled",
    "WorkflowSignalDisabled",
    "WorkflowUpdateDisabled",
    "WorkflowResetDisabled",
    "WorkflowPauseDisabled",
    "BatchActionsDisabled",
    "StartWorkflowDisabled",
    "ActivityCommandsDisabled",
)
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
NOT_FORWARDED = HOP_BY_HOP | {
    "host",
    "content-length",
    "cookie",
    "authorization",
    "authorization-extras",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
}
NOT_RETURNED = HOP_BY_HOP | {"content-security-policy", "x-frame-options", "set-cookie", "date", "server"}
IMMUTABLE = f"{PUBLIC_PATH}/_app/immutable/"  # the UI's scripts and styles, content-hashed: cached by the browser
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)
CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'{hashes}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
TIMEOUT = httpx.Timeout(10.0, read=120.0)  # reads: the UI long-polls a running workflow's history


def _decoded(raw_path: str) -> str:
    """The path percent-decoded until nothing changes (a double-encoded %252F is a slash too)."""
    for _ in range(5):
        decoded = unquote(raw_path)
        if decoded == raw_path:
            break
        raw_path = decoded
    return raw_path


def allowed(method: str, raw_path: str) -> bool:
    """Whether ALLOWED lets `method` on `raw_path` through: never with a `.` or `..` segment, encoded or not, so
    that no server behind can clean an allowed path into another (query/..%2F..%2Fterminate)."""
    if any(segment in (".", "..") for segment in _decoded(raw_path).replace("\\", "/").split("/")):
        return False
    return any(method in methods and pattern.fullmatch(raw_path) for methods, pattern in ALLOWED)


def _is_api(raw_path: str) -> bool:
    return raw_path.startswith(f"{PUBLIC_PATH}/api/")


def _refuse(raw_path: str, status: int, detail: str) -> Response:
    if _is_api(raw_path):
        return JSONResponse(status_code=status, content={"detail": detail})
    raise HTTPException(status_code=status, detail=detail)  # the dashboard's error page


def _client(request: Request) -> httpx.AsyncClient:
    client = getattr(request.app.state, "temporal_ui_client", None)
    if client is None:
        client = request.app.state.temporal_ui_client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
    return client


async def close(app: FastAPI) -> None:
    """Close the connection pool to the UI (app shutdown)."""
    client = getattr(app.state, "temporal_ui_client", None)
    if client is not None:
        await client.aclose()
        app.state.temporal_ui_client = None


def _forwarded_headers(request: Request, ui_origin: str) -> list[tuple[str, str]]:
    """The browser's headers less NOT_FORWARDED and the dashboard's session cookie; an Origin (already checked to be
    the dashboard's) becomes the UI's own, as if the page were served by the UI."""
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED | {"origin"}]
    if "origin" in request.headers:
        headers.append(("origin", ui_origin))
    cookies = [c.strip() for c in request.headers.get("cookie", "").split(";")]
    kept = [c for c in cookies if c and not _ours(c.split("=", 1)[0].strip())]
    if kept:
        headers.append(("cookie", "; ".join(kept)))
    return headers


def _ours(cookie_name: str) -> bool:
    """The dashboard's cookies (its session, its device cookie): never forwarded, never set by the UI."""
    return cookie_name == COOKIE or cookie_name.startswith("sendclock_")


def _set_cookie(value: str) -> str | None:
    """The UI's Set-Cookie, scoped to /temporal; None for one named as one of the dashboard's cookies."""
    if _ours(value.split("=", 1)[0].strip()):
        return None
    parts = [p for p in value.split(";") if not p.strip().lower().startswith("path=")]
    return "; ".join(p.strip() for p in parts) + f"; Path={PUBLIC_PATH}"


def _returned_headers(upstream: httpx.Response, ui_origin: str, *, rewritten: bool) -> list[tuple[bytes, bytes]]:
    headers: list[tuple[str, str]] = []
    for name, value in upstream.headers.multi_items():
        lower = name.lower()
        if lower in NOT_RETURNED or (rewritten and lower in ("content-length", "content-encoding")):
            continue
        if lower == "location" and value.startswith(ui_origin + "/"):  # keep the browser on the dashboard
            value = value[len(ui_origin) :]
        headers.append((lower, value))
    for value in upstream.headers.get_list("set-cookie"):
        if (scoped := _set_cookie(value)) is not None:
            headers.append(("set-cookie", scoped))
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


def _settings(body: bytes) -> bytes:
    """The UI's settings with the codec at this dashboard's /codec and its write actions off."""
    document = json.loads(body)
    codec = document.setdefault("Codec", {}) or {}
    codec.update(Endpoint="/codec", PassAccessToken=False, IncludeCredentials=False)
    document["Codec"] = codec
    document["DisableWriteActions"] = True
    for switch in WRITE_SWITCHES:
        document[switch] = True
    return json.dumps(document).encode()


def page_csp(html: bytes) -> str:
    """The CSP of a UI page: the dashboard's, plus the hash of each of its inline scripts."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()}'"
        for m in INLINE_SCRIPT.finditer(html)
    )
    return CSP.format(hashes=hashes)


def _response(
    upstream: httpx.Response,
    body: bytes | AsyncIterator[bytes] | None,
    ui_origin: str,
    csp: str | None = None,
    *,
    immutable: bool = False,
) -> Response:
    """The UI's answer: `body` bytes (read and perhaps rewritten: decoded, its length recomputed), a stream of the
    raw bytes, or None (HEAD)."""
    rewritten = isinstance(body, bytes)
    if body is None or isinstance(body, bytes):
        response = Response(status_code=upstream.status_code, content=body or b"")
    else:
        response = StreamingResponse(body, status_code=upstream.status_code, background=BackgroundTask(upstream.aclose))
    headers = _returned_headers(upstream, ui_origin, rewritten=rewritten)
    if isinstance(body, bytes):  # rewritten
        headers.append((b"content-length", str(len(body)).encode()))
    headers.append((b"content-security-policy", (csp or CSP.format(hashes="")).encode()))
    if immutable and upstream.status_code == 200 and "cache-control" not in upstream.headers:
        headers.append((b"cache-control", b"private, max-age=31536000, immutable"))
    response.raw_headers = headers
    return response


@router.api_route(PUBLIC_PATH, methods=["GET", "HEAD"])
async def ui_root() -> Response:
    return RedirectResponse(f"{PUBLIC_PATH}/", status_code=307)


@router.api_route(PUBLIC_PATH + "/{path:path}", methods=METHODS)
async def temporal_ui(request: Request, path: str) -> Response:  # noqa: ARG001 (the raw path is used)
    web: Web = request.app.state.web
    raw_path = (request.scope.get("raw_path") or b"").decode("latin-1").partition("?")[0] or request.url.path
    if not web.settings.temporal.ui_proxy:
        return _refuse(raw_path, 404, f"The Temporal Web UI is at {web.settings.temporal.ui_url}, not here.")
    user = current_user(request)
    if user is None or user.via_api_key:
        if _is_api(raw_path):
            return JSONResponse(status_code=401, content={"detail": "sign in to the dashboard first"})
        raise SignInRequired()
    if not web.sees_temporal(user):
        if user.role in TEMPORAL_UI_ROLES:  # a school's SENCO or auditor, in a deployment of several schools
            return _refuse(
                raw_path,
                403,
                "The Temporal Web UI shows every school's processes, so in a trust only the trust's auditor may open "
                "it; use the dashboard's case pages and audit log.",
            )
        return _refuse(raw_path, 403, f"role: {user.role} may not open the Temporal Web UI")
    method = request.method
    if not allowed(method, raw_path):
        return _refuse(raw_path, 403, READ_ONLY)
    if method == "POST" and not same_origin(request):
        return _refuse(raw_path, 403, f"origin {request.headers.get('origin')} may not use the Temporal Web UI")

    ui_origin = origin_of(web.settings.temporal.ui_url)
    query = request.scope.get("query_string", b"").decode("latin-1")
    url = ui_origin + raw_path + (f"?{query}" if query else "")
    client = _client(request)
    content = await request.body() if method == "POST" else None
    try:
        upstream = await client.send(
            client.build_request(method, url, headers=_forwarded_headers(request, ui_origin), content=content),
            stream=True,
        )
    except httpx.HTTPError as err:
        return _refuse(raw_path, 503, f"The Temporal Web UI does not answer at {ui_origin} ({type(err).__name__}).")

    kind = upstream.headers.get("content-type", "").split(";")[0].strip().lower()
    if raw_path == SETTINGS_PATH and method == "GET" and upstream.status_code == 200:
        try:
            body = _settings(await upstream.aread())
        finally:
            await upstream.aclose()
        return _response(upstream, body, ui_origin)
    if kind == "text/html" and method == "GET":
        try:
            body = await upstream.aread()
        finally:
            await upstream.aclose()
        return _response(upstream, body, ui_origin, page_csp(body))
    if method == "HEAD":
        await upstream.aclose()
        return _response(upstream, None, ui_origin)
    return _response(upstream, upstream.aiter_raw(), ui_origin, immutable=raw_path.startswith(IMMUTABLE))
