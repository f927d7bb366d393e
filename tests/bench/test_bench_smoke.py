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
    assert set(figures["results"][0]["queries"]) == {"overdue", "due-soon", "open", "compliance"}


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
    assert figures["split"]["ratio_same_shape_without_database"] > 0
    assert figures["cpu_ratio_same_shape"] > 0 and len(figures["cpu_ratios_by_round"]["minimal"]) == 1
    assert _written(tmp_path, "overhead")["lifecycles_per_s"]["sendclock"] > 0


@pytest.mark.devserver
def test_open_workflows(tmp_path) -> None:
    figures = open_workflows.main(["--n", "5", "--wave-after", "6", "--any-day", "--out", str(tmp_path)])
    assert figures["starts_per_s"] > 0 and figures["wave_s"] >= 0
    assert figures["rss_mb"]["with_n_open"]["worker"] > 0


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
