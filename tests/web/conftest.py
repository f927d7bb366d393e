"""The whole web side on real parts: the Temporal dev server (shared with tests/devserver), a worker process, the
dashboard served by uvicorn on a loopback port, and accounts of each role. One of each per test session."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from config.settings import Settings
from dashboard.app import create_app
from dashboard.web_settings import WebSettings
from store.accounts_queries import add_account, add_token
from store.credentials import new_token, token_digest
from store.db import make_engine, make_sessionmaker
from tests.db import migrate
from tests.devserver.conftest import WorkerProcess
from tests.helpers import quick_password_hash

PASSWORD = "correct horse battery"
ACCOUNTS = {"senco": ("senco", "senco"), "head": ("leadership", "head"), "auditor": ("auditor", None)}


# Debian's Chromium, driven headless by Playwright: each browser test module shares one (the `browser` fixture).
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for this module's tests; skipped where it is not installed, except under CI (.ci/run installs it)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing on CI (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Live:
    def __init__(self, url: str, settings: Settings, api_key: str, sessionmaker) -> None:
        self.url, self.settings, self.api_key, self.sessionmaker = url, settings, api_key, sessionmaker


@pytest.fixture(scope="session")
def live_env(devserver, tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("web")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(
        {
            "SENDCLOCK_TEMPORAL__ADDRESS": devserver.client.service_client.config.target_host,
            "SENDCLOCK_TEMPORAL__TASK_QUEUE": f"sendclock-web-{uuid.uuid4().hex[:8]}",
            "SENDCLOCK_VAR_DIR": str(tmp),
            "SENDCLOCK_DATABASE_URL": f"sqlite:///{tmp}/sendclock.db",
        }
    )
    return env


@pytest.fixture(scope="session")
def live(live_env: dict[str, str]) -> Iterator[Live]:
    """Worker + dashboard on the dev server; accounts senco (senco), head (leadership), auditor; an API key."""
    var = Path(live_env["SENDCLOCK_VAR_DIR"])
    migrate(live_env["SENDCLOCK_DATABASE_URL"])
    settings = Settings(
        var_dir=var,
        database_url=live_env["SENDCLOCK_DATABASE_URL"],
        temporal={
            "address": live_env["SENDCLOCK_TEMPORAL__ADDRESS"],
            "task_queue": live_env["SENDCLOCK_TEMPORAL__TASK_QUEUE"],
        },
    )
    engine = make_engine(settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    api_key = new_token()
    hashed = quick_password_hash(PASSWORD)  # argon2 at its least cost: see tests/helpers.py
    with maker.begin() as session:
        for username, (role, staff_id) in ACCOUNTS.items():
            account = add_account(session, username=username, password_hash=hashed, role=role, staff_id=staff_id)
            if username == "senco":
                add_token(session, digest=token_digest(api_key), kind="api", account_id=account.id)

    worker = WorkerProcess(live_env, var / "worker.log")
    worker.start()
    port = free_port()
    app = create_app(settings, sessionmaker=maker, web_settings=WebSettings(session_secret="w" * 40))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", settings, api_key, maker)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        worker.stop()
        engine.dispose()
