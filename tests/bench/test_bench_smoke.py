"""Each benchmark in bench/ runs at a tiny size (untimed; the figures mean nothing), so they do not rot."""

from __future__ import annotations

import json

import pytest

from bench import dashboard_queries, open_workflows, overhead, rulebook


def _written(out, prefix: str) -> dict:
    [path] = out.glob(f"{prefix}-*.json")
    return json.loads(path.read_text())


def _on_a_working_day(run):
    try:
        return run()
    except SystemExit as stop:  # no reminder can be due today at a weekend or bank holiday
        pytest.skip(str(stop))


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
    figures = _on_a_working_day(
        lambda: overhead.main(
            ["--n", "5", "--warmup", "1", "--concurrency", "5", "--rounds", "1", "--split", "--out", str(tmp_path)]
        )
    )
    assert figures["ratio_same_shape"] > 0 and figures["ratio_minimal"] > 0
    assert figures["split"]["ratio_same_shape_without_database"] > 0
    assert figures["cpu_ratio_same_shape"] > 0 and len(figures["cpu_ratios_by_round"]["minimal"]) == 1
    assert _written(tmp_path, "overhead")["lifecycles_per_s"]["sendclock"] > 0


@pytest.mark.devserver
def test_open_workflows(tmp_path) -> None:
    figures = _on_a_working_day(lambda: open_workflows.main(["--n", "5", "--wave-after", "6", "--out", str(tmp_path)]))
    assert figures["starts_per_s"] > 0 and figures["wave_s"] >= 0
    assert figures["rss_mb"]["with_n_open"]["worker"] > 0
