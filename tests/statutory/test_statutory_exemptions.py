"""Exemption grounds (§3) and the reg 5(4)(a) closure window."""

from datetime import date

import pytest

from statutory import EXEMPTION_GROUNDS, UnknownRuleError, closure_window, get_ground, grounds_for

LA_GROUNDS = ["la-closure", "la-early-years-closure", "la-personal-circumstances", "la-absence"]


def test_grounds_for_ehc_advice():
    grounds = grounds_for("ehc-advice")
    assert [g.id for g in grounds] == ["reg8-2-a", "reg8-2-b", "reg8-2-c"]
    assert [g.regulation for g in grounds] == ["reg 8(2)(a)", "reg 8(2)(b)", "reg 8(2)(c)"]
    assert not any("closure" in g.id for g in grounds)  # school closure is not a reg 8 ground


@pytest.mark.parametrize(
    ("rule_id", "reg"),
    [
        ("ehc-assessment-decision", "reg 5(4)"),
        ("ehc-no-plan-notice", "reg 10(4)"),
        ("ehc-final-plan", "reg 13(3)"),
        ("reassessment-final", "reg 27(3)"),
    ],
)
def test_grounds_for_la_rules(rule_id, reg):
    grounds = grounds_for(rule_id)
    assert [g.id for g in grounds] == LA_GROUNDS
    assert all(reg in g.regulation for g in grounds)


@pytest.mark.parametrize(
    "rule_id",
    [
        "review-notice",
        "review-advice-circulation",
        "review-report",
        "naming-consultation",
        "draft-plan-representations",
        "amended-plan-final",
    ],
)
def test_no_exemption_rules(rule_id):
    assert grounds_for(rule_id) == []
    with pytest.raises(ValueError, match=f"rule '{rule_id}' has no exemption grounds"):
        get_ground(rule_id, "la-closure")


def test_get_ground():
    assert get_ground("ehc-final-plan", "la-absence").needs_period
    assert get_ground("ehc-advice", "reg8-2-c").regulation == "reg 8(2)(c)"
    with pytest.raises(ValueError) as err:
        get_ground("ehc-advice", "la-closure")
    assert str(err.value) == (
        "ground 'la-closure' does not apply to rule 'ehc-advice'; grounds: reg8-2-a, reg8-2-b, reg8-2-c"
    )
    with pytest.raises(UnknownRuleError):
        get_ground("nope", "la-closure")


def test_ground_ids_unique():
    ids = [g.id for g in EXEMPTION_GROUNDS]
    assert len(ids) == len(set(ids)) == 7


def test_closure_window_rule_book_example():
    assert closure_window(date(2026, 7, 22), date(2026, 9, 2)) == (date(2026, 7, 15), date(2026, 8, 26))


def test_closure_window_needs_four_weeks():
    assert closure_window(date(2026, 7, 22), date(2026, 8, 19)) == (date(2026, 7, 15), date(2026, 8, 12))
    assert closure_window(date(2026, 7, 22), date(2026, 8, 18)) is None  # 27 days
    assert closure_window(date(2026, 12, 19), date(2027, 1, 5)) is None  # Christmas holiday
    with pytest.raises(ValueError):
        closure_window(date(2026, 9, 2), date(2026, 7, 22))
