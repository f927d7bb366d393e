"""The process registry (workflows/registry.py): each process kind declared once, and true to its workflow."""

from __future__ import annotations

import inspect
import typing
from datetime import date

import pytest

from statutory.rules import RULES
from workflows.registry import (
    BY_KIND,
    PROCESS_LABELS,
    PROCESS_WORKFLOW_ID,
    PROCESSES,
    REVIEW,
    WORKFLOWS,
    kinds_with_rule,
    process_kind,
)


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.kind)
def test_each_entry_is_true_to_its_workflow(process):
    assert process.workflow in WORKFLOWS
    first = [name for name in inspect.signature(process.workflow.run).parameters if name != "self"][0]
    assert typing.get_type_hints(process.workflow.run)[first] is process.start_input
    assert process.label and process.label[0].isupper()


def test_every_rule_of_the_rule_book_is_opened_by_some_process_and_every_declared_rule_exists():
    book = {rule.id for rule in RULES}
    declared = {rule for p in PROCESSES for rule in p.rules}
    assert declared == book


def test_workflow_ids_are_the_case_reference_and_a_date_only():
    assert (
        BY_KIND["ehc-advice-request"].workflow_id("EHC-0042", date(2027, 1, 4))
        == "ehc-advice-request-EHC-0042-20270104"
    )
    assert BY_KIND["reassessment"].workflow_id("R.1", date(2026, 12, 31)) == "reassessment-R.1-20261231"
    assert REVIEW.workflow_id("EHC-0042") == "annual-review-EHC-0042"
    with pytest.raises(ValueError, match="date it began"):
        BY_KIND["draft-plan-consultation"].workflow_id("EHC-0042")


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.kind)
def test_the_id_pattern_accepts_each_kinds_ids_and_nothing_else(process):
    assert PROCESS_WORKFLOW_ID.match(process.workflow_id("EHC_7.x", date(2024, 2, 29)))
    others = [
        "../etc/passwd",
        f"{process.kind}-",
        "weekly-digest-x",
        f"{process.kind}-EHC 1-20240229",
        f"x{process.workflow_id('E1', date(2024, 2, 29))}",
        f"{process.kind}-{'E' * 41}",
    ]
    if process.dated:  # without its date, or with a short one
        others += [f"{process.kind}-EHC1", f"{process.kind}-EHC1-2024022"]
    for other in others:
        assert not PROCESS_WORKFLOW_ID.match(other), other


def test_labels_and_lookups():
    assert list(PROCESS_LABELS) == [p.kind for p in PROCESSES]
    assert PROCESS_LABELS["reassessment"] == "Re-assessment"
    assert kinds_with_rule("review-report") == ("annual-review",)
    assert kinds_with_rule("no-such-rule") == ()
    with pytest.raises(ValueError, match="unknown process 'plan' \\(one of ehc-advice-request, "):
        process_kind("plan")
