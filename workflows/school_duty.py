"""A school duty, year after year: the SEN information report, the SEND policy review, the annual report to parents
(rule book, "School commitments").

    last done (header.received_on; header.case_ref is the duty's rule id in capitals)
      └─> this year's step: sen-information-report / send-policy-review (12 months from the last time, C4), or
          annual-progress-report (the last school day of the summer term, T2)
            ├─ done (complete_step, with its evidence: the report's address once published, the minutes' reference)
            │    ──> a new run (continue-as-new) opens next year's step: 12 months from the day it was done, or the
            │        next school year's summer term
            ├─ cancelled (not needed this year) ──> next year's step all the same
            └─ ended (end_process): the school stops tracking the duty ──> the process ends

One run a year keeps the history small for as long as the school runs sendclock.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.models import ProcessEnded, ProcessState, SchoolDutyInput, StepPlan, StepStatus
    from workflows.process import StatutoryProcess
    from workflows.refusal import refusal
    from workflows.step import StatutoryStep, with_recorded_by

# How the process's end is said, by reason (end_process).
ENDINGS = {"no-longer-tracked": "the school no longer tracks this duty in sendclock"}
# Duties dated by the school year (T2): next year's step is anchored on the next school year's first day.
BY_SCHOOL_YEAR = ("annual-progress-report",)


@workflow.defn(name="SchoolDuty")
class SchoolDuty(StatutoryProcess):
    KIND = "school-duty"  # the process registry's kind (workflows/registry.py)
    BEGAN = "the duty was last done"

    @workflow.init
    def __init__(self, input: SchoolDutyInput) -> None:
        self.setup(input.header, input.options, input.carried_steps, input.facts, input.instances)
        self.duty = input.header.case_ref.lower()  # workflows.models.duty_case_ref
        self.ended: ProcessEnded | None = None
        self.end_recorded = False

    @workflow.run
    async def run(self, input: SchoolDutyInput) -> ProcessState:
        if input.carried_steps:
            self.resume_steps()
        else:
            anchor = input.anchor or self.header.received_on
            if input.anchor is None:
                await self.record_process("duty-set", {"last_done_on": anchor.isoformat()})
            await self.open_step(self.duty, anchor)
        self.mark_opened()

        step = cast(StatutoryStep, self.find(self.duty))
        await self.wait_for(lambda: step.closed or self.ended is not None)
        if self.ended is not None:
            return await self._end(self.ended)
        await self.continue_as_new(self._next_year(step))
        raise AssertionError("unreachable: continue_as_new does not return")  # pragma: no cover

    def _next_year(self, step: StatutoryStep) -> SchoolDutyInput:
        """Next year's run: its step counts from the day this one was done (or, cancelled, from its due date), or,
        for a duty of the school year, from the next school year's first day."""
        plan = cast(StepPlan, step.state.plan)  # a closed step was planned
        done = step.state.completed_on if step.state.status == StepStatus.COMPLETED else None
        if self.duty in BY_SCHOOL_YEAR:
            anchor = date(plan.due.year if plan.due.month < 9 else plan.due.year + 1, 9, 1)
        else:
            anchor = done or plan.due + timedelta(days=1)
        self.facts.update(last_done_on=done.isoformat() if done else self.facts.get("last_done_on"))
        return SchoolDutyInput(
            header=self.header,
            options=self.options,
            facts=self.facts,
            instances=self.instances,
            anchor=anchor,
        )

    def next_run_input(self) -> SchoolDutyInput:
        return SchoolDutyInput(
            header=self.header,
            options=self.options,
            carried_steps=[s.state for s in self.steps],
            facts=self.facts,
            instances=self.instances,
        )

    async def _end(self, ended: ProcessEnded) -> ProcessState:
        for step in [s for s in self.steps if s.accepting_changes]:
            await step.cancel(
                ended.ended_on, actor=ended.by, reason=ENDINGS[ended.reason], recorded_by=ended.recorded_by
            )
        await self.record_process(
            "process-ended",
            with_recorded_by(
                {"ended_on": ended.ended_on.isoformat(), "reason": ended.reason, "by": ended.by, "note": ended.note},
                ended.recorded_by,
            ),
        )
        self.end_recorded = True
        return await self.finish(StepStatus.COMPLETED, ENDINGS[ended.reason])

    @workflow.update
    async def end_process(self, ended: ProcessEnded) -> ProcessState:
        """Returns once the end is recorded and every open step cancelled; the run then closes (finish waits for this
        handler to return, so it cannot wait for the close itself)."""
        self.ended = ended
        await workflow.wait_condition(lambda: self.end_recorded)
        return self.process_state().model_copy(update={"status": StepStatus.COMPLETED, "closed": True})

    @end_process.validator
    def _validate_end(self, ended: ProcessEnded) -> None:
        if self.status != StepStatus.OPEN or self.ended is not None or self._yielding:
            raise refusal(None, "the duty's year is closing: try again in a minute", "not_open")
        if ended.reason not in ENDINGS:
            raise refusal("reason", f"not a reason a duty ends for (one of {', '.join(ENDINGS)})", "unknown")
        self.validate_date("ended_on", ended.ended_on)
