"""The Temporal Web UI only through sendclock (issue 20, finding 1): the dashboard serves it at /temporal/ to signed-in
SENCOs and auditors, read-only, with histories decoded by its own codec server; links to it only for them.

In-process (no Temporal): who gets links and who gets in, and that refusals never reach the UI. On a real
`sendclock up` (its dev server started with --ui-public-path /temporal): a SENCO reads a process's history through
/temporal/ and decodes its encrypted input through /codec/decode, runs a query, and cannot terminate, signal, reset,
batch or schedule anything (403, and the process still runs); an auditor reads too; staff and leadership get 403 and
no session 401 or the sign-in page. In Chromium (when installed): the UI loads under the dashboard's CSP and shows
the decoded input."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from starlette.requests import Request
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client

from config.settings import Settings, StaffMember
from dashboard.temporal_proxy import READ_ONLY, _forwarded_headers, allowed
from tests.dashboard.conftest import db, make_client, today  # noqa: F401 (fixtures)
from tests.helpers import free_port
from tests.stack_run import PASSWORD, RunningStack, stack_running
from tests.test_stack import cmdline

ENCRYPTED = base64.b64encode(b"binary/encrypted").decode()
CHROMIUM = "/usr/bin/chromium"
# Every request that would change something, as the UI (or anyone with its _csrf cookie) would send it.
WRITES = [
    ("POST", "/workflows/{id}/terminate", {"reason": "x"}),
    ("POST", "/workflows/{id}/cancel", {}),
    ("POST", "/workflows/{id}/signal/record", {}),
    ("POST", "/workflows/{id}/update/record", {}),
    ("POST", "/workflows/{id}/reset", {}),
    ("POST", "/workflows/{id}/pause", {}),
    ("POST", "/workflows/{id}/update-options", {}),
    ("POST", "/workflows/{id}", {}),  # start
    ("POST", "/workflows/{id}/signal-with-start/record", {}),
    ("POST", "/batch-operations/job-1", {"reason": "x"}),
    ("POST", "/schedules/sched-1", {}),
    ("POST", "/schedules/sched-1/update", {}),
    ("POST", "/schedules/sched-1/patch", {"patch": {"pause": "x"}}),
    ("DELETE", "/schedules/sched-1", None),
    ("POST", "/update", {}),  # the namespace
    ("PUT", "/workflows/{id}", {}),
    ("PATCH", "/workflows/{id}", {}),
    ("POST", "/workflows/{id}/query/..%2Fterminate", {}),
    ("POST", "/workflows/{id}/query/%2e%2e", {}),
]


# --- in-process: links and gates ---------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The UI "listens" on a loopback port where nothing does: anything forwarded would answer 503."""
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco"),
            "head": StaffMember(name="Jo Example (Head)", role="head"),
            "ta": StaffMember(name="Sam Example (TA)", role="staff"),
        },
        temporal={"ui_url": f"http://127.0.0.1:{free_port()}", "namespace": "school-ns"},
    )


@pytest.fixture
def seeded(db):  # noqa: F811
    from tests.dashboard.seed import seed

    seed(db)
    return db


def test_links_to_the_ui_only_for_senco_and_auditor(make_client, seeded) -> None:  # noqa: F811
    link = 'href="/temporal/namespaces/school-ns/workflows/'
    for who in ("senco", "auditor"):
        client = make_client(who)
        steps = client.get("/").text
        # The step tables speak to a SENCO: the workflow's link is on the case page, one per process (issue 23).
        assert 'href="/temporal/">Temporal Web UI' in steps and "Open in Temporal" not in steps
        case_page = client.get("/cases/EHC-0042").text
        assert link in case_page and "Open in Temporal" in case_page
        api = client.get("/api/steps").json()["steps"]
        assert api and all(s["temporal_url"].startswith("/temporal/namespaces/school-ns/workflows/") for s in api)
        case = client.get("/api/cases/EHC-0042").json()["processes"][0]
        assert case["temporal_url"].startswith("/temporal/namespaces/school-ns/workflows/")
    for who in ("head", "ta"):  # leadership, staff
        client = make_client(who)
        for page in ("/", "/overdue", "/cases/EHC-0007"):
            html = client.get(page).text
            assert "/temporal" not in html and "Open in Temporal" not in html and "Temporal Web UI" not in html
        assert all(s["temporal_url"] is None for s in client.get("/api/steps").json()["steps"])
        assert client.get("/api/cases/EHC-0007").json()["processes"][0]["temporal_url"] is None


