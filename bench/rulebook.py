"""The rule book alone: deadline computations per second (statutory/: due and target, with the England calendar and
the shipped demo school's closures), for every rule over anchors spread across 2015-2030, in this one process; and
plan_step, the planning activity's body (dates plus reminder and escalation instants).

    .venv/bin/python -m bench.rulebook --n 20000
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from pathlib import Path

from activities.planning import plan_step
from bench.common import table, write_json
from config.school_calendar import school_calendar
from config.settings import Settings
from statutory import SchoolCalendar, compute_deadline, rule_ids
from statutory.conventions import compute_due, compute_target
from statutory.rules import get_rule
from workflows.models import PlanStepInput


def anchors(n: int, seed: int = 8) -> list[tuple[str, date]]:
    rng, rules = random.Random(seed), rule_ids()
    first = date(2015, 1, 1)
    return [(rules[i % len(rules)], first + timedelta(days=rng.randrange(16 * 365))) for i in range(n)]


def rate(work, cases: list[tuple[str, date]]) -> float:
    began = time.perf_counter()
    for rule_id, anchor in cases:
        work(rule_id, anchor)
    return len(cases) / (time.perf_counter() - began)


def bench(n: int, out: Path | None) -> dict:
    settings = Settings()
    calendar = school_calendar(settings)  # the shipped demo school: its closures on top of bank holidays
    plain = SchoolCalendar()
    cases = anchors(n)

    def dates_only(rule_id: str, anchor: date) -> None:  # due and target, no explanation
        rule = get_rule(rule_id, on=anchor)
        compute_target(rule, compute_due(rule, anchor), calendar)

    rates = {
        "compute_deadline (due, target, explanation), with closures": rate(
            lambda r, a: compute_deadline(r, a, calendar), cases
        ),
        "compute_deadline, bank holidays only": rate(lambda r, a: compute_deadline(r, a, plain), cases),
        "due and target only, with closures": rate(dates_only, cases),
        "plan_step activity body (dates + notice instants)": rate(
            lambda r, a: plan_step(
                settings, PlanStepInput(rule_id=r, anchor=a, owner="senco", escalate_to="senco", today=a)
            ),
            cases,
        ),
    }
    table(
        f"Rule book: {n} computations over {len(rule_ids())} rules, anchors 2015-2030, one process",
        ["computation", "per second", "us each"],
        [[k, round(v), round(1e6 / v, 1)] for k, v in rates.items()],
    )
    figures = {
        "n": n,
        "rules": len(rule_ids()),
        "closures": len(calendar.closures),
        "per_second": {k: round(v) for k, v in rates.items()},
    }
    write_json(f"rulebook-n{n}", figures, out)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="computations per variant (default 20000)")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default bench/results)")
    args = parser.parse_args(argv)
    return bench(args.n, args.out)


if __name__ == "__main__":
    main()
