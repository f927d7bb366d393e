"""The draft plan consultation: the LA sends the school a draft EHC plan, or consults it on being named.

draft / consultation received ─┬─> the school's views (naming-consultation, 15 days) ──> views sent
                               └─> the parent's window (draft-plan-representations, 15 days from service),
                                   tracked beside it; it closes by itself on its last day
"""

from __future__ import annotations

from typing import cast

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.models import DraftConsultationInput, ProcessState, StepStatus
    from workflows.process import StatutoryProcess
    from workflows.step import StatutoryStep

SCHOOL = "naming-consultation"
PARENT = "draft-plan-representations"


@workflow.defn(name="DraftPlanConsultation")
class DraftPlanConsultation(StatutoryProcess):
    KIND = "draft-plan-consultation"  # the process registry's kind (workflows/registry.py)
    BEGAN = "the consultation was received"

    @workflow.init
    def __init__(self, input: DraftConsultationInput) -> None:
        self.setup(input.header, input.options, input.carried_steps, input.facts)
        self.served_on = input.served_on or input.header.received_on

    @workflow.run
    async def run(self, input: DraftConsultationInput) -> ProcessState:
        if input.carried_steps:
            self.resume_steps()
        else:
            self.facts["served_on"] = self.served_on.isoformat()
            await self.record_process(
                "consultation-received",
                {"received_on": self.header.received_on.isoformat(), "served_on": self.served_on.isoformat()},
            )
            await self.open_step(SCHOOL, self.header.received_on)
            await self.open_step(PARENT, self.served_on)
            self.mark_opened()
        await self.wait_for(lambda: all(step.closed for step in self.steps))
        school = cast(StatutoryStep, self.find(SCHOOL)).state  # opened first (or carried over)
        if school.status == StepStatus.COMPLETED:
            outcome = "views sent on time" if school.on_time else f"views sent {school.days_late} day(s) late"
        else:
            outcome = f"school's response {school.status.value}"
        return await self.finish(school.status, outcome)

    def next_run_input(self) -> DraftConsultationInput:
        return DraftConsultationInput(
            header=self.header,
            options=self.options,
            facts=self.facts,
            carried_steps=[s.state for s in self.steps],
            served_on=self.served_on,
        )
