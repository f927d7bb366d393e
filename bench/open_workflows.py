"""N open statutory processes on the embedded stack: the dev server with a SQLite file, the worker as its own process
(`python -m worker`, as `sendclock up` runs it) and a SQLite database.

1. start N EHC advice requests through the project's starter (update-with-start): the start rate;
2. wait until every "assigned" notice is in the outbox (the stack is settled): worker and dev server RSS;
3. every request's one reminder is due at the same instant (target today, reminders.send_at = that instant):
   the wave is the time from that instant until the outbox holds N reminder rows.

    .venv/bin/python -m bench.open_workflows --n 2000
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.common import (
    bench_env,
    bench_settings,
    every_day_calendar,
    gather_limited,
    local_time_in,
    received_for_target_today,
    rss_mb,
    start_dev_server,
    table,
    write_json,
)
from starter.advice import start_advice_request
from starter.client import connect
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from store.models import Outbox
from workflows.models import AdviceRequest

REPO = Path(__file__).resolve().parents[1]


def start_worker(env: dict[str, str], log: Path, any_day: bool = False) -> subprocess.Popen:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.any_day_worker" if any_day else "worker"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while "polling task queue" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return proc


async def wait_rows(sessions, kind: str, n: int, timeout: float, sample=None) -> float:
    """Seconds (monotonic) at which the outbox first holds n rows of `kind`; calls sample() at each poll."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            count = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == kind))
        if sample:
            sample()
        if count >= n:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} of {n} {kind} rows after {timeout:.0f} s")
        await asyncio.sleep(0.25)


async def bench(n: int, concurrency: int, wave_after: float | None, out: Path | None, any_day: bool = False) -> dict:
    wave_after = wave_after if wave_after is not None else 60 + n / 4  # starts and their first notices before it
    with tempfile.TemporaryDirectory(prefix="sendclock-bench-") as tmp_name:
        tmp = Path(tmp_name)
        server = await start_dev_server(tmp)
        worker = None
        try:
            wave_at, send_at = local_time_in(wave_after)
            settings = bench_settings(tmp, server.address, "bench-open", send_at=send_at)
            upgrade(settings.resolved_database_url)
            worker = start_worker(bench_env(settings), tmp / "worker.log", any_day)
            client = await connect(settings)
            sessions = make_sessionmaker(make_engine(settings.resolved_database_url))
            received = received_for_target_today(settings, every_day_calendar() if any_day else None)
            idle = {"worker": rss_mb(worker.pid), "server": rss_mb(server.pid)}

            began = time.monotonic()
            await gather_limited(
                concurrency,
                [
                    lambda i=i: start_advice_request(
                        client,
                        settings,
                        AdviceRequest(case_ref=f"EHC-{i:05d}", la="Kent", received_on=received, owner="senco"),
                    )
                    for i in range(n)
                ],
            )
            started = time.monotonic()
            settled = await wait_rows(sessions, "assigned", n, timeout=max(600, n))
            loaded = {"worker": rss_mb(worker.pid), "server": rss_mb(server.pid)}
            early = datetime.now(UTC) < wave_at
            peak = dict(loaded)

            def sample() -> None:
                for name, pid in (("worker", worker.pid), ("server", server.pid)):
                    peak[name] = max(peak[name] or 0, rss_mb(pid) or 0)

            await asyncio.sleep(max(0.0, (wave_at - datetime.now(UTC)).total_seconds()))
            wave_began = time.monotonic()
            wave_done = await wait_rows(sessions, "reminder", n, timeout=max(900, 2 * n), sample=sample)
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
            server.stop()
    figures = {
        "n": n,
        "concurrency": concurrency,
        "starts_per_s": round(n / (started - began), 2),
        "settle_s": round(settled - began, 1),
        "settled_before_wave": early,
        "rss_mb": {"idle": idle, "with_n_open": loaded, "peak_in_wave": peak},
        "wave_s": round(wave_done - wave_began, 1),
        "wave_reminders_per_s": round(n / max(wave_done - wave_began, 1e-9), 2),
    }
    r = {k: {p: round(v, 1) if v else v for p, v in d.items()} for k, d in figures["rss_mb"].items()}
    figures["rss_mb"] = r
    table(
        f"{n} open EHC advice requests, embedded stack (dev server + worker process + SQLite), {concurrency} "
        "starts in flight",
        ["measure", "value"],
        [
            ["starts/s (update-with-start, returns once planned)", figures["starts_per_s"]],
            ["all started and assigned notices in the outbox (s)", figures["settle_s"]],
            [
                "worker RSS idle / with N open / wave peak (MB)",
                f"{r['idle']['worker']} / {r['with_n_open']['worker']} / {r['peak_in_wave']['worker']}",
            ],
            [
                "dev server RSS idle / with N open / wave peak (MB)",
                f"{r['idle']['server']} / {r['with_n_open']['server']} / {r['peak_in_wave']['server']}",
            ],
            ["reminder wave: due instant -> N reminder rows (s)", figures["wave_s"]],
            ["reminder wave rate (reminders/s)", figures["wave_reminders_per_s"]],
            ["settled before the wave instant", early],
        ],
    )
    write_json(f"open-workflows-n{n}", figures, out)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="open processes (default 10000)")
    parser.add_argument("--concurrency", type=int, default=50, help="starts in flight (default 50)")
    parser.add_argument(
        "--wave-after",
        type=float,
        default=None,
        help="seconds from the start to the reminder instant (default 60 + n/4: about 5 starts/s here)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results directory (default bench/results)")
    parser.add_argument(
        "--any-day",
        action="store_true",
        help="count every day as a working day (the smoke tests, at weekends too); the work measured is the same",
    )
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` still stops the worker and server
    try:
        return asyncio.run(bench(args.n, args.concurrency, args.wave_after, args.out, args.any_day))
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    main()
