"""The command layer (commands/) on its own: bad input becomes Problems naming the command's field with a short code,
before Temporal is contacted; "today" is the clock the command is given (a FixedClock here, no patching); the same
start gives the same workflow id."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path

import pytest

from commands import (
    Actor,
    Context,
    FixedClock,
    Problem,
    Refused,
    SchoolClock,
    advice,
    reassessment,
    review,
    start,
    steps,
)
from commands.errors import problems_of
from config.settings import Settings, StaffMember

TODAY = date(2027, 3, 10)
SENCO = Actor("senco", "web:alice")


class NotContacted:
    calls = 0

    async def __call__(self):
        NotContacted.calls += 1
        raise AssertionError("Temporal was contacted")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco", email="senco@example.org"),
            "ta": StaffMember(name="Sam Example (TA)", role="staff", email="ta@example.org"),
        },
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def ctx(settings: Settings, clock: FixedClock) -> Context:
    return Context(settings=settings, clock=clock, client=NotContacted())


def refused(call) -> Refused:
    with pytest.raises(Refused) as caught:
        call()
    assert NotContacted.calls == 0
    return caught.value


def only(err: Refused) -> tuple[str, str, str]:
    """The one problem of a refusal as (field, code, reason)."""
    assert len(err.problems) == 1, err.problems
    p = err.problems[0]
    return p.field, p.code, p.reason


ADVICE = {"case_ref": "EHC-1", "la": "Kent", "received_on": "2027-03-01", "owner": "senco"}


# --- starting ----------------------------------------------------------------------------------------------------


def test_a_start_in_the_future_is_refused_on_its_date_field(ctx) -> None:
    cmd = start.parse("ehc-advice-request", ADVICE | {"received_on": "2027-03-11"})
    field, code, reason = only(refused(lambda: start.prepare(ctx, "ehc-advice-request", cmd)))
    assert (field, code) == ("received_on", "in_future")
    assert reason == "Thu 11 Mar 2027 is in the future (today is Wed 10 Mar 2027)"


def test_each_kind_names_its_own_date_field(ctx) -> None:
    review_cmd = start.parse("annual-review", {"case_ref": "EHC-1", "la": "Kent", "plan_date": "2027-04-01"})
    assert only(refused(lambda: start.prepare(ctx, "annual-review", review_cmd)))[:2] == ("plan_date", "in_future")
    changed = start.parse(
        "reassessment",
        {
            "case_ref": "EHC-1",
            "la": "Kent",
            "needs_changed_on": "2027-04-01",
            "last_assessment_on": "2026-01-05",
            "owner": "senco",
        },
    )
    assert only(refused(lambda: start.prepare(ctx, "reassessment", changed)))[:2] == ("needs_changed_on", "in_future")


def test_unknown_staff_is_refused_on_the_owner(ctx) -> None:
    cmd = start.parse("draft-plan-consultation", ADVICE | {"owner": "nobody"})
    field, code, reason = only(refused(lambda: start.prepare(ctx, "draft-plan-consultation", cmd)))
    assert (field, code) == ("owner", "unknown_staff")
    assert reason.startswith("no staff member with id 'nobody' (known: ") and "senco" in reason


def test_a_date_no_rule_was_in_force_on_says_so_before_the_model(ctx) -> None:
    err = refused(lambda: start.parse("ehc-advice-request", ADVICE | {"received_on": date(2012, 1, 5)}))
    field, code, reason = only(err)
    assert (field, code) == ("received_on", "not_in_force") and "not in force" in reason


def test_dates_in_the_wrong_order(ctx) -> None:
    draft = start.parse("draft-plan-consultation", ADVICE | {"received_on": "2027-03-05", "served_on": "2027-03-01"})
    assert only(refused(lambda: start.prepare(ctx, "draft-plan-consultation", draft))) == (
        "served_on",
        "before_received",
        "Mon 1 Mar 2027 is before the date received (Fri 5 Mar 2027)",
    )
    backwards = start.parse(
        "reassessment",
        {
            "case_ref": "EHC-1",
            "la": "Kent",
            "needs_changed_on": "2027-03-01",
            "last_assessment_on": "2027-03-05",
            "owner": "senco",
        },
    )
    field, code, reason = only(refused(lambda: start.prepare(ctx, "reassessment", backwards)))
    assert (field, code) == ("last_assessment_on", "before_received") and "the last assessment comes first" in reason
    letter = start.parse("ehc-advice-request", ADVICE | {"requested_on": "2027-03-02"})
    field, code, reason = only(refused(lambda: start.prepare(ctx, "ehc-advice-request", letter)))
    assert field == "requested_on" and "is after the date the request was received (Mon 1 Mar 2027)" in reason


def test_the_models_own_checks_are_problems_too(ctx) -> None:
    err = refused(
        lambda: start.parse(
            "ehc-advice-request", {"case_ref": "Jane Smith", "la": "Kent", "received_on": "yesterday", "extra": 1}
        )
    )
    by_field = {p.field: p.code for p in err.problems}
    assert by_field == {"case_ref": "invalid", "received_on": "invalid", "owner": "missing", "extra": "unknown_field"}
    assert err.status == 422
    pair = start.parse(
        "annual-review", {"case_ref": "EHC-1", "la": "Kent", "plan_date": "2027-03-01", "transfer_on": "2027-09-01"}
    )
    field, _, reason = only(refused(lambda: start.prepare(ctx, "annual-review", pair)))
    assert field == "transfer_kind" and reason.startswith("give both")  # a whole-model check names its field


def test_an_unknown_kind_is_a_404(ctx) -> None:
    err = refused(lambda: start.parse("no-such-process", ADVICE))
    assert err.status == 404 and err.first.code == "not_found"


def test_the_same_start_gives_the_same_workflow_id(ctx) -> None:
    """What makes a start idempotent: the registry's id of the case and the date it began (the review: the case)."""
    first = start.prepare(ctx, "ehc-advice-request", start.parse("ehc-advice-request", ADVICE))
    again = start.prepare(ctx, "ehc-advice-request", start.parse("ehc-advice-request", dict(ADVICE)))
    assert first.workflow_id == again.workflow_id == "ehc-advice-request-EHC-1-20270301"
    reviews = [
        start.prepare(
            ctx,
            "annual-review",
            start.parse("annual-review", {"case_ref": "EHC-1", "la": "Kent", "plan_date": plan_date}),
        )
        for plan_date in ("2026-03-01", "2027-03-01")
    ]
    assert {r.workflow_id for r in reviews} == {"annual-review-EHC-1"}
    assert first.kind.workflow.__name__ == "EhcAdviceRequest"


