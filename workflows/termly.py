"""Termly reviews: the SEN support cycle and a looked-after pupil's PEP reviews (rule book, "School commitments").

    placed on SEN support / PEP reviews began (header.received_on)
      └─> the review of that term (sen-support-review / pep-review): due by the term's last school day
            ├─ review held (review_held) ──> on time / late; the next term's review opens when that term begins
            ├─ the term ends with no review: overdue, escalated; the next term's review opens all the same
            │    (the late one stays open until it is recorded held, or cancelled)
            └─ ended (end_process): needs met, left the school, an EHC needs assessment, an EHC plan (SEN support);
                 no longer looked after, left the school (PEP) ──> the process ends; its open reviews are cancelled
                 (one already late counts as missed in the termly figures)
    each school year: a new run (continue-as-new), carrying the open reviews

The terms come from an activity (the school's term dates, recorded in history). The school's own commitments are
guidance and policy, not a time limit in law, and their explanations say so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.activity_names as activity_names
    from statutory.clock import fmt
    from workflows.calls import call
    from workflows.models import (
        ProcessEnded,
        ProcessState,
        ReviewHeld,
        StepDone,
        StepStatus,
        TermInfo,
        TermlyInput,
        TermRequest,
    )
    from workflows.process import StatutoryProcess
    from workflows.refusal import refusal
    from workflows.step import PLAN_OPTIONS, with_recorded_by


async def term_info(request: TermRequest) -> TermInfo:
    """The school's term for a date, from an activity: history records the term dates it used."""
    return await call(activity_names.SCHOOL_TERM, request, result_type=TermInfo, **PLAN_OPTIONS)


