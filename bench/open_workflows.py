"""N open statutory processes on the embedded stack: the dev server with a SQLite file, the worker as its own process
(`python -m worker`, as `sendclock up` runs it; --workers K: K of them on the same task queue) and the sendclock
database (a SQLite file, or with --database-url a PostgreSQL database of its own, created and dropped by the run).

0. the bare arm (bench/bare_start.py), on the same dev server first: --bare-n update-with-starts of a workflow whose
   first workflow task issues sendclock's commands (four local activities, durable bodies by default), its workers
   processes of their own (as many as sendclock's) on their own task queue, at the same concurrency: the start rate
   sendclock's is compared with (ratio_starts, target 0.7). --bare-after runs it after the wave instead;
1. start N EHC advice requests through the project's starter (update-with-start): the start rate;
2. wait until every request has its "assigned" notice in the outbox (the stack is settled): RSS and sizes;
3. every request's one reminder is due at the same instant (target today, reminders.send_at = that instant,
   --wave-after seconds after the sendclock workers start): the wave is the time from that instant until every
   request has its reminder row; then the outbox is counted against the expected set: exactly one "assigned" and one
   reminder row per started workflow, none lost, none twice, nothing else.
With --dashboard the dashboard runs beside the workers (uvicorn, as `sendclock up` runs it) and /api/steps is read
every 2 s from the first start to the end of the wave. --compare-workers runs it all twice, with one worker and then
with two (on PostgreSQL unless --database-url says otherwise), and compares their throughput.

    .venv/bin/python -m bench.open_workflows --n 2000 --wave-after 200
    .venv/bin/python -m bench.open_workflows --n 2000 --wave-after 200 --compare-workers --dashboard
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import distinct, func, select

from bench.bare_start import BODIES, POLLING, start_bare
from bench.common import (
    bench_env,
    bench_settings,
    database_mb,
    every_day_calendar,
    free_port,
    gather_limited,
    local_time_in,
    percentile,
    postgres_bench_database,
    received_for_target_today,
    rss_mb,
    sqlite_mb,
    start_dev_server,
    table,
    write_json,
)
from starter.advice import start_advice_request
from starter.client import connect
from starter.requests import start_school
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from store.models import Outbox
from workflows.models import AdviceRequest
from workflows.registry import ADVICE

REPO = Path(__file__).resolve().parents[1]
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # --database-url postgres: this server
PG_DATABASE = "sendclock_bench_open"  # the run's own database on it (with the process id: runs may overlap)
WORKER_RSS_TARGET_MB = 500
RATIO_STARTS_TARGET = 0.7
NOTICES = ("assigned", "reminder")  # what each started request is sent in the run: one of each
DELIVERED = {"sent", "accepted", "kept"}  # the bench has no channels: a notice's row is "kept" (the row is it)
GRACE_S = 5.0  # after the last expected row: time for a late duplicate to show before the outbox is counted
DASHBOARD_POLL_S = 2.0


# --- child processes -------------------------------------------------------------------------------------------


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def wait_for_log(proc: subprocess.Popen, log: Path, text: str, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_workers(env: dict[str, str], tmp: Path, k: int, any_day: bool) -> list[subprocess.Popen]:
    """K workers on the same task queue, started together."""
    module = "bench.any_day_worker" if any_day else "worker"
    procs = [spawn([sys.executable, "-m", module], env, tmp / f"worker-{i + 1}.log") for i in range(k)]
    try:
        for i, proc in enumerate(procs):
            wait_for_log(proc, tmp / f"worker-{i + 1}.log", "polling task queue", f"worker {i + 1}")
    except BaseException:
        for proc in procs:
            stop(proc)
        raise
    return procs


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# --- the dashboard ---------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    """The dashboard process (uvicorn --factory dashboard.app:serve, as `sendclock up` runs it) and an API key of a
    read-only account made for the run; poll() reads /api/steps?limit=1 until stopped."""

    proc: subprocess.Popen
    url: str
    key: str
    answers: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    open_steps: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, env: dict[str, str], tmp: Path, sessions) -> Dashboard:
        from store.accounts_queries import add_account, add_token
        from store.credentials import hash_password, new_token, token_digest

        key = new_token()
        with sessions() as session, session.begin():
            account = add_account(
                session,
                username="bench-reader",
                password_hash=hash_password(new_token()),
                role="leadership",
                staff_id=None,
            )
            add_token(session, digest=token_digest(key), kind="api", account_id=account.id, label="bench")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp / "dashboard.log"
        argv = [sys.executable, "-m", "uvicorn", "--factory", "dashboard.app:serve", "--host", "127.0.0.1"]
        proc = spawn(
            [*argv, "--port", str(port), "--timeout-graceful-shutdown", "5"],
            env | {"SENDCLOCK_DASHBOARD_URL": url},
            log,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return cls(proc, url, key)
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                raise RuntimeError(f"the dashboard did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)

    def get(self) -> tuple[int, dict | None]:
        request = urllib.request.Request(
            f"{self.url}/api/steps?limit=1", headers={"Authorization": f"Bearer {self.key}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, None

    async def poll(self, done: asyncio.Event) -> None:
        while not done.is_set():
            began = time.perf_counter()
            try:
                status, body = await asyncio.to_thread(self.get)
            except OSError as err:
                status, body = 0, None
                self.errors.append(str(err))
            self.latencies_ms.append(1000 * (time.perf_counter() - began))
            self.answers[status] += 1
            if body is not None:
                self.open_steps.append(body["total"])
            with contextlib.suppress(TimeoutError):  # the next poll
                await asyncio.wait_for(done.wait(), timeout=DASHBOARD_POLL_S)

    def summary(self) -> dict:
        lat = self.latencies_ms
        return {
            "polls": sum(self.answers.values()),
            "answers": {str(k): v for k, v in sorted(self.answers.items())},
            "ms_p50": round(percentile(lat, 50), 1) if lat else None,
            "ms_p95": round(percentile(lat, 95), 1) if lat else None,
            "ms_max": round(max(lat), 1) if lat else None,
            "open_steps_last": self.open_steps[-1] if self.open_steps else None,
            "errors": self.errors[:5],
        }


# --- the outbox ------------------------------------------------------------------------------------------------


async def wait_notices(sessions, kind: str, n: int, timeout: float, sample=None) -> float:
    """Monotonic seconds at which n requests have a `kind` notice in the outbox (distinct processes, not rows: a
    notice written twice does not count twice); calls sample() at each poll."""
    deadline = time.monotonic() + timeout
    query = select(func.count(distinct(Outbox.process_id))).where(Outbox.kind == kind)
    while True:
        with sessions() as session:
            count = session.scalar(query)
        if sample:
            sample()
        if count >= n:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} of {n} requests have a {kind} notice after {timeout:.0f} s")
        await asyncio.sleep(0.5)


def count_notices(sessions, expected: set[str]) -> dict:
    """The outbox against the expected set: for every started workflow, exactly one "assigned" row and one
    "reminder" row. One notice is one (process_id, kind): the bench's settings send each to one staff member (the
    owner, senco) on one channel (none configured: the outbox row, status kept), so a second row for it, whether it
    has the same notice_key (the notice written twice) or another (a second notice: a reminder sent again), is a
    notice sent twice. Fallback rows (fallback_for set) are counted apart: none are expected.
      lost: expected (process, kind) with no row; twice: with more than one; not_delivered: rows, none delivered;
      unexpected: rows of another process, or of another kind for an expected one; other: rows of no process."""
    columns = (Outbox.process_id, Outbox.kind, Outbox.notice_key, Outbox.status, Outbox.fallback_for)
    with sessions() as session:
        rows = session.execute(select(*columns)).all()
    found: dict[tuple[str, str], list] = defaultdict(list)
    unexpected = other = fallbacks = 0
    statuses: Counter = Counter()
    for row in rows:
        if row.process_id is None:
            other += 1
        elif row.process_id not in expected or row.kind not in NOTICES:
            unexpected += 1
        elif row.fallback_for is not None:
            fallbacks += 1
        else:
            statuses[f"{row.kind}:{row.status}"] += 1
            found[(row.process_id, row.kind)].append(row)
    by_kind = {}
    for kind in NOTICES:
        got = [found.get((wid, kind), []) for wid in expected]
        by_kind[kind] = {
            "expected": len(expected),
            "rows": sum(len(g) for g in got),
            "lost": sum(1 for g in got if not g),
            "twice": sum(1 for g in got if len(g) > 1),
            "twice_same_notice_key": sum(1 for g in got if len(g) > len({r.notice_key for r in g})),
            "not_delivered": sum(1 for g in got if g and not any(r.status in DELIVERED for r in g)),
        }
    total = {k: sum(v[k] for v in by_kind.values()) for k in ("lost", "twice", "not_delivered")}
    return {
        **total,
        "unexpected": unexpected,
        "delivered_exactly_once": not any(total.values()) and unexpected == 0 and fallbacks == 0,
        "by_kind": by_kind,
        "statuses": dict(sorted(statuses.items())),
        "fallback_rows": fallbacks,
        "rows_of_no_process": other,
    }


# --- the bare arm ----------------------------------------------------------------------------------------------


async def bare_arm(client, tmp: Path, address: str, n: int, concurrency: int, bodies: str, workers: int = 1) -> dict:
    """n update-with-starts of bench/bare_start.BareOpen; its workers processes of their own (as many as sendclock
    has, on one task queue; with durable bodies each its own SQLite file), stopped after."""
    task_queue = "bench-bare-open"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")} | {"PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "bench.bare_start", "--address", address, "--task-queue", task_queue]
    logs = [tmp / f"bare-worker-{i + 1}.log" for i in range(workers)]
    procs = [
        spawn([*argv, "--bodies", bodies, "--db", str(tmp / f"bare-open-{i + 1}.db")], env, log)
        for i, log in enumerate(logs)
    ]
    try:
        for i, (proc, log) in enumerate(zip(procs, logs, strict=True)):
            wait_for_log(proc, log, POLLING, f"bare worker {i + 1}")
        idle = [rss_mb(p.pid) or 0.0 for p in procs]
        began = time.monotonic()
        await gather_limited(
            concurrency, [lambda i=i: start_bare(client, task_queue, f"EHC-{i:05d}") for i in range(n)]
        )
        elapsed = time.monotonic() - began
        loaded = [rss_mb(p.pid) or 0.0 for p in procs]
    finally:
        for proc in procs:
            stop(proc)
    return {
        "n": n,
        "bodies": bodies,
        "workers": workers,
        "worker": "own process each (python -m bench.bare_start), own task queue",
        "starts_per_s": round(n / elapsed, 2),
        "worker_rss_mb": {"idle": [round(x, 1) for x in idle], "with_n_open": [round(x, 1) for x in loaded]},
    }


# --- one run ---------------------------------------------------------------------------------------------------


def resolve_database(database_url: str | None) -> str | None:
    return PG_SERVER if database_url == "postgres" else database_url


async def bench(
    n: int,
    concurrency: int,
    wave_after: float | None,
    out: Path | None,
    any_day: bool = False,
    *,
    database_url: str | None = None,
    workers: int = 1,
    dashboard: bool = False,
    bare_n: int | None = None,
    bare_bodies: str = "durable",
    bare_after: bool = False,
    write: bool = True,
) -> dict:
    wave_after = wave_after if wave_after is not None else 60 + n / 4  # the starts and their first notices before it
    bare_n = min(n, 5000) if bare_n is None else bare_n
    server_url = resolve_database(database_url)
    pg_name = f"{PG_DATABASE}_{os.getpid()}"
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="sendclock-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url = postgres_bench_database(server_url, pg_name, create=True) if server_url else None
        server = await start_dev_server(tmp)
        procs: list[subprocess.Popen] = []
        board: Dashboard | None = None
        engine = None
        try:
            temporal_db = tmp / "temporal.db"
            settings = bench_settings(tmp, server.address, "bench-open", database_url=url)
            upgrade(settings.resolved_database_url)
            engine = make_engine(settings.resolved_database_url)
            sessions = make_sessionmaker(engine)
            client = await connect(settings)
            received = received_for_target_today(settings, every_day_calendar() if any_day else None)

            def sizes() -> dict:
                return {
                    "temporal_sqlite": round(sqlite_mb(temporal_db), 1),
                    "sendclock_db": round(database_mb(settings.resolved_database_url) or 0, 1),
                }

            fresh = rss_mb(server.pid)
            bare = None
            if bare_n and not bare_after:  # first: next in time to sendclock's starts
                bare = await bare_arm(client, tmp, server.address, bare_n, concurrency, bare_bodies, workers)
            before = {"sizes": sizes(), "server": rss_mb(server.pid)}

            wave_at, send_at = local_time_in(wave_after)  # from the workers' start: after the bare arm
            settings = bench_settings(tmp, server.address, "bench-open", send_at=send_at, database_url=url)
            env = bench_env(settings)
            if dashboard:
                board = Dashboard.start(env, tmp, sessions)
                procs.append(board.proc)
            workers_ = start_workers(env, tmp, workers, any_day)
            procs += workers_

            def rss() -> dict:
                each = [rss_mb(w.pid) or 0.0 for w in workers_]
                found = {"worker": max(each), "workers": each, "server": rss_mb(server.pid) or 0.0}
                if board is not None:
                    found["dashboard"] = rss_mb(board.proc.pid) or 0.0
                return found

            idle = rss()
            polled = asyncio.Event()
            poller = asyncio.create_task(board.poll(polled)) if board else None
            school = start_school(settings)
            refs = [f"EHC-{i:05d}" for i in range(n)]
            expected = {ADVICE.workflow_id(ref, received, school=school) for ref in refs}

            began = time.monotonic()
            started_ = await gather_limited(
                concurrency,
                [
                    lambda ref=ref: start_advice_request(
                        client, settings, AdviceRequest(case_ref=ref, la="Kent", received_on=received, owner="senco")
                    )
                    for ref in refs
                ],
            )
            started = time.monotonic()
            settled = await wait_notices(sessions, "assigned", n, timeout=max(600, n))
            loaded, loaded_sizes = rss(), sizes()
            early = datetime.now(UTC) < wave_at
            peak = copy.deepcopy(loaded)

            def sample() -> None:
                now = rss()
                for name, value in now.items():
                    if name == "workers":
                        peak[name] = [max(a, b) for a, b in zip(peak[name], value, strict=True)]
                    else:
                        peak[name] = max(peak[name], value)

            # The wave's start is the due instant, also when the settling ran past it.
            wave_began = time.monotonic() + (wave_at - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(0.0, wave_began - time.monotonic()))
            wave_done = await wait_notices(sessions, "reminder", n, timeout=max(900, 2 * n), sample=sample)
            await asyncio.sleep(GRACE_S)
            counted = count_notices(sessions, expected)
            after_sizes = sizes()
            if poller is not None:
                polled.set()
                await poller
            if bare_n and bare_after:  # last, with sendclock's workers and dashboard stopped: its sizes are clean
                for proc in procs:
                    stop(proc)
                bare = await bare_arm(client, tmp, server.address, bare_n, concurrency, bare_bodies, workers)
        finally:
            for proc in procs:
                stop(proc)
            server.stop()
            if engine is not None:
                engine.dispose()
            if server_url:
                postgres_bench_database(server_url, pg_name, create=False)
    starts_per_s = n / (started - began)
    wave_s = max(wave_done - wave_began, 1e-9)
    r1 = lambda d: {k: [round(x, 1) for x in v] if isinstance(v, list) else round(v, 1) for k, v in d.items()}  # noqa: E731
    rss_figures = {"idle": r1(idle), "with_n_open": r1(loaded), "peak_in_wave": r1(peak)}
    figures = {
        "n": n,
        "concurrency": concurrency,
        "workers": workers,
        "database": "postgresql" if server_url else "sqlite",
        "dashboard": dashboard,
        "starts_per_s": round(starts_per_s, 2),
        "created": sum(1 for s in started_ if s.created),
        "bare": bare | {"ran": "after the wave" if bare_after else "before sendclock's starts"} if bare else None,
        "bare_starts_per_s": bare["starts_per_s"] if bare else None,
        "ratio_starts": round(starts_per_s / bare["starts_per_s"], 3) if bare else None,
        "ratio_starts_target": RATIO_STARTS_TARGET,
        "ratio_starts_met": starts_per_s / bare["starts_per_s"] >= RATIO_STARTS_TARGET if bare else None,
        "settle_s": round(settled - began, 1),
        "settled_before_wave": early,
        "rss_mb": rss_figures,
        "worker_rss_target_mb": WORKER_RSS_TARGET_MB,
        "worker_rss_target_met": max(peak["workers"]) < WORKER_RSS_TARGET_MB,
        "dev_server_rss_mb": {
            "fresh": round(fresh or 0, 1),
            "before_sendclock": round(before["server"] or 0, 1),
            "with_n_open": rss_figures["with_n_open"]["server"],
            "peak_in_wave": rss_figures["peak_in_wave"]["server"],
        },
        "sizes_mb": {"before_sendclock": before["sizes"], "with_n_open": loaded_sizes, "after_wave": after_sizes},
        # What each open request adds (N open less before sendclock's starts, so without the bare arm's workflows).
        "kb_per_open_request": {
            k: round(1024 * (loaded_sizes[k] - before["sizes"][k]) / n, 1) for k in ("temporal_sqlite", "sendclock_db")
        },
        "wave_s": round(wave_s, 1),
        "wave_reminders_per_s": round(n / wave_s, 2),
        "lost": counted["lost"],
        "twice": counted["twice"],
        "unexpected": counted["unexpected"],
        "delivered_exactly_once": counted["delivered_exactly_once"],
        "outbox": counted,
        "dashboard_polls": board.summary() if board else None,
        "loadavg": {"before": load_before, "after": loadavg()},
    }
    report(figures)
    if write:
        write_json(f"open-workflows-n{n}", figures, out)
    return figures


def report(f: dict) -> None:
    r, s = f["rss_mb"], f["sizes_mb"]
    workers = " / ".join(
        "+".join(str(x) for x in r[p]["workers"]) if f["workers"] > 1 else str(r[p]["worker"])
        for p in ("idle", "with_n_open", "peak_in_wave")
    )
    bare = f["bare"]
    rows = [
        ["starts/s, sendclock (update-with-start, returns once planned)", f["starts_per_s"]],
        [
            f"starts/s, bare ({bare['n']}, {bare['bodies']} bodies, {bare['workers']} own worker(s), {bare['ran']})"
            if bare
            else "bare arm",
            f["bare_starts_per_s"] if bare else "skipped (--bare-n 0)",
        ],
        [
            f"ratio sendclock / bare (target {RATIO_STARTS_TARGET})",
            f"{f['ratio_starts']} (met: {f['ratio_starts_met']})",
        ],
        ["all started and assigned notices in the outbox (s)", f["settle_s"]],
        [
            f"worker RSS idle / N open / wave peak (MB; target < {WORKER_RSS_TARGET_MB})",
            f"{workers} (met: {f['worker_rss_target_met']})",
        ],
        [
            "dev server RSS fresh / before sendclock / N open / wave peak (MB)",
            " / ".join(str(v) for v in f["dev_server_rss_mb"].values()),
        ],
        [
            "dev server SQLite before / N open / after the wave (MB)",
            " / ".join(str(s[p]["temporal_sqlite"]) for p in ("before_sendclock", "with_n_open", "after_wave")),
        ],
        [
            f"sendclock database ({f['database']}) N open / after the wave (MB)",
            f"{s['with_n_open']['sendclock_db']} / {s['after_wave']['sendclock_db']}",
        ],
        [
            "KB per open request: dev server SQLite / sendclock database",
            " / ".join(str(v) for v in f["kb_per_open_request"].values()),
        ],
        ["reminder wave: due instant -> every request reminded (s)", f["wave_s"]],
        ["reminder wave rate (reminders/s)", f["wave_reminders_per_s"]],
        [
            "outbox: lost / twice / unexpected / not delivered",
            f"{f['lost']} / {f['twice']} / {f['unexpected']} / {f['outbox']['not_delivered']}",
        ],
        ["delivered exactly once (assigned and reminder, each request)", f["delivered_exactly_once"]],
        ["settled before the wave instant", f["settled_before_wave"]],
    ]
    if f["dashboard_polls"]:
        d = f["dashboard_polls"]
        rows.append(
            [
                "dashboard /api/steps: polls (answers) p50 / p95 ms, open steps",
                f"{d['polls']} ({d['answers']}) {d['ms_p50']} / {d['ms_p95']}, {d['open_steps_last']}",
            ]
        )
        rows.append(
            [
                "dashboard RSS N open / wave peak (MB)",
                f"{r['with_n_open']['dashboard']} / {r['peak_in_wave']['dashboard']}",
            ]
        )
    rows.append(["load average before / after (1 min)", f"{f['loadavg']['before'][0]} / {f['loadavg']['after'][0]}"])
    table(
        f"{f['n']} open EHC advice requests, dev server + {f['workers']} worker process(es) + {f['database']}"
        f"{' + dashboard' if f['dashboard'] else ''}, {f['concurrency']} starts in flight",
        ["measure", "value"],
        rows,
    )


# --- one worker against two ------------------------------------------------------------------------------------


async def compare_workers(
    n: int,
    concurrency: int,
    wave_after: float | None,
    out: Path | None,
    *,
    any_day: bool,
    database_url: str | None,
    dashboard: bool,
    bare_n: int | None,
    bare_bodies: str,
    bare_after: bool,
) -> dict:
    """The same run with one worker, then with two (each on its own dev server and database): throughput of both."""
    runs = {}
    for k in (1, 2):
        runs[k] = await bench(
            n,
            concurrency,
            wave_after,
            out,
            any_day,
            database_url=database_url,
            workers=k,
            dashboard=dashboard,
            bare_n=bare_n,
            bare_bodies=bare_bodies,
            bare_after=bare_after,
            write=False,
        )
    one, two = runs[1], runs[2]
    figures = {
        "n": n,
        "concurrency": concurrency,
        "database": one["database"],
        "dashboard": one["dashboard"],
        "one_worker": one,
        "two_workers": two,
        "starts_per_s": {"one": one["starts_per_s"], "two": two["starts_per_s"]},
        "wave_reminders_per_s": {"one": one["wave_reminders_per_s"], "two": two["wave_reminders_per_s"]},
        "bare_starts_per_s": {"one": one["bare_starts_per_s"], "two": two["bare_starts_per_s"]},
        "ratio_two_to_one": {
            "starts": round(two["starts_per_s"] / one["starts_per_s"], 3),
            "wave": round(two["wave_reminders_per_s"] / one["wave_reminders_per_s"], 3),
            "bare_starts": round(two["bare_starts_per_s"] / one["bare_starts_per_s"], 3)
            if one["bare_starts_per_s"] and two["bare_starts_per_s"]
            else None,
        },
        "delivered_exactly_once": one["delivered_exactly_once"] and two["delivered_exactly_once"],
        "twice": {"one": one["twice"], "two": two["twice"]},
        "lost": {"one": one["lost"], "two": two["lost"]},
    }
    table(
        f"{n} open EHC advice requests on {one['database']}: one worker against two",
        ["measure", "1 worker", "2 workers", "2 / 1"],
        [
            ["starts/s", one["starts_per_s"], two["starts_per_s"], figures["ratio_two_to_one"]["starts"]],
            [
                "wave reminders/s",
                one["wave_reminders_per_s"],
                two["wave_reminders_per_s"],
                figures["ratio_two_to_one"]["wave"],
            ],
            [
                "bare starts/s (as many bare workers)",
                one["bare_starts_per_s"],
                two["bare_starts_per_s"],
                figures["ratio_two_to_one"]["bare_starts"],
            ],
            ["ratio sendclock / bare starts", one["ratio_starts"], two["ratio_starts"], ""],
            [
                "worker RSS wave peak (MB, each)",
                str(one["rss_mb"]["peak_in_wave"]["workers"]),
                str(two["rss_mb"]["peak_in_wave"]["workers"]),
                "",
            ],
            [
                "lost / twice / unexpected",
                f"{one['lost']}/{one['twice']}/{one['unexpected']}",
                f"{two['lost']}/{two['twice']}/{two['unexpected']}",
                "",
            ],
            ["delivered exactly once", one["delivered_exactly_once"], two["delivered_exactly_once"], ""],
        ],
    )
    write_json(f"open-workflows-compare-n{n}", figures, out)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="open processes (default 10000)")
    parser.add_argument("--concurrency", type=int, default=50, help="starts in flight (default 50)")
    parser.add_argument(
        "--wave-after",
        type=float,
        default=None,
        help="seconds from the sendclock workers' start (after the bare arm) to the reminder instant (default "
        "60 + n/4; set it to about n/10 + 200 on a 2-core machine, so that the starts settle before it)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results directory (default bench/results)")
    parser.add_argument(
        "--any-day",
        action="store_true",
        help="count every day as a working day (the smoke tests, at weekends too); the work measured is the same",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server (URL of an existing database to connect with, or 'postgres' for "
        f"{PG_SERVER}): the run makes a database of its own there ({PG_DATABASE}_<pid>) and drops it at the end. "
        "Default: a SQLite file in the run's temporary directory",
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes on the task queue (default 1)")
    parser.add_argument(
        "--dashboard", action="store_true", help="run the dashboard too and read /api/steps every 2 s during the run"
    )
    parser.add_argument(
        "--bare-n", type=int, default=None, help="starts of the bare arm (default min(n, 5000); 0: no bare arm)"
    )
    parser.add_argument(
        "--bare-bodies",
        choices=BODIES,
        default="durable",
        help="the bare arm's activity bodies: durable (a committed SQLite row per record and notify; default) or noop",
    )
    parser.add_argument(
        "--bare-after",
        action="store_true",
        help="run the bare arm after the wave, sendclock's workers stopped, rather than just before sendclock's starts "
        "(the default, next to them in time): the dev server's sizes with N open and after the wave then hold no bare "
        "workflows (a sizing run); the bare arm then meets a server holding N open workflows",
    )
    parser.add_argument(
        "--compare-workers",
        action="store_true",
        help="run with one worker, then with two, and compare (on PostgreSQL unless --database-url is given)",
    )
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` still stops the children
    try:
        if args.compare_workers:
            return asyncio.run(
                compare_workers(
                    args.n,
                    args.concurrency,
                    args.wave_after,
                    args.out,
                    any_day=args.any_day,
                    database_url=args.database_url or "postgres",
                    dashboard=args.dashboard,
                    bare_n=args.bare_n,
                    bare_bodies=args.bare_bodies,
                    bare_after=args.bare_after,
                )
            )
        return asyncio.run(
            bench(
                args.n,
                args.concurrency,
                args.wave_after,
                args.out,
                args.any_day,
                database_url=args.database_url,
                workers=args.workers,
                dashboard=args.dashboard,
                bare_n=args.bare_n,
                bare_bodies=args.bare_bodies,
                bare_after=args.bare_after,
            )
        )
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    main()