def test_no_session_signs_in_other_roles_are_refused_and_writes_never_leave(make_client) -> None:  # noqa: F811
    anonymous = make_client()
    page = anonymous.get("/temporal/namespaces/default/workflows", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == (
        "/login?next=%2Ftemporal%2Fnamespaces%2Fdefault%2Fworkflows"
    )
    assert anonymous.get("/temporal/api/v1/namespaces").status_code == 401
    assert anonymous.post("/temporal/api/v1/namespaces/default/workflows/w/terminate").status_code == 401
    for who, role in (("head", "leadership"), ("ta", "staff")):
        client = make_client(who)
        refused = client.get("/temporal/namespaces/default/workflows")
        assert refused.status_code == 403 and "Not allowed" in refused.text
        api = client.get("/temporal/api/v1/namespaces")
        assert api.status_code == 403 and api.json()["detail"] == f"role: {role} may not open the Temporal Web UI"
    senco = make_client("senco")
    for method, path, body in WRITES:
        url = "/temporal/api/v1/namespaces/default" + path.format(id="w-1")
        refused = senco.request(method, url, json=body)
        assert (refused.status_code, refused.json()) == (403, {"detail": READ_ONLY}), (method, url)
    assert senco.get("/temporal/").status_code == 503  # a read is forwarded: nothing listens there
    evil = senco.post(
        "/temporal/api/v1/namespaces/default/workflows/w/query/__stack_trace",
        headers={"Origin": "https://evil.example.org"},
        json={},
    )
    assert evil.status_code == 403 and "evil.example.org" in evil.json()["detail"]


def test_without_the_proxy_links_go_to_the_ui_itself(make_client, settings, seeded) -> None:  # noqa: F811
    settings.temporal.ui_proxy = False
    settings.temporal.ui_url = "https://cloud.example.org/"
    client = make_client("senco")
    assert 'href="https://cloud.example.org/namespaces/school-ns/workflows/' in client.get("/cases/EHC-0042").text
    assert client.get("/temporal/api/v1/namespaces").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "passes"),
    [
        ("GET", "/temporal/", True),
        ("GET", "/temporal/_app/immutable/entry/start.js", True),
        ("HEAD", "/temporal/namespaces/default/workflows", True),
        ("GET", "/temporal/api/v1/namespaces/default/workflows/a%2Fb/history", True),
        ("POST", "/temporal/api/v1/namespaces/default/workflows/a%2Fb/query/__stack_trace", True),
        ("POST", "/temporal/api/v1/namespaces/default/workflows/a/query/state", True),
        ("POST", "/temporal/api/v1/namespaces/default/workflows/a/query/", False),
        ("POST", "/temporal/api/v1/namespaces/default/workflows/a/query/x/../../terminate", False),
        ("POST", "/temporal/api/v1/namespaces/default/workflows/a/query/x%252F..%252F..%252Fterminate", False),
        ("GET", "/temporal/api/v1/namespaces/default/workflows/a/query/%2E%2E", False),
        ("POST", "/temporal/api/v1/namespaces/default/workflows/a/terminate", False),
        ("OPTIONS", "/temporal/api/v1/namespaces", False),
        ("POST", "/temporal/api/v1/settings", False),
    ],
)
def test_the_allow_list(method: str, path: str, passes: bool) -> None:
    assert allowed(method, path) is passes


def test_the_dashboard_session_and_authorization_are_not_forwarded() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/temporal/",
        "headers": [
            (b"cookie", b"_csrf=abc; sendclock_session=SECRET1; other=1; sendclock_device=SECRET2"),
            (b"authorization", b"Bearer SECRET3"),
            (b"x-http-method-override", b"DELETE"),
            (b"origin", b"http://d:1"),
            (b"accept", b"application/json"),
            (b"host", b"d:1"),
        ],
    }
    headers = dict(_forwarded_headers(Request(scope), "http://127.0.0.1:8233"))
    assert headers == {"accept": "application/json", "origin": "http://127.0.0.1:8233", "cookie": "_csrf=abc; other=1"}


# --- on a real `sendclock up` ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[RunningStack]:
    with stack_running(tmp_path_factory.mktemp("proxy") / "var") as running:
        running.add_accounts()
        yield running


@pytest.fixture(scope="module")
def workflow_id(stack: RunningStack) -> str:
    body = {
        "case_ref": "PRX-0001",
        "la": "Kent",
        "received_on": (date.today() - timedelta(days=10)).isoformat(),
        "owner": "senco",
    }
    with stack.client(headers={"Authorization": f"Bearer {stack.secrets['api_key']}"}) as http:
        started = http.post("/api/processes/ehc-advice-request", json=body)
    assert started.status_code == 201, started.text
    return started.json()["workflow_id"]


def ui_csrf(http) -> dict[str, str]:
    """The UI's own CSRF header, from its _csrf cookie (set on any page of the UI, scoped to /temporal)."""
    assert http.get("/temporal/").status_code == 200
    token = http.cookies.get("_csrf", path="/temporal")
    assert token
    return {"X-CSRF-TOKEN": token}


