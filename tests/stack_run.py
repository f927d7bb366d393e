"""`sendclock up` for tests that need the whole stack as a user runs it (tests/test_stack.py's Up): free ports, a
temporary var/, the shipped demo staff directory; accounts of each role, an API key and a feed token added to its
database once it is up."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.helpers import free_port
from tests.test_stack import Up, alive, children_of

PASSWORD = "correct horse battery staple 7"
# username: (role, staff id)
ACCOUNTS = {
    "senco": ("senco", "senco"),
    "head": ("leadership", "head"),
    "ta": ("staff", "ta"),
    "auditor": ("auditor", None),
}


@dataclass
class RunningStack:
    up: Up
    var: Path
    dashboard: str
    temporal: str  # host:port of Temporal's gRPC
    ui: str  # where the Temporal Web UI itself listens (loopback)
    secrets: dict[str, str] = field(default_factory=dict)  # what was created by add_accounts: api_key, feed_token
    env: dict[str, str] = field(default_factory=dict)  # SENDCLOCK_* of the stack, for a `sendclock` run beside it

    def add_accounts(self) -> None:
        """ACCOUNTS (password PASSWORD), an API key for senco and a staff feed for senco, in the stack's database."""
        from store.accounts_queries import add_account, add_token
        from store.credentials import hash_password, new_token, token_digest
        from store.db import make_engine, make_sessionmaker

        engine = make_engine(f"sqlite:///{self.var / 'sendclock.db'}")
        hashed = hash_password(PASSWORD)
        self.secrets.update(api_key=new_token(), feed_token=new_token())
        try:
            with make_sessionmaker(engine).begin() as session:
                for username, (role, staff_id) in ACCOUNTS.items():
                    account = add_account(
                        session, username=username, password_hash=hashed, role=role, staff_id=staff_id
                    )
                    if username == "senco":
                        add_token(
                            session, digest=token_digest(self.secrets["api_key"]), kind="api", account_id=account.id
                        )
                add_token(session, digest=token_digest(self.secrets["feed_token"]), kind="feed-staff", staff_id="senco")
        finally:
            engine.dispose()

    @contextmanager
    def client(self, username: str | None = None, **kwargs) -> Iterator[httpx.Client]:
        """An HTTP client on the dashboard, signed in as `username` (with its password) unless None."""
        with httpx.Client(base_url=self.dashboard, timeout=60, **kwargs) as http:
            if username:
                sign_in(http, username)
            yield http


def sign_in(http: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = http.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})
    assert response.status_code == 303 and not response.headers["location"].startswith("/login"), response.text[:500]
    return response


@contextmanager
def stack_running(var: Path, timeout: float = 200, config: Path | None = None) -> Iterator[RunningStack]:
    """`sendclock up` on `var` until the block ends; then Ctrl-C (and SIGKILL for whatever is left). `config`: a
    settings file instead of the shipped demo school's (SENDCLOCK_CONFIG)."""
    temporal_port, ui_port, web_port = free_port(), free_port(), free_port()
    assert len({temporal_port, ui_port, web_port}) == 3
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(
        SENDCLOCK_VAR_DIR=str(var),
        SENDCLOCK_TEMPORAL__ADDRESS=f"127.0.0.1:{temporal_port}",
        SENDCLOCK_TEMPORAL__UI_URL=f"http://127.0.0.1:{ui_port}",
        SENDCLOCK_DASHBOARD_URL=f"http://127.0.0.1:{web_port}",
    )
    if config is not None:
        env["SENDCLOCK_CONFIG"] = str(config)
    up = Up(env)
    try:
        up.ready.wait(timeout)
        assert up.proc.poll() is None and "Ctrl-C stops everything" in up.output, f"not ready:\n{up.output}"
        up.child_pids = children_of(up.proc.pid)
        yield RunningStack(
            up=up,
            var=var,
            dashboard=f"http://127.0.0.1:{web_port}",
            temporal=f"127.0.0.1:{temporal_port}",
            ui=f"http://127.0.0.1:{ui_port}",
            env=env,
        )
        up.proc.send_signal(signal.SIGINT)
        assert up.proc.wait(timeout=30) == 0, up.output
    finally:
        if up.proc.poll() is None or any(alive(pid) for pid in up.child_pids):
            up.kill_everything()
