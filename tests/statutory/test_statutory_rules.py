"""The rule table (§1): ids, versions, lookup errors."""

from datetime import date

import pytest

import statutory
from statutory import (
    EXEMPTION_GROUNDS,
    RULES,
    Convention,
    Rule,
    RuleNotInForceError,
    UnknownRuleError,
    compute_deadline,
    get_rule,
    rule_ids,
)
from statutory.rules import TERM_CONVENTIONS

TABLE_ORDER = [
    "ehc-advice",
    "naming-consultation",
    "draft-plan-representations",
    "review-notice",
    "review-advice-circulation",
    "review-report",
    "review-la-decision",
    "amended-plan-final",
    "annual-review-due",
    "phase-transfer-review",
    "post16-transfer-review",
    "post16-move-review",
    "phase-transfer-meeting-by",
    "cease-appeal-window",
    "reassessment-earliest",
    "reassessment-decision",
    "reassessment-final",
    "ehc-assessment-decision",
    "ehc-no-plan-notice",
    "ehc-final-plan",
    # the school's own commitments (rule book, "School commitments")
    "sen-support-review",
    "pep-review",
    "sen-information-report",
    "send-policy-review",
    "annual-progress-report",
    # the school's practice in chasing the LA (issue 25), after the rule book's table
    "la-chase-follow-up",
]


def test_rule_ids_in_table_order():
    assert rule_ids() == TABLE_ORDER
    assert len(rule_ids()) == 26
    assert len(RULES) == 28  # post16-transfer-review has three versions: reg 18(3) gave transfers in 2015 31 May


def test_every_rule_is_complete():
    ground_ids = {g.id for g in EXEMPTION_GROUNDS}
    for rule in RULES:
        assert rule.title and rule.duty_holder and rule.anchor and rule.period and rule.basis
        if rule.id != "post16-transfer-review":
            assert rule.effective_from == date(2014, 9, 1) and rule.effective_to is None
        assert set(rule.exemption_grounds) <= ground_ids
        if rule.guidance and rule.convention in TERM_CONVENTIONS + (Convention.C4,):
            # the school's own commitments: guidance (the Code, DfE guidance) or the school's own policy
            assert any(source in rule.basis for source in ("Code of Practice", "DfE", "policy")), rule.id
        else:
            assert ("Regulations" in rule.basis) or ("Act" in rule.basis), rule.id


@pytest.mark.parametrize(
    ("rule_id", "convention", "amount", "unit", "fixed_day"),
    [
        ("ehc-advice", Convention.C1, 6, "weeks", None),
        ("naming-consultation", Convention.C1, 15, "days", None),
        ("draft-plan-representations", Convention.C2, 15, "days", None),
        ("review-notice", Convention.C3, 2, "weeks", None),
        ("annual-review-due", Convention.C4, 12, "months", None),
        ("phase-transfer-review", Convention.C5, None, None, (2, 14)),
        ("post16-transfer-review", Convention.C5, None, None, (3, 30)),
        ("reassessment-earliest", Convention.C7, 6, "months", None),
        ("ehc-final-plan", Convention.C1, 20, "weeks", None),
        ("sen-support-review", Convention.T1, None, None, None),
        ("annual-progress-report", Convention.T2, None, None, None),
        ("sen-information-report", Convention.C4, 12, "months", None),
    ],
)
def test_rule_parameters(rule_id, convention, amount, unit, fixed_day):
    rule = get_rule(rule_id)
    assert (rule.convention, rule.amount, rule.unit, rule.fixed_day) == (convention, amount, unit, fixed_day)


def test_unknown_rule():
    with pytest.raises(UnknownRuleError) as err:
        get_rule("ehc-advise")
    message = str(err.value)
    assert message.startswith("unknown rule 'ehc-advise'; known rules: ehc-advice, naming-consultation")
    assert isinstance(err.value, ValueError)
    with pytest.raises(UnknownRuleError):
        compute_deadline("nope", date(2026, 1, 1))


def test_rule_not_in_force_before_2014_regulations():
    assert get_rule("ehc-advice", on=date(2014, 9, 1)).id == "ehc-advice"
    with pytest.raises(RuleNotInForceError) as err:
        get_rule("ehc-advice", on=date(2014, 8, 31))
    assert isinstance(err.value, ValueError)
    assert "'ehc-advice' is not in force on Sun 31 Aug 2014" in str(err.value)
    assert "from Mon 1 Sep 2014" in str(err.value)
    with pytest.raises(RuleNotInForceError):
        compute_deadline("ehc-advice", date(2013, 5, 1))


def test_a_new_version_is_picked_by_date(monkeypatch):
    old = get_rule("ehc-advice")
    ended = old.model_copy(update={"effective_to": date(2029, 12, 31)})
    new = old.model_copy(update={"effective_from": date(2030, 1, 1), "amount": 8})
    monkeypatch.setattr(statutory.rules, "RULES", (*RULES, new))
    monkeypatch.setattr(statutory.rules, "RULES", tuple(ended if r is old else r for r in statutory.rules.RULES))
    assert get_rule("ehc-advice", on=date(2029, 12, 31)).amount == 6
    assert get_rule("ehc-advice", on=date(2030, 1, 1)).amount == 8
    assert get_rule("ehc-advice").amount == 8
    assert rule_ids().count("ehc-advice") == 1
    later = compute_deadline("ehc-advice", date(2030, 1, 7))
    assert later.rule_version == date(2030, 1, 1)
    assert later.due == date(2030, 3, 4)


def test_rule_validation():
    base = get_rule("ehc-advice").model_dump()
    with pytest.raises(ValueError):
        Rule(**{**base, "unit": "months"})
    with pytest.raises(ValueError):
        Rule(**{**base, "convention": Convention.C5})
    with pytest.raises(ValueError):
        Rule(**{**base, "effective_to": date(2014, 1, 1)})


def test_rules_are_frozen():
    with pytest.raises(ValueError):
        get_rule("ehc-advice").amount = 7
