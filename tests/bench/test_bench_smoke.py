"""Each benchmark in bench/ runs at a tiny size (untimed; the figures mean nothing), so they do not rot."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bench import dashboard_queries, open_workflows, overhead, rulebook


def _written(out, prefix: str) -> dict:
    [path] = out.glob(f"{prefix}-*.json")
    return json.loads(path.read_text())


def test_rulebook(tmp_path) -> None:
    figures = rulebook.main(["--n", "50", "--out", str(tmp_path)])
    assert all(rate > 0 for rate in figures["per_second"].values())
    assert _written(tmp_path, "rulebook")["machine"]["cpus"] >= 1


def test_dashboard_queries_on_sqlite(tmp_path) -> None:
    figures = dashboard_queries.main(["--sizes", "20,40", "--repeat", "2", "--pg-url", "", "--out", str(tmp_path)])
    assert [r["steps"] for r in figures["results"]] == [20, 40]
    assert set(figures["results"][0]["queries"]) == {
        "overdue",
        "due-soon",
        "open",
        "open-filtered",
        "open-deep",
        "api-steps",
        "case",
        "trust",
        "compliance",
        "la-scorecard",
        "csv-first-rows",
    }
    assert all(q["p95_ms"] > 0 for r in figures["results"] for q in r["queries"].values())
    assert "met" in figures and figures["targets"]["first_page_p95_ms"] == 50


@pytest.mark.devserver
def test_overhead(tmp_path) -> None:
    # --any-day: every day a working day, so a reminder is due today at a weekend or on a bank holiday too.
    figures = overhead.main(
        [
            "--n",
            "5",
            "--warmup",
            "1",
            "--concurrency",
            "5",
            "--rounds",
            "1",
            "--split",
            "--any-day",
            "--out",
            str(tmp_path),
        ]
    )
    assert figures["ratio_same_shape"] > 0 and figures["ratio_minimal"] > 0
    assert figures["ratio_same_shape_durable"] > 0 and figures["cpu_ratio_same_shape_durable"] > 0
    assert set(figures["targets"]) == set(figures["met"]) == {"ratio_same_shape_durable", "ratio_minimal"}
    assert figures["informative"] == ["ratio_same_shape"]
    assert figures["split"]["ratio_same_shape_without_database"] > 0
    assert figures["cpu_ratio_same_shape"] > 0 and len(figures["cpu_ratios_by_round"]["minimal"]) == 1
    assert _written(tmp_path, "overhead")["lifecycles_per_s"]["sendclock"] > 0


@pytest.mark.devserver
def test_open_workflows(tmp_path) -> None:
    figures = open_workflows.main(["--n", "5", "--wave-after", "6", "--any-day", "--out", str(tmp_path)])
    assert figures["starts_per_s"] > 0 and figures["wave_s"] >= 0
    assert figures["rss_mb"]["with_n_open"]["worker"] > 0
    # The outbox counted against the expected set: one "assigned" and one reminder row for each of the 5.
    assert figures["delivered_exactly_once"] is True
    assert figures["lost"] == 0 and figures["twice"] == 0 and figures["unexpected"] == 0
    assert figures["outbox"]["by_kind"]["reminder"] == {
        "expected": 5,
        "rows": 5,
        "lost": 0,
        "twice": 0,
        "twice_same_notice_key": 0,
        "not_delivered": 0,
    }
    assert figures["created"] == 5
    assert figures["bare_starts_per_s"] > 0 and figures["ratio_starts"] > 0
    assert figures["bare"]["n"] == 5 and figures["bare"]["bodies"] == "durable"
    assert figures["worker_rss_target_mb"] == 500 and isinstance(figures["worker_rss_target_met"], bool)
    assert figures["sizes_mb"]["after_wave"]["temporal_sqlite"] > 0
    assert figures["sizes_mb"]["with_n_open"]["sendclock_db"] > 0
    assert _written(tmp_path, "open-workflows")["dev_server_rss_mb"]["with_n_open"] > 0


def test_any_day_finds_a_reminder_due_today_at_a_weekend(tmp_path) -> None:
    from freezegun import freeze_time

    from bench.common import bench_settings, every_day_calendar, received_for_target_today
    from config.school_calendar import school_calendar
    from statutory import compute_deadline

    settings = bench_settings(tmp_path, "127.0.0.1:7233", "bench-smoke")
    with freeze_time("2026-12-05 12:00:00"):  # a Saturday
        with pytest.raises(SystemExit, match="not a working day"):
            received_for_target_today(settings)
        calendar = every_day_calendar()
        received = received_for_target_today(settings, calendar)
    assert compute_deadline("ehc-advice", received, calendar).target == date(2026, 12, 5)
    # On a working day the school's calendar gives the same kind of date (the benchmarks' real runs).
    with freeze_time("2026-12-02 12:00:00"):
        weekday = received_for_target_today(settings)
    assert compute_deadline("ehc-advice", weekday, school_calendar(settings)).target == date(2026, 12, 2)


@pytest.mark.devserver
@pytest.mark.postgres
def test_open_workflows_two_workers_on_postgres(tmp_path) -> None:
    """Issue 26 part 4 in small: one worker, then two, with the dashboard, on a PostgreSQL database of the run's own."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from tests.db import POSTGRES_SERVER, unavailable

    engine = create_engine(POSTGRES_SERVER, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as err:  # noqa: BLE001 - any failure to connect means "no server here"
        unavailable(f"PostgreSQL not available at {POSTGRES_SERVER}: {type(err).__name__}: {err}".splitlines()[0])
    finally:
        engine.dispose()
    argv = ["--n", "5", "--wave-after", "12", "--any-day", "--compare-workers", "--dashboard", "--bare-n", "5"]
    figures = open_workflows.main([*argv, "--database-url", POSTGRES_SERVER, "--out", str(tmp_path)])
    for run, workers in ((figures["one_worker"], 1), (figures["two_workers"], 2)):
        assert run["database"] == "postgresql" and run["workers"] == workers
        assert run["delivered_exactly_once"] is True and run["lost"] == 0 and run["twice"] == 0
        assert len(run["rss_mb"]["peak_in_wave"]["workers"]) == workers
        assert run["dashboard_polls"]["answers"].get("200", 0) >= 1 and run["dashboard_polls"]["open_steps_last"] == 5
        assert run["bare_starts_per_s"] > 0
    assert figures["delivered_exactly_once"] is True
    assert figures["ratio_two_to_one"]["starts"] > 0 and figures["ratio_two_to_one"]["wave"] > 0
    assert _written(tmp_path, "open-workflows-compare")["twice"] == {"one": 0, "two": 0}
