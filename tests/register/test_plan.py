"""What importing the register would do (register/plan.py), given the processes already running: a rule per SEN code
and per looked-after, nothing for a pupil not in the file, and nothing more the second time."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from register import (
    ANNUAL_REVIEW,
    PEP_REVIEW,
    SEN_SUPPORT,
    Action,
    RegisterRow,
    Running,
    absent,
    plan_import,
    read_register,
)
from tests.helpers import examples
from tests.register.generate import fictional_register

TODAY = date(2027, 3, 11)
KINDS = (SEN_SUPPORT, PEP_REVIEW, ANNUAL_REVIEW)


def row(
    code: str = "K", *, line: int = 2, ref: str = "SUP-0001", looked_after: bool | None = False, **fields
) -> RegisterRow:
    plan = {"la": "Kent", "plan_date": date(2026, 5, 4)} if code == "E" else {}
    return RegisterRow(line=line, case_ref=ref, sen_code=code, looked_after=looked_after, **plan, **fields)


def running(*kinds: str, ref: str = "SUP-0001") -> dict[str, Running]:
    return {ref: Running(frozenset(kinds))}


def planned(one: RegisterRow, *kinds: str) -> list[tuple[str, str | None]]:
    return [(a.do, a.reason) for a in plan_import([one], running(*kinds))]


def apply(actions: list[Action], before: dict[str, Running]) -> dict[str, Running]:
    """What is running once the actions are done."""
    after = {ref: set(r.kinds) for ref, r in before.items()}
    for action in actions:
        kinds = after.setdefault(action.case_ref, set())
        if action.do.startswith("start-"):
            kinds.add({"start-support": SEN_SUPPORT, "start-review": ANNUAL_REVIEW, "start-pep": PEP_REVIEW}[action.do])
        elif action.do.startswith("end-"):
            kinds.discard({"end-support": SEN_SUPPORT, "end-pep": PEP_REVIEW}[action.do])
    return {ref: Running(frozenset(kinds)) for ref, kinds in after.items()}


def test_every_kind_the_import_starts_or_ends_is_a_process_kind_of_the_registry():
    from workflows.registry import PROCESS_KINDS, REVIEW

    assert REVIEW.kind == ANNUAL_REVIEW
    assert set(KINDS) <= set(PROCESS_KINDS)


# --- SEN support, EHC plan, none -----------------------------------------------------------------------------------


def test_sen_support_without_its_reviews_running_starts_them():
    assert planned(row("K")) == [("start-support", None)]


def test_sen_support_already_running_is_left_as_it_is():
    assert planned(row("K"), SEN_SUPPORT) == []


def test_an_ehc_plan_without_its_annual_review_running_starts_it():
    assert planned(row("E")) == [("start-review", None)]


def test_an_ehc_plan_whose_annual_review_runs_is_left_as_it_is():
    assert planned(row("E"), ANNUAL_REVIEW) == []


def test_an_ehc_plan_for_a_pupil_on_sen_support_ends_the_support_reviews_because_a_plan_was_made():
    assert planned(row("E"), SEN_SUPPORT) == [("end-support", "ehc-plan"), ("start-review", None)]
    assert planned(row("E"), SEN_SUPPORT, ANNUAL_REVIEW) == [("end-support", "ehc-plan")]


def test_no_special_educational_need_ends_the_support_reviews_because_needs_are_met():
    assert planned(row("N"), SEN_SUPPORT) == [("end-support", "needs-met")]


def test_no_special_educational_need_with_nothing_running_does_nothing():
    assert planned(row("N")) == []


@pytest.mark.parametrize("code", ["K", "N"])
@pytest.mark.parametrize("also", [(), (SEN_SUPPORT,)])
def test_a_plan_the_register_no_longer_shows_while_its_annual_review_runs_is_only_a_note(code, also):
    """Ceasing a plan is the LA's decision, recorded in the annual review: the import ends nothing and starts no
    support reviews meanwhile."""
    assert planned(row(code), ANNUAL_REVIEW, *also) == [("note", "annual-review-open")]


# --- looked after ------------------------------------------------------------------------------------------------


def test_a_looked_after_pupil_without_pep_reviews_running_starts_them():
    assert planned(row("N", looked_after=True)) == [("start-pep", None)]
    assert planned(row("N", looked_after=True), PEP_REVIEW) == []


def test_a_pupil_no_longer_looked_after_ends_the_pep_reviews():
    assert planned(row("N", looked_after=False), PEP_REVIEW) == [("end-pep", "no-longer-looked-after")]


def test_a_file_without_a_looked_after_column_neither_starts_nor_ends_pep_reviews():
    assert planned(row("N", looked_after=None), PEP_REVIEW) == []
    assert planned(row("N", looked_after=None)) == []


def test_looked_after_is_planned_whatever_the_sen_code_even_beside_a_note():
    assert planned(row("K", looked_after=True), ANNUAL_REVIEW) == [("start-pep", None), ("note", "annual-review-open")]


# --- the whole plan ----------------------------------------------------------------------------------------------


def test_actions_are_in_line_order_and_within_a_row_ends_come_before_starts():
    rows = [
        row("E", line=5, ref="SUP-0005", looked_after=False),
        row("K", line=2, ref="SUP-0002", looked_after=True),
        row("E", line=3, ref="SUP-0003", looked_after=True),
    ]
    now = {
        "SUP-0005": Running(frozenset({SEN_SUPPORT, PEP_REVIEW})),
        "SUP-0003": Running(frozenset({SEN_SUPPORT})),
    }
    assert [(a.line, a.do) for a in plan_import(rows, now)] == [
        (2, "start-support"),
        (2, "start-pep"),
        (3, "end-support"),
        (3, "start-review"),
        (3, "start-pep"),
        (5, "end-support"),
        (5, "end-pep"),
        (5, "start-review"),
    ]
    assert plan_import(rows, now) == plan_import(list(reversed(rows)), now)


def test_a_case_running_but_absent_from_the_file_is_left_alone_and_listed_as_absent():
    rows = [row("K", ref="SUP-0001")]
    now = {
        "SUP-0001": Running(frozenset({SEN_SUPPORT})),
        "SUP-0009": Running(frozenset({SEN_SUPPORT, PEP_REVIEW})),
        "SUP-0007": Running(frozenset({ANNUAL_REVIEW})),
        "SUP-0008": Running(frozenset()),
    }
    assert plan_import(rows, now) == []
    assert absent(rows, now) == ["SUP-0007", "SUP-0009"]


def test_the_same_file_imported_twice_plans_nothing_the_second_time():
    rows = read_register(fictional_register(120, today=TODAY), today=TODAY).rows
    first = plan_import(rows, {})
    assert {a.do for a in first} == {"start-support", "start-review", "start-pep"}
    assert plan_import(rows, apply(first, {})) == []


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(0, 2**16), st.lists(st.frozensets(st.sampled_from(KINDS)), min_size=30, max_size=30))
def test_after_the_plan_is_done_planning_again_leaves_at_most_the_notes(seed, kinds):
    rows = read_register(fictional_register(30, today=TODAY, seed=seed), today=TODAY).rows
    now = {r.case_ref: Running(k) for r, k in zip(rows, kinds, strict=True)}
    again = plan_import(rows, apply(plan_import(rows, now), now))
    assert {a.do for a in again} <= {"note"}


def test_two_rows_of_one_case_are_refused():
    with pytest.raises(ValueError, match="already on line 2"):
        plan_import([row("K", line=2), row("N", line=3)], {})


# --- in words ----------------------------------------------------------------------------------------------------


def sentences(one: RegisterRow, *kinds: str) -> list[str]:
    return [a.sentence() for a in plan_import([one], running(*kinds, ref=one.case_ref))]


def test_each_action_is_said_in_plain_english():
    assert sentences(row("K", ref="SUP-0003", key_worker="teacher")) == [
        "SUP-0003: start the SEN support reviews (key worker: teacher)."
    ]
    assert sentences(row("E", looked_after=True, key_worker="senco"), SEN_SUPPORT) == [
        "SUP-0001: end the SEN support reviews (an EHC plan was made).",
        "SUP-0001: start the EHC plan's annual review (LA: Kent; plan or last annual review Mon 4 May 2026; "
        "key worker: senco).",
        "SUP-0001: start the PEP reviews (looked after; key worker: senco).",
    ]
    assert sentences(row("N"), SEN_SUPPORT, PEP_REVIEW) == [
        "SUP-0001: end the SEN support reviews (no longer on SEN support: needs met).",
        "SUP-0001: end the PEP reviews (no longer looked after).",
    ]
    assert sentences(row("N"), ANNUAL_REVIEW) == [
        "SUP-0001: the register says no special educational need (N), but the EHC plan's annual review is open: "
        "sendclock ends nothing, as only the LA can cease a plan (record its decision in the annual review)."
    ]
    assert sentences(row("K")) == ["SUP-0001: start the SEN support reviews (key worker: the default)."]


def test_no_sentence_shows_the_pupils_initials():
    one = row("E", looked_after=True, initials="QXZ")
    said = sentences(one, SEN_SUPPORT) + sentences(row("N", initials="QXZ"), SEN_SUPPORT, PEP_REVIEW, ANNUAL_REVIEW)
    assert len(said) == 5 and not any("QXZ" in s for s in said)