def started_input(history: dict) -> dict:
    started = history["history"]["events"][0]
    assert started["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    return started["workflowExecutionStartedEventAttributes"]["input"]


async def status_of(stack: RunningStack, workflow_id: str) -> int:
    client = await Client.connect(stack.temporal)
    return (await client.get_workflow_handle(workflow_id).describe()).status


@pytest.mark.devserver
def test_a_senco_reads_a_decoded_history_and_cannot_change_the_process(stack, workflow_id) -> None:
    with stack.client("senco") as http:
        settings = http.get("/temporal/api/v1/settings").json()
        assert settings["Codec"]["Endpoint"] == "/codec" and settings["DisableWriteActions"] is True
        assert settings["WorkflowTerminateDisabled"] is True and settings["BatchActionsDisabled"] is True

        history = http.get(f"/temporal/api/v1/namespaces/default/workflows/{workflow_id}/history")
        assert history.status_code == 200, history.text
        payloads = started_input(history.json())
        assert payloads["payloads"][0]["metadata"]["encoding"] == ENCRYPTED and "Kent" not in json.dumps(payloads)

        origin = {"Origin": stack.dashboard}  # as the UI served at /temporal/ posts: same origin
        decoded = http.post("/codec/decode", json=payloads, headers=origin)
        assert decoded.status_code == 200, decoded.text
        data = base64.b64decode(decoded.json()["payloads"][0]["data"])
        assert b'"PRX-0001"' in data and b'"Kent"' in data

        csrf = ui_csrf(http)
        query = http.post(
            f"/temporal/api/v1/namespaces/default/workflows/{workflow_id}/query/__stack_trace",
            json={"query": {"queryType": "__stack_trace"}},
            headers=csrf | origin,
        )
        assert query.status_code == 200, query.text  # a query writes nothing: it passes

        for method, path, body in WRITES:
            url = "/temporal/api/v1/namespaces/default" + path.format(id=workflow_id)
            refused = http.request(method, url, json=body, headers=csrf | origin)
            assert (refused.status_code, refused.json()) == (403, {"detail": READ_ONLY}), (method, url)
        page = http.get(f"/temporal/namespaces/default/workflows/{workflow_id}")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
        assert csp["script-src"].startswith("'self' 'sha256-") and "unsafe" not in csp["script-src"]
        assert csp["frame-ancestors"] == "'none'" and page.headers["x-frame-options"] == "DENY"
        assert "; Path=/temporal" in page.headers["set-cookie"]
    assert asyncio.run(status_of(stack, workflow_id)) == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING


@pytest.mark.devserver
def test_an_auditor_reads_staff_and_leadership_are_refused_nobody_else_gets_in(stack, workflow_id) -> None:
    history = f"/temporal/api/v1/namespaces/default/workflows/{workflow_id}/history"
    with stack.client("auditor") as http:
        assert http.get(history).status_code == 200
        payloads = started_input(http.get(history).json())
        assert http.post("/codec/decode", json=payloads, headers={"Origin": stack.dashboard}).status_code == 200
        steps = http.get("/api/steps").json()["steps"]
        assert [s["temporal_url"] for s in steps if s["workflow_id"] == workflow_id] == [
            f"/temporal/namespaces/default/workflows/{workflow_id}"
        ]
    for who in ("head", "ta"):
        with stack.client(who) as http:
            assert http.get(history).status_code == 403
            assert http.get("/temporal/").status_code == 403
            assert http.post("/codec/decode", json={"payloads": []}).status_code == 403
    with stack.client() as http:
        assert http.get(history).status_code == 401
        assert http.get("/temporal/").headers["location"].startswith("/login?next=")
        bearer = {"Authorization": f"Bearer {stack.secrets['api_key']}"}  # API keys are for /api/ only
        assert http.get(history, headers=bearer).status_code == 401
    server = next(c for c in map(cmdline, stack.up.child_pids) if "server start-dev" in c)
    ui_port = stack.ui.rsplit(":", 1)[1]  # the UI itself: on loopback, under /temporal, decoding with /codec
    assert f"--ui-ip 127.0.0.1 --ui-port {ui_port} --ui-public-path /temporal " in server
    assert f"--ui-codec-endpoint {stack.dashboard}/codec " in server


@pytest.mark.devserver
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason=f"{CHROMIUM} is missing")
def test_in_a_browser_the_ui_loads_under_the_csp_and_shows_the_decoded_input(stack, workflow_id) -> None:
    from playwright.sync_api import sync_playwright

    from tests.web.conftest import ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            page.goto(f"{stack.dashboard}/")
            page.get_by_label("User name").fill("senco")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/login" not in url)  # the SENCO lands on Today
            page.goto(f"{stack.dashboard}/cases/PRX-0001")
            page.get_by_role("link", name="Open in Temporal").first.click()
            page.get_by_text("received_on").first.wait_for(timeout=30_000)  # the input, decoded by /codec
            assert page.get_by_text("binary/encrypted").count() == 0
            assert not [m for m in console if "Content Security Policy" in m], console
        finally:
            browser.close()
