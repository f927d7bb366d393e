"""Counting conventions C1-C7 (rule book §2), month ends and leap years."""

from datetime import date

import pytest

from statutory import compute_due, get_rule
from statutory.conventions import (
    c1_within,
    c2_beginning_with,
    c3_before_meeting,
    c4_period_starting_with,
    c5_fixed_day,
    c7_earliest,
)


def test_c1_days_and_weeks():
    assert c1_within(date(2026, 2, 2), 6, "weeks") == date(2026, 3, 16)
    assert c1_within(date(2026, 3, 10), 15, "days") == date(2026, 3, 25)
    assert c1_within(date(2028, 2, 28), 1, "days") == date(2028, 2, 29)
    assert c1_within(date(2026, 12, 25), 2, "weeks") == date(2027, 1, 8)


def test_c2_first_day_counts():
    assert c2_beginning_with(date(2026, 3, 10), 15) == date(2026, 3, 24)
    assert c2_beginning_with(date(2026, 3, 10), 1) == date(2026, 3, 10)
    assert c2_beginning_with(date(2024, 2, 20), 15) == date(2024, 3, 5)


def test_c3_before_meeting_counts_clear_days_unless_the_school_reads_it_inclusively():
    # Rule book §2 C3 (revised Dec 2026): clear days, M - 7N - 1 (Re Hector Whaling [1936]); inclusive M - 7N.
    assert c3_before_meeting(date(2026, 11, 4), 2, "weeks") == date(2026, 10, 20)
    assert c3_before_meeting(date(2024, 3, 7), 2, "weeks") == date(2024, 2, 21)
    assert c3_before_meeting(date(2024, 3, 1), 2, "weeks") == date(2024, 2, 15)  # across 29 Feb 2024
    assert c3_before_meeting(date(2026, 11, 4), 2, "weeks", "inclusive") == date(2026, 10, 21)
    with pytest.raises(ValueError, match="reading must be one of clear, inclusive"):
        c3_before_meeting(date(2026, 11, 4), 2, "weeks", "loose")


@pytest.mark.parametrize(
    ("anchor", "months", "due"),
    [
        (date(2026, 3, 10), 12, date(2027, 3, 9)),  # §2 example
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # §2 example: no 29 Feb 2029
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 28)),  # corresponding date exists: day before
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 Feb: last day of the month
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 28), 1, date(2026, 2, 27)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),  # no 31 Apr
        (date(2026, 1, 31), 2, date(2026, 3, 30)),  # 31 Mar exists
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2025, 12, 31), 12, date(2026, 12, 30)),
    ],
)
def test_c4_period_starting_with(anchor, months, due):
    assert c4_period_starting_with(anchor, months) == due


@pytest.mark.parametrize(
    ("anchor", "due"),
    [
        (date(2025, 8, 31), date(2026, 3, 1)),  # §2 example
        (date(2025, 9, 15), date(2026, 3, 16)),  # §2 example
        (date(2025, 8, 30), date(2026, 3, 1)),  # §6 example
        (date(2023, 8, 31), date(2024, 3, 1)),  # leap year: ends 29 Feb 2024
        (date(2023, 8, 29), date(2024, 3, 1)),
        (date(2025, 8, 29), date(2026, 3, 1)),
        (date(2027, 8, 28), date(2028, 2, 29)),
        (date(2025, 12, 31), date(2026, 7, 1)),
        (date(2026, 3, 31), date(2026, 10, 1)),  # 30 Sep: no 31st
    ],
)
def test_c7_earliest(anchor, due):
    assert c7_earliest(anchor, 6) == due


def test_c5_fixed_day():
    assert c5_fixed_day(date(2027, 9, 1), 2, 14) == date(2027, 2, 14)
    assert c5_fixed_day(date(2027, 9, 1), 3, 30) == date(2027, 3, 30)
    assert compute_due(get_rule("phase-transfer-review"), date(2027, 9, 1)) == date(2027, 2, 14)
    assert compute_due(get_rule("post16-transfer-review"), date(2028, 9, 4)) == date(2028, 3, 30)


@pytest.mark.parametrize(
    ("rule_id", "anchor", "due"),
    [
        ("naming-consultation", date(2026, 3, 10), date(2026, 3, 25)),
        ("amended-plan-final", date(2026, 1, 5), date(2026, 3, 2)),
        ("reassessment-decision", date(2026, 1, 31), date(2026, 2, 15)),
        ("reassessment-final", date(2026, 1, 5), date(2026, 4, 13)),
        ("ehc-assessment-decision", date(2026, 1, 14), date(2026, 2, 25)),
        ("ehc-no-plan-notice", date(2026, 1, 14), date(2026, 5, 6)),
        ("ehc-final-plan", date(2026, 1, 14), date(2026, 6, 3)),
    ],
)
def test_compute_due_for_rules(rule_id, anchor, due):
    assert compute_due(get_rule(rule_id), anchor) == due
