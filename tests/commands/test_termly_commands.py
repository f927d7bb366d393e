"""The moves of the school's own termly and yearly processes (commands/termly.py) on their own, with no Temporal: a
review held says whether the parents took part (and if not why), a process ends for one of its kind's reasons, and
bad input is refused naming the command's field before Temporal is contacted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from commands import Actor, Context, FixedClock, Refused, steps, termly
from commands.checks import parse
from config.settings import Settings, StaffMember
from workflows.models import ProcessEnded, ReviewHeld

TODAY = date(2026, 12, 3)
KEY_WORKER = Actor("teacher", "cli:os:alice")


class NotContacted:
    async def __call__(self):
        raise AssertionError("Temporal was contacted")


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff={"teacher": StaffMember(name="Sam Example (class teacher)", role="staff", email="t@example.org")},
    )
    return Context(settings=settings, clock=FixedClock(TODAY), client=NotContacted())


def refused(call) -> tuple[str, str, str]:
    with pytest.raises(Refused) as err:
        call()
    first = err.value.first
    return first.field, first.reason, first.code


def test_a_review_held_with_the_parents_is_the_workflows_review(ctx) -> None:
    cmd = parse(termly.ReviewHeldIn, {"held_on": "2026-12-03", "with_parents": "true", "next_review_on": "2027-03-04"})
    change = termly.held(ctx, cmd, KEY_WORKER, kind="sen-support")
    assert change.request == ReviewHeld(
        held_on=TODAY,
        by="teacher",
        with_parents=True,
        next_review_on=date(2027, 3, 4),
        recorded_by="cli:os:alice",
    )


@pytest.mark.parametrize(
    ("fields", "kind", "field", "code"),
    [
        ({"with_parents": False}, "sen-support", "why_not", "missing"),
        ({}, "sen-support", "with_parents", "missing"),
        ({"with_parents": True, "with_annual_review": True}, "sen-support", "with_annual_review", "not_open"),
        (
            {"with_parents": True, "next_review_on": date(2026, 12, 1)},
            "sen-support",
            "next_review_on",
            "before_received",
        ),
        ({"with_parents": True, "held_on": date(2026, 12, 4)}, "sen-support", "held_on", "in_future"),
        ({"with_parents": False}, None, "why_not", "missing"),  # the kind unknown: what holds for every kind
    ],
)
def test_a_review_held_is_refused_on_the_field_at_fault(ctx, fields, kind, field, code) -> None:
    cmd = termly.ReviewHeldIn(**({"held_on": TODAY} | fields))
    assert refused(lambda: termly.held(ctx, cmd, KEY_WORKER, kind=kind))[::2] == (field, code)


def test_a_pep_review_need_not_say_who_took_part_and_may_do_the_annual_review_too(ctx) -> None:
    cmd = termly.ReviewHeldIn(held_on=TODAY, with_annual_review=True, evidence="PEP notes 2026-12")
    held = termly.held(ctx, cmd, KEY_WORKER, kind="pep-review").request
    assert held.with_parents is None and held.with_annual_review and held.evidence == "PEP notes 2026-12"


def test_bad_input_names_its_field() -> None:
    for data, field in (
        ({"held_on": "3 December"}, "held_on"),
        ({"held_on": "2026-12-03", "with_parents": "perhaps"}, "with_parents"),
        ({"held_on": "2026-12-03", "attended": ["parents"]}, "attended"),
    ):
        assert refused(lambda d=data: parse(termly.ReviewHeldIn, d))[0] == field
    assert refused(lambda: parse(termly.ProcessEndIn, {"reason": "needs-met"}))[::2] == ("ended_on", "missing")


def test_a_process_ends_for_one_of_its_kinds_reasons(ctx) -> None:
    ended = termly.ProcessEndIn(ended_on=TODAY, reason="needs-met", note="targets met")
    assert termly.ended(ctx, ended, KEY_WORKER, kind="sen-support").request == ProcessEnded(
        ended_on=TODAY, reason="needs-met", by="teacher", note="targets met", recorded_by="cli:os:alice"
    )
    field, reason, code = refused(lambda: termly.ended(ctx, ended, KEY_WORKER, kind="pep-review"))
    assert (field, code) == ("reason", "unknown")
    assert reason == "'needs-met' is not a reason the PEP reviews end for (one of no-longer-looked-after, left-school)"
    unsaid = termly.ProcessEndIn(ended_on=TODAY)
    assert refused(lambda: termly.ended(ctx, unsaid, KEY_WORKER, kind="sen-support"))[::2] == ("reason", "missing")
    # a duty has one reason: it need not be given
    assert termly.ended(ctx, unsaid, KEY_WORKER, kind="school-duty").request.reason == "no-longer-tracked"
    future = termly.ProcessEndIn(ended_on=date(2026, 12, 4), reason="left-school")
    assert refused(lambda: termly.ended(ctx, future, KEY_WORKER, kind="pep-review"))[::2] == ("ended_on", "in_future")
    stranger = Actor("nobody")
    assert refused(lambda: termly.ended(ctx, ended, stranger, kind="sen-support"))[::2] == ("by", "unknown_staff")


def test_a_termly_review_is_never_a_step_done(ctx) -> None:
    for rule, command in (("sen-support-review", "sendclock support held"), ("pep-review", "sendclock pep held")):
        cmd = steps.StepDoneIn(rule_id=rule, done_on=TODAY)
        field, reason, code = refused(lambda c=cmd: steps.done(ctx, c, KEY_WORKER))
        assert (field, code) == ("rule_id", "not_open")
        assert command in reason and "Record the review as held" in reason


def test_the_kinds_and_reasons_are_the_registrys_and_the_workflows() -> None:
    from workflows.registry import PEP, SCHOOL_DUTY, SUPPORT
    from workflows.school_duty import ENDINGS as DUTY_ENDINGS

    assert (SUPPORT.kind, PEP.kind, SCHOOL_DUTY.kind) == (termly.SUPPORT, termly.PEP, termly.SCHOOL_DUTY)
    assert {SUPPORT.kind: SUPPORT.workflow.RULE, PEP.kind: PEP.workflow.RULE} == termly.REVIEW_RULES
    assert {kind: set(said) for kind, said in termly.ENDINGS.items()} == {
        SUPPORT.kind: set(SUPPORT.workflow.ENDINGS),
        PEP.kind: set(PEP.workflow.ENDINGS),
        SCHOOL_DUTY.kind: set(DUTY_ENDINGS),
    }
    assert set(steps.TERMLY_REVIEWS) == set(termly.REVIEW_RULES.values())