class TermlyReviews(StatutoryProcess):
    """One review a term, for as long as the process runs. A subclass names its rule, how it ends and what it asks."""

    RULE: ClassVar[str]
    ENDINGS: ClassVar[dict[str, str]]  # reason -> how the record says it ("the pupil's needs are met")
    ASKS_PARENTS: ClassVar[bool] = False  # a review with the parents: say whether they took part, and if not why
    WITH_ANNUAL_REVIEW: ClassVar[bool] = False  # the step says when an annual review falls in the same term

    def setup_termly(self, input: TermlyInput) -> None:
        """Call from the workflow's @workflow.init."""
        self.setup(input.header, input.options, input.carried_steps, input.facts, input.instances)
        self.info: TermInfo | None = input.term
        self.ended: ProcessEnded | None = None
        self.end_recorded = False

    async def run_terms(self, input: TermlyInput) -> ProcessState:
        """The flowchart above: the workflow's @workflow.run (Temporal wants it declared on the workflow class)."""
        if input.term is None:
            await self.record_process("began", {"began_on": self.header.received_on.isoformat()})
            self.info = await term_info(self._term_request(self.header.received_on))
        else:
            self.resume_steps()
        info = self.info
        assert info is not None
        if input.opening:
            await self._open_term(info, max(self.header.received_on, info.term.start))
        self.mark_opened()

        while True:
            await self._until_next_term(info)
            if self.ended is not None:
                return await self._end(self.ended)
            following = await term_info(self._term_request(info.next.start))
            if following.term.school_year != info.term.school_year:  # a new run each school year
                await self.continue_as_new(self._next_input(following, opening=True))
            self.info = info = following
            await self._open_term(info, info.term.start)

    def _term_request(self, on: Any) -> TermRequest:
        return TermRequest(on=on, case_ref=self.header.case_ref if self.WITH_ANNUAL_REVIEW else None)

    async def _open_term(self, info: TermInfo, anchor: Any) -> None:
        self.facts["term"] = info.term.title
        if self.WITH_ANNUAL_REVIEW and info.annual_review_due is not None:
            self.facts["annual_review_this_term"] = info.annual_review_due.isoformat()
            await self.record_process(
                "annual-review-this-term",
                {"term": info.term.title, "annual_review_due": info.annual_review_due.isoformat()},
                key=f"annual-review-this-term/{info.term.start.isoformat()}",
            )
        else:
            self.facts.pop("annual_review_this_term", None)
        await self.open_step(self.RULE, anchor)

    async def _until_next_term(self, info: TermInfo) -> None:
        """Wait for the next term to begin, or the process to end; continue as new meanwhile if history grows long."""
        while self.ended is None:
            wait = info.next_opens_at - workflow.now()
            if wait <= timedelta(0):
                return
            try:
                await workflow.wait_condition(
                    lambda: self.ended is not None or workflow.info().is_continue_as_new_suggested(), timeout=wait
                )
            except TimeoutError:
                return
            if self.ended is None:
                await self.continue_as_new(self._next_input(info, opening=False))

    async def _end(self, ended: ProcessEnded) -> ProcessState:
        why = self.ENDINGS[ended.reason]
        for step in [s for s in self.steps if s.accepting_changes]:
            await step.cancel(ended.ended_on, actor=ended.by, reason=why, recorded_by=ended.recorded_by)
        self.facts.update(ended_on=ended.ended_on.isoformat(), ended_because=ended.reason)
        await self.record_process(
            "process-ended",
            with_recorded_by(
                {"ended_on": ended.ended_on.isoformat(), "reason": ended.reason, "by": ended.by, "note": ended.note},
                ended.recorded_by,
            ),
        )
        self.end_recorded = True
        return await self.finish(StepStatus.COMPLETED, why)

    def next_run_input(self) -> TermlyInput:
        return self._next_input(self.info, opening=False)

    def _next_input(self, info: TermInfo | None, *, opening: bool) -> TermlyInput:
        return TermlyInput(
            header=self.header,
            options=self.options,
            carried_steps=[s.state for s in self.steps if not s.closed],  # a closed review is in the record already
            facts=self.facts,
            instances=self.instances,
            term=info,
            opening=opening,
        )

    # --- the review held, the process ended ---------------------------------------------------------------------

    @workflow.update
    async def review_held(self, held: ReviewHeld) -> ProcessState:
        step = self._open_step(self.RULE)  # the oldest open review: a late one is recorded against its own term
        data: dict[str, Any] = {
            "with_parents": held.with_parents,
            "why_not": held.why_not,
            "with_annual_review": held.with_annual_review,
            "evidence": held.evidence,
        }
        if held.next_review_on is not None:
            data["next_review_on"] = held.next_review_on.isoformat()
            self.facts["next_review_on"] = held.next_review_on.isoformat()
        self.facts["last_review_on"] = held.held_on.isoformat()
        self.facts["reviews_held"] = int(self.facts.get("reviews_held", 0)) + 1
        if held.with_parents:
            self.facts["reviews_with_parents"] = int(self.facts.get("reviews_with_parents", 0)) + 1
        await step.complete(held.held_on, actor=held.by, data=with_recorded_by(data, held.recorded_by))
        return self.process_state()

    @review_held.validator
    def _validate_held(self, held: ReviewHeld) -> None:
        step = self._open_step(self.RULE)
        step.validate_change()
        self.validate_date("held_on", held.held_on)
        if self.ASKS_PARENTS:
            if held.with_parents is None:
                raise refusal("with_parents", "say whether the parents took part in the review", "missing")
            if not held.with_parents and not held.why_not:
                raise refusal("why_not", "say why the parents did not take part", "missing")
        if held.with_annual_review and not self.WITH_ANNUAL_REVIEW:
            raise refusal("with_annual_review", "only a PEP review is held with the annual review", "not_open")
        if held.next_review_on is not None and held.next_review_on <= held.held_on:
            raise refusal(
                "next_review_on",
                f"{fmt(held.next_review_on)} is not after the review ({fmt(held.held_on)})",
                "before_received",
            )

    @workflow.update
    async def end_process(self, ended: ProcessEnded) -> ProcessState:
        """Returns once the end is recorded and every open step cancelled; the run then closes (finish waits for this
        handler to return, so it cannot wait for the close itself)."""
        self.ended = ended
        await workflow.wait_condition(lambda: self.end_recorded)
        return self.process_state().model_copy(update={"status": StepStatus.COMPLETED, "closed": True})

    @end_process.validator
    def _validate_end(self, ended: ProcessEnded) -> None:
        if self.status != StepStatus.OPEN or self.ended is not None:
            raise refusal(None, "the process has already ended", "not_open")
        if self._yielding:
            raise refusal(None, "the process is moving to its next run: try again in a minute", "not_open")
        if ended.reason not in self.ENDINGS:
            raise refusal("reason", f"not a reason this process ends for (one of {', '.join(self.ENDINGS)})", "unknown")
        self.validate_date("ended_on", ended.ended_on)

    # The generic "done" would not say whether the parents took part: a review is recorded with review_held. See
    # workflows/reassessment.py for why the override is typed by hand.
    @workflow.update
    async def complete_step(self, done: StepDone) -> ProcessState:  # type: ignore[override]
        raise AssertionError("refused by the validator")  # pragma: no cover

    @complete_step.validator
    def _validate_complete_here(self, done: StepDone) -> None:
        raise refusal("rule_id", "a review is recorded as held, with its date and who took part", "not_open")


@workflow.defn(name="SenSupportCycle")
class SenSupportCycle(TermlyReviews):
    KIND = "sen-support"  # the process registry's kind (workflows/registry.py)
    BEGAN = "the pupil was placed on SEN support"
    RULE = "sen-support-review"
    ASKS_PARENTS = True
    ENDINGS = {
        "needs-met": "the pupil's needs are met: no longer on SEN support",
        "left-school": "the pupil left the school",
        "ehc-assessment": "an EHC needs assessment was requested",
        "ehc-plan": "an EHC plan was made: its annual reviews take over",
    }

    @workflow.init
    def __init__(self, input: TermlyInput) -> None:
        self.setup_termly(input)

    @workflow.run
    async def run(self, input: TermlyInput) -> ProcessState:
        return await self.run_terms(input)


@workflow.defn(name="PepReviews")
class PepReviews(TermlyReviews):
    KIND = "pep-review"
    BEGAN = "the PEP reviews began"
    RULE = "pep-review"
    WITH_ANNUAL_REVIEW = True
    ENDINGS = {
        "no-longer-looked-after": "the pupil is no longer looked after",
        "left-school": "the pupil left the school",
    }

    @workflow.init
    def __init__(self, input: TermlyInput) -> None:
        self.setup_termly(input)

    @workflow.run
    async def run(self, input: TermlyInput) -> ProcessState:
        return await self.run_terms(input)
