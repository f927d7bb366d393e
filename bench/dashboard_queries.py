"""The dashboard's reads at trust and LA size (issue 26): p50/p95 of each page and API answer, first page, on SQLite and
PostgreSQL, through the real app (dashboard.app.create_app, in process, FastAPI's TestClient), signed in as the trust's
leadership (the widest reader: every school's rows). Measured, each as a user asks for it:

  overdue           GET /overdue                       the Overdue page (first page, counts and filters)
  due-soon          GET /due-soon
  open              GET /                              the Open steps page
  open-filtered     GET /?la=Kent&sort=owner           a filter and a sort by a column no index holds
  open-deep         GET /?cursor=...                   the tenth page of the Open steps (keyset paging)
  api-steps         GET /api/steps?view=overdue        the API's first page (100 steps)
  case              GET /cases/EHC-00003?school=oak    a case page
  trust             GET /trust                         the trust view (every school's counts and compliance)
  compliance        GET /compliance?school=oak         one school's compliance for this academic year
  la-scorecard      GET /las                           the LA scorecard
  csv-first-rows    GET /api/steps.csv                 the steps export: time to its first bytes (streamed)

Synthetic rows (fictional case refs EHC-00001..., schools oak, elm and ash in turn): two steps per process, due
dates spread over five years around today; steps due in the last 60 days or later are 60% open, older ones 3% (so
about 18% of steps are open and 4% overdue); each completed step has its completion record (the event a compliance
figure joins), one in twenty written days after its date (a backdating candidate). The schema is built by the
migrations (alembic upgrade head). SQLite after ANALYZE; PostgreSQL, a database of its own (`sendclock_bench`,
created and dropped here), after VACUUM ANALYZE (what autovacuum does soon after a bulk load).

    .venv/bin/python -m bench.dashboard_queries --sizes 1000,10000,100000
    .venv/bin/python -m bench.dashboard_queries --sizes 1000000 --sqlite-max 0     # PostgreSQL only, 1M steps
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from bench.common import percentile, postgres_bench_database, table, write_json
from store.db import make_engine, make_sessionmaker
from store.migrate import current, upgrade
from store.models import Event, Process, Step
from store.web_queries import completion_key

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
SCHOOLS = ["oak", "elm", "ash"]
PASSWORD = "bench password, fictional"
TARGETS = {"first_page_p95_ms": 50.0, "first_page_p95_ms_1m_postgresql": 150.0}
BATCH = 5000


def rows(first: int, count: int, today: date, seed: int) -> tuple[list[dict], list[dict], list[dict]]:
    """`count` steps (two per process) numbered from `first`, and the completion records of those completed."""
    rng = random.Random(seed)
    processes, steps, events = [], [], []
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
                school=SCHOOLS[n % len(SCHOOLS)],
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
            if done is not None:
                late_record = rng.random() < 0.05  # recorded days after the date given
                recorded = done + timedelta(days=rng.randrange(3, 30) if late_record else 0)
                data: dict[str, Any] = {"on": done.isoformat(), "by": "senco"}
                if rule_id == "annual-review-due":
                    data["meeting_held_on"] = (done - timedelta(days=rng.randrange(0, 20))).isoformat()
                events.append(
                    dict(
                        key=completion_key(workflow_id, rule_id, 1),
                        process_id=workflow_id,
                        rule_id=rule_id,
                        kind="completed",
                        occurred_at=datetime.combine(recorded, wall(15), tzinfo=UTC),
                        actor="senco",
                        data=data,
                    )
                )
    return processes, steps, events


def bench_settings(tmp: Path, url: str):
    from config.settings import SchoolSettings, Settings, StaffMember, TrustSettings

    def staff(school: str) -> dict[str, StaffMember]:
        return {
            owner: StaffMember(
                name=f"{owner.replace('-', ' ').title()} of {school.title()}",
                role="senco" if owner == "senco" else "staff",
                email=f"{owner}.{school}@example.org",
            )
            for owner in OWNERS
        }

    return Settings(
        var_dir=tmp,
        database_url=url,
        trust=TrustSettings(name="Example Learning Trust"),
        schools={s: SchoolSettings(name=f"{s.title()} School", staff=staff(s)) for s in SCHOOLS},
        temporal={"ui_url": "http://127.0.0.1:9/", "namespace": "bench-ns"},  # never reached
    )


class Reader:
    """The dashboard app on the benchmark's database, signed in as the trust's leadership."""

    def __init__(self, settings, sessions, today: date) -> None:
        from argon2 import PasswordHasher
        from fastapi.testclient import TestClient

        from dashboard.app import create_app, settle_heap
        from dashboard.web_settings import WebSettings
        from store.accounts_queries import account_by_username, add_account

        with sessions.begin() as session:
            if account_by_username(session, "bench-lead") is None:
                add_account(
                    session,
                    username="bench-lead",
                    password_hash=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD),
                    role="trust-leadership",
                    staff_id=None,
                    school=None,
                )

        async def no_temporal() -> Any:
            raise RuntimeError("the benchmark reaches no Temporal server")

        app = create_app(
            settings,
            sessionmaker=sessions,
            today=lambda: today,
            client_factory=no_temporal,
            web_settings=WebSettings(session_secret="b" * 40),
        )
        self.client = TestClient(app)
        self.client.__enter__()
        settle_heap()  # as dashboard.app.serve does once the app is built (uvicorn's factory)
        login = self.client.get("/login").text
        token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        answer = self.client.post(
            "/login",
            data={"username": "bench-lead", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        self.web = app.state.web

    def get(self, path: str) -> int:
        answer = self.client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return len(answer.content)

    def csv_first_rows(self) -> int:
        """The steps export as the route makes it (the whole school list of a trust reader), up to its first chunk."""
        from dashboard.compliance_view import steps_csv_response

        response = steps_csv_response(self.web, None, name_schools=True)
        iterator = getattr(response, "body_iterator", None)
        if iterator is None:  # not streamed: the whole body was built before the answer
            return len(response.body)
        import asyncio

        async def first() -> int:
            chunk = await iterator.__anext__()
            await iterator.aclose() if hasattr(iterator, "aclose") else None
            return len(chunk)

        return asyncio.run(first()) if hasattr(iterator, "__anext__") else len(next(iter(iterator)))

    def close(self) -> None:
        self.client.__exit__(None, None, None)


def queries(reader: Reader) -> dict[str, Callable[[], int]]:
    deep = reader.client.get("/?limit=50")
    cursor = None
    html = deep.text
    for _ in range(9):  # the tenth page's link
        marker = 'rel="next" id="next-page" href="?'
        if marker not in html:
            break
        link = html.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&")
        cursor = link
        html = reader.client.get("/?" + link).text
    return {
        "overdue": lambda: reader.get("/overdue"),
        "due-soon": lambda: reader.get("/due-soon"),
        "open": lambda: reader.get("/"),
        "open-filtered": lambda: reader.get("/?la=Kent&sort=owner"),
        "open-deep": (lambda: reader.get("/?" + cursor)) if cursor else (lambda: reader.get("/")),
        "api-steps": lambda: reader.get("/api/steps?view=overdue"),
        "case": lambda: reader.get("/cases/EHC-00003?school=oak"),
        "trust": lambda: reader.get("/trust"),
        "compliance": lambda: reader.get("/compliance?school=oak"),
        "la-scorecard": lambda: reader.get("/las"),
        "csv-first-rows": reader.csv_first_rows,
    }


def measure(reader: Reader, repeat: int) -> dict[str, dict]:
    found = {}
    for name, query in queries(reader).items():
        query()  # warm the caches and the statement cache
        times = []
        size = 0
        for _ in range(repeat):
            began = time.perf_counter()
            size = query()
            times.append(1000 * (time.perf_counter() - began))
        found[name] = {
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "bytes": size,
        }
    return found


def fill(engine, have: int, size: int, today: date) -> None:
    processes, steps, events = rows(have, size - have, today, seed=size)
    with engine.begin() as connection:
        for table_, values in ((Process, processes), (Step, steps), (Event, events)):
            for start in range(0, len(values), BATCH):
                connection.execute(insert(table_), values[start : start + BATCH])
        if engine.dialect.name == "sqlite":
            connection.execute(text("ANALYZE"))  # the planner's statistics
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a live database soon after a bulk load: the planner's statistics, and the
        # visibility map without which an index-only scan still reads every row's page.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def run_backend(url: str, sizes: list[int], repeat: int, today: date, tmp: Path) -> list[dict]:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    settings = bench_settings(tmp, url)
    reader = Reader(settings, sessions, today)
    results, have = [], 0
    try:
        for size in sizes:
            began = time.perf_counter()
            fill(engine, have, size, today)
            have = size
            with sessions() as session:
                assert session.scalar(select(func.count()).select_from(Step)) == size
                open_steps = session.scalar(select(func.count()).select_from(Step).where(Step.status == "open"))
            print(f"{engine.dialect.name}: {size:,} steps ({open_steps:,} open) in {time.perf_counter() - began:.0f} s")
            found = measure(reader, repeat)
            target = TARGETS["first_page_p95_ms_1m_postgresql"] if size >= 1_000_000 else TARGETS["first_page_p95_ms"]
            results.append(
                {
                    "backend": engine.dialect.name,
                    "steps": size,
                    "open_steps": open_steps,
                    "schema": current(url),
                    "target_p95_ms": target,
                    "met": all(q["p95_ms"] < target for q in found.values()),
                    "over_target": sorted(n for n, q in found.items() if q["p95_ms"] >= target),
                    "queries": found,
                }
            )
    finally:
        reader.close()
        engine.dispose()
    return results


def bench(sizes: list[int], repeat: int, pg_url: str | None, out: Path | None, sqlite_max: int | None = None) -> dict:
    today = date.today()
    results = []
    sqlite_sizes = [s for s in sizes if sqlite_max is None or s <= sqlite_max]
    with tempfile.TemporaryDirectory(prefix="sendclock-bench-") as tmp:
        if sqlite_sizes:
            results += run_backend(f"sqlite:///{tmp}/dashboard.db", sqlite_sizes, repeat, today, Path(tmp))
        if pg_url:
            try:
                results += run_backend(
                    postgres_bench_database(pg_url, BENCH_DB, create=True), sizes, repeat, today, Path(tmp)
                )
            finally:
                postgres_bench_database(pg_url, BENCH_DB, create=False)
    names = list(results[0]["queries"]) if results else []
    table(
        f"Dashboard reads, first page: p50 / p95 in ms over {repeat} runs",
        ["query", *(f"{r['backend']} {r['steps']:,}" for r in results)],
        [
            [name, *(f"{r['queries'][name]['p50_ms']:.1f} / {r['queries'][name]['p95_ms']:.1f}" for r in results)]
            for name in names
        ],
    )
    figures = {
        "sizes": sizes,
        "repeat": repeat,
        "targets": TARGETS,
        "met": all(r["met"] for r in results),
        "results": results,
    }
    write_json(f"dashboard-queries-{sizes[-1]}", figures, out)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="step counts, ascending (default 1k,10k,100k)")
    parser.add_argument("--repeat", type=int, default=21, help="timed runs per query and size (default 21)")
    parser.add_argument("--pg-url", default=PG_URL, help=f"a PostgreSQL server to create {BENCH_DB} on ('' skips)")
    parser.add_argument("--sqlite-max", type=int, default=None, help="SQLite only up to this size (0: PostgreSQL only)")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default bench/results)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    return bench(sizes, args.repeat, args.pg_url or None, args.out, args.sqlite_max)


if __name__ == "__main__":
    main()
