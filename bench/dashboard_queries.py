"""The dashboard's read queries at 1k, 10k and 100k steps, on SQLite and PostgreSQL: p50/p95 latency of
  overdue     store.queries.open_steps(overdue_only=True)   (`sendclock list --overdue`)
  due-soon    store.queries.open_steps(due_within=14)       (`sendclock list --due-within 14`)
  open        store.queries.open_steps()                    (what the Overdue / Due soon / Open steps pages load)
  compliance  store.compliance.compliance(all_steps(...))   (the Compliance page and report)
on a schema built by the migrations (alembic upgrade head), with synthetic rows: fictional case refs EHC-00001...,
two steps per process, due dates spread over five years around today; steps due in the last 60 days or later
are 60% open, older ones 3% (so about 18% of steps are open and 4% overdue).

PostgreSQL: a database of its own (`sendclock_bench`, created and dropped here) on the server of --pg-url.

    .venv/bin/python -m bench.dashboard_queries --sizes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bench.common import percentile, table, write_json
from store.compliance import academic_year_of, compliance
from store.db import make_engine, make_sessionmaker
from store.migrate import current, upgrade
from store.models import Process, Step
from store.queries import open_steps
from store.web_queries import all_steps

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "sendclock_bench"
RULES = [
    "ehc-advice",
    "annual-review-due",
    "review-report",
    "naming-consultation",
    "ehc-final-plan",
    "reassessment-decision",
]
LAS = ["Kent", "Surrey", "Essex", "Hampshire", "Devon", "Norfolk"]
OWNERS = ["senco", "head", "staff-a", "staff-b", "staff-c"]


def rows(first: int, count: int, today: date, seed: int) -> tuple[list[dict], list[dict]]:
    """`count` steps (two per process) numbered from `first`."""
    rng = random.Random(seed)
    processes, steps = [], []
    for n in range(first // 2, (first + count) // 2):
        workflow_id = f"ehc-advice-request-EHC-{n:05d}"
        received = today + timedelta(days=rng.randrange(-4 * 365, 365))
        processes.append(
            dict(
                workflow_id=workflow_id,
                kind="ehc-advice-request",
                case_ref=f"EHC-{n:05d}",
                la=rng.choice(LAS),
                owner=rng.choice(OWNERS),
                status="open",
                received_on=received,
                channel="email",
                opened_at=datetime.combine(received, wall(9), tzinfo=UTC),
                facts={},
            )
        )
        for k, rule_id in enumerate(rng.sample(RULES, 2)):
            due = received + timedelta(days=42 + 30 * k)
            roll, recent = rng.random(), due > today - timedelta(days=60)  # old steps are mostly closed
            status = (
                "open"
                if roll < (0.6 if recent else 0.03)
                else "withdrawn"
                if roll < (0.65 if recent else 0.08)
                else "completed"
            )
            done = due + timedelta(days=rng.randrange(-20, 15)) if status == "completed" else None
            steps.append(
                dict(
                    process_id=workflow_id,
                    rule_id=rule_id,
                    instance=1,
                    rule_version=date(2014, 9, 1),
                    basis="SEND Regulations 2014 reg 8(1)",
                    anchor=received,
                    due=due,
                    target=due - timedelta(days=rng.randrange(0, 3)),
                    explanation=["synthetic row"],
                    owner=rng.choice(OWNERS),
                    status=status,
                    exempt=rng.random() < 0.05,
                    exemption_ground=None,
                    completed_on=done,
                    on_time=(done <= due) if done else None,
                    days_late=max(0, (done - due).days) if done else None,
                )
            )
    return processes, steps


QUERIES = {
    "overdue": lambda s, today: open_steps(s, today, overdue_only=True),
    "due-soon": lambda s, today: open_steps(s, today, due_within=14),
    "open": lambda s, today: open_steps(s, today),
    "compliance": lambda s, today: compliance(all_steps(s), academic_year_of(today), today),
}


def measure(sessions, today: date, repeat: int) -> dict[str, dict]:
    found = {}
    for name, query in QUERIES.items():
        with sessions() as session:
            query(session, today)  # warm the caches and the statement cache
        times = []
        for _ in range(repeat):
            with sessions() as session:
                began = time.perf_counter()
                result = query(session, today)
                times.append(1000 * (time.perf_counter() - began))
        size = len(result) if isinstance(result, list) else result.total.counted
        found[name] = {
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "rows": size,
        }
    return found


def run_backend(url: str, sizes: list[int], repeat: int, today: date) -> list[dict]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    results, have = [], 0
    try:
        for size in sizes:
            processes, steps = rows(have, size - have, today, seed=size)
            with engine.begin() as connection:
                for start in range(0, len(processes), 5000):
                    connection.execute(insert(Process), processes[start : start + 5000])
                for start in range(0, len(steps), 5000):
                    connection.execute(insert(Step), steps[start : start + 5000])
                if engine.dialect.name == "postgresql":
                    connection.execute(text("ANALYZE"))
            have = size
            with sessions() as session:
                assert session.scalar(select(func.count()).select_from(Step)) == size
            results.append(
                {
                    "backend": engine.dialect.name,
                    "steps": size,
                    "schema": current(url),
                    "queries": measure(sessions, today, repeat),
                }
            )
    finally:
        engine.dispose()
    return results


def postgres_database(admin_url: str, create: bool) -> str:
    """Create (or drop) the benchmark's own database on the server of `admin_url`; return its URL."""
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        if create:
            connection.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    admin.dispose()
    return make_url(admin_url).set(database=BENCH_DB).render_as_string(hide_password=False)


def bench(sizes: list[int], repeat: int, pg_url: str | None, out: Path | None) -> dict:
    today = date.today()
    results = []
    with tempfile.TemporaryDirectory(prefix="sendclock-bench-") as tmp:
        results += run_backend(f"sqlite:///{tmp}/dashboard.db", sizes, repeat, today)
    if pg_url:
        try:
            results += run_backend(postgres_database(pg_url, create=True), sizes, repeat, today)
        finally:
            postgres_database(pg_url, create=False)
    table(
        f"Dashboard queries: p50 / p95 in ms over {repeat} runs (rows returned)",
        ["backend", "steps", *QUERIES],
        [
            [
                r["backend"],
                r["steps"],
                *(f"{q['p50_ms']:.1f} / {q['p95_ms']:.1f} ({q['rows']})" for q in r["queries"].values()),
            ]
            for r in results
        ],
    )
    figures = {"sizes": sizes, "repeat": repeat, "results": results}
    write_json(f"dashboard-queries-{sizes[-1]}", figures, out)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="step counts, ascending (default 1k,10k,100k)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per query and size (default 15)")
    parser.add_argument("--pg-url", default=PG_URL, help=f"a PostgreSQL server to create {BENCH_DB} on ('' skips)")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default bench/results)")
    args = parser.parse_args(argv)
    return bench(sorted(int(s) for s in args.sizes.split(",")), args.repeat, args.pg_url or None, args.out)


if __name__ == "__main__":
    main()