async def test_a_duplicate_start_is_reported_as_already_there(ctx, monkeypatch) -> None:
    """The starter answers whether it created the process; the command passes it on, with the registry's id."""
    import starter.processes
    from starter.processes import StartedProcess

    answers = iter([True, False])

    async def fake_start(client, settings, run, run_input, workflow_id, kind):
        return StartedProcess(state=run_input, created=next(answers))

    async def client():
        return object()

    monkeypatch.setattr(starter.processes, "start_process", fake_start)
    ctx = Context(settings=ctx.settings, clock=ctx.clock, client=client)
    cmd = start.parse("draft-plan-consultation", ADVICE)
    first, second = [await start.start(ctx, "draft-plan-consultation", cmd) for _ in range(2)]
    assert (first.created, second.created) == (True, False)
    assert first.workflow_id == second.workflow_id == "draft-plan-consultation-EHC-1-20270301"


# --- changes -----------------------------------------------------------------------------------------------------


def test_step_changes_are_checked_before_temporal(ctx) -> None:
    done = steps.StepDoneIn(rule_id="no-such-rule", done_on=TODAY)
    field, code, reason = only(refused(lambda: steps.done(ctx, done, SENCO, open_rules=["ehc-advice"])))
    assert (field, code) == ("rule_id", "unknown_rule") and "open steps here: ehc-advice" in reason
    late = steps.StepDoneIn(rule_id="ehc-advice", done_on=TODAY + timedelta(days=1))
    assert only(refused(lambda: steps.done(ctx, late, SENCO)))[:2] == ("done_on", "in_future")
    assert only(
        refused(lambda: steps.done(ctx, steps.StepDoneIn(rule_id="ehc-advice", done_on=TODAY), Actor("nobody")))
    )[:2] == ("by", "unknown_staff")
    nobody = steps.ReassignmentIn(rule_id="ehc-advice", owner="nobody")
    assert only(refused(lambda: steps.reassign(ctx, nobody, SENCO)))[:2] == ("owner", "unknown_staff")
    silent = steps.CancellationIn(rule_id="review-notice", cancelled_on=TODAY)
    assert only(refused(lambda: steps.cancel(ctx, silent, SENCO))) == (
        "reason",
        "missing",
        "say why the step is cancelled",
    )
    decision = steps.StepDoneIn(rule_id="reassessment-decision", done_on=TODAY)
    field, code, reason = only(refused(lambda: steps.done(ctx, decision, SENCO)))
    assert field == "rule_id" and "sendclock reassessment decided" in reason


def test_exemptions_need_a_ground_of_the_rule_and_dates_in_order(ctx) -> None:
    none = steps.ExemptionIn(rule_id="draft-plan-representations", ground="la-absence")
    assert only(refused(lambda: steps.exempt(ctx, none, SENCO))) == (
        "ground",
        "unknown_ground",
        "rule 'draft-plan-representations' has no exemption grounds",
    )
    backwards = steps.ExemptionIn(rule_id="ehc-advice", ground="reg8-2-a", start=TODAY, end=TODAY - timedelta(days=1))
    assert only(refused(lambda: steps.exempt(ctx, backwards, SENCO)))[:2] == ("end", "before_received")
    ok = steps.exempt(ctx, steps.ExemptionIn(rule_id="ehc-advice", ground="reg8-2-a", start=TODAY), SENCO)
    assert ok.request.exemption.claimed_by == "senco" and ok.request.exemption.recorded_by == "web:alice"
    assert (
        advice.exempt(
            ctx, steps.ExemptionIn(rule_id="ehc-advice", ground="reg8-2-a", start=TODAY), SENCO
        ).request.ground
        == "reg8-2-a"
    )


def test_review_moves_one_at_a_time(ctx) -> None:
    assert only(refused(lambda: review.appeal(ctx, review.AppealIn(), SENCO)))[:2] == ("lodged_on", "missing")
    assert only(refused(lambda: review.appeal(ctx, review.AppealIn(decided_on=TODAY), SENCO))) == (
        "outcome",
        "missing",
        "say how the appeal ended",
    )
    both = review.FinalPlanIn(issued_on=TODAY, names_setting="Northgate College", already_named=True)
    assert only(refused(lambda: review.final_plan(ctx, both, SENCO)))[0] == "names_setting"
    held = review.MeetingHeldIn(held_on=TODAY + timedelta(days=1))
    assert only(refused(lambda: review.held(ctx, held, SENCO)))[:2] == ("held_on", "in_future")
    sent = review.report_sent(ctx, review.ReportSentIn(done_on=TODAY), SENCO)
    assert sent.request.rule_id == "review-report"
    assert (
        reassessment.decided(
            ctx, reassessment.ReassessmentDecisionIn(decided_on=TODAY, decision="refused"), SENCO
        ).request.reassess
        is False
    )


# --- the clock -------------------------------------------------------------------------------------------------


def test_the_fixed_clock_decides_what_is_in_the_future(ctx, clock) -> None:
    tomorrow = advice.AdviceSentIn(sent_on=TODAY + timedelta(days=1))
    assert only(refused(lambda: advice.sent(ctx, tomorrow, SENCO)))[:2] == ("sent_on", "in_future")
    clock.set(TODAY + timedelta(days=1))
    assert advice.sent(ctx, tomorrow, SENCO).request.sent_on == TODAY + timedelta(days=1)
    assert clock.now().date() == TODAY + timedelta(days=1) and clock.now().tzinfo is not None


def test_the_school_clock_reads_the_schools_zone() -> None:
    from datetime import datetime

    class At(SchoolClock):
        def now(self):
            return datetime(2027, 3, 27, 23, 30, tzinfo=UTC)  # already the 28th in Auckland

    assert At("Europe/London").today() == date(2027, 3, 27)
    assert At("Pacific/Auckland").today() == date(2027, 3, 28)


# --- errors ------------------------------------------------------------------------------------------------------


def test_the_old_text_form_is_still_understood() -> None:
    assert Problem.from_text("la: this case already has a request") == Problem("la", "this case already has a request")
    assert Problem.from_text("step ehc-advice is already completed").field == "form"
    assert Problem.from_text("ground 'x' does not apply to rule 'y'; grounds: a").field == "form"
    err = Refused("by: no staff member with id 'nobody'")
    assert str(err) == "by: no staff member with id 'nobody'" and err.first.field == "by"
    assert err.renamed({"by": "form"}).first == Problem("form", "no staff member with id 'nobody'")


def test_a_workflows_refusal_becomes_a_problem_with_its_field_and_code() -> None:
    from temporalio.exceptions import ApplicationError

    from starter.requests import RequestError, refusal
    from workflows.refusal import refusal as workflow_refusal

    assert RequestError is Refused
    future = "Thu 11 Mar 2027 is in the future (today is Wed 10 Mar 2027)"
    sent = workflow_refusal("done_on", future, "in_future")
    assert isinstance(sent, ApplicationError) and sent.non_retryable and sent.type == "InvalidRequest"
    assert refusal(sent) == Problem("done_on", future, "in_future")
    old = ApplicationError("rule_id: no open step 'x' in this process (open: none)", type="ValueError")
    assert refusal(old) == Problem("rule_id", "no open step 'x' in this process (open: none)")


def test_pydantic_errors_are_problems_on_the_commands_fields() -> None:
    from pydantic import ValidationError

    from workflows.models import ProcessHeader

    with pytest.raises(ValidationError) as caught:
        ProcessHeader(case_ref="EHC-1", la="Kent", received_on="2027-13-01", owner="senco")
    [problem] = problems_of(caught.value, {"received_on": "plan_date"})
    assert problem.field == "plan_date" and problem.code == "invalid"
