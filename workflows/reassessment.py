"""Re-assessment of an EHC plan (SEND Regulations 2014 regs 24-27; SEND Code of Practice 9.186-9.192).

    needs changed significantly (header.received_on)
      └─> reassessment-earliest: six months after the last assessment (reg 24); a prompt on the day, then nudges
            ├─ cancelled ──> the process ends
            └─> request sent to the LA (complete_step); sent before that date: kept, and flagged
                (fact sent_before_earliest: the LA may refuse it as too soon)
                  └─> reassessment-decision: the LA decides within 15 days of receiving it (reg 25), chased
                        ├─ la_decided: refused ───> the process ends
                        ├─ cancelled ──> the process ends
                        └─ la_decided: re-assess
                              └─> reassessment-final: the final plan within 14 weeks of the notice (reg 27(2)),
                                  chased; exemptions reg 27(3)
                                    ├─ issued (complete_step) ──> on time / late
                                    └─ cancelled ──> the process ends

Each turn is resumable: after continue-as-new the run finds the steps already opened and carries on from there.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

from temporalio import workflow

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

with workflow.unsafe.imports_passed_through():
    from statutory.clock import fmt
    from workflows.models import LaDecision, ProcessState, ReassessmentInput, StepDone, StepPlan, StepState, StepStatus
    from workflows.process import StatutoryProcess
    from workflows.refusal import refusal
    from workflows.step import StatutoryStep, with_recorded_by

EARLIEST = "reassessment-earliest"
DECISION = "reassessment-decision"
FINAL = "reassessment-final"


@workflow.defn(name="Reassessment")
class Reassessment(StatutoryProcess):
    KIND = "reassessment"  # the process registry's kind (workflows/registry.py)
    BEGAN = "the needs were recorded as changed"

    @workflow.init
    def __init__(self, input: ReassessmentInput) -> None:
        self.setup(input.header, input.options, input.carried_steps, input.facts)
        self.last_assessment_on = input.last_assessment_on

    @workflow.run
    async def run(self, input: ReassessmentInput) -> ProcessState:
        if input.carried_steps:
            self.resume_steps()
        else:
            self.facts["last_assessment_on"] = self.last_assessment_on.isoformat()
            await self.record_process(
                "needs-changed",
                {
                    "needs_changed_on": self.header.received_on.isoformat(),
                    "last_assessment_on": self.last_assessment_on.isoformat(),
                },
            )
            await self.open_step(EARLIEST, self.last_assessment_on)
            self.mark_opened()

        earliest = await self._closed(EARLIEST)
        if earliest.status != StepStatus.COMPLETED:
            return await self.finish(StepStatus.CANCELLED, "cancelled before the request was sent")
        if self.find(DECISION) is None:
            await self._request_sent(earliest)
            await self.open_step(DECISION, cast(date, earliest.completed_on))  # a completed step has its date

        decision = await self._closed(DECISION)
        if decision.status != StepStatus.COMPLETED:
            return await self.finish(StepStatus.CANCELLED, "cancelled while the LA's decision was awaited")
        if self.facts["la_decision"] == "refused":
            return await self.finish(
                StepStatus.COMPLETED, f"LA decided not to re-assess ({_timing('decided', decision)})"
            )
        if self.find(FINAL) is None:
            await self.open_step(FINAL, cast(date, decision.completed_on))

        final = await self._closed(FINAL)
        if final.status != StepStatus.COMPLETED:
            return await self.finish(StepStatus.CANCELLED, "cancelled while the final plan was awaited")
        return await self.finish(StepStatus.COMPLETED, f"final plan {_timing('issued', final)}")

    async def _closed(self, rule_id: str) -> StepState:
        step = cast(StatutoryStep, self.find(rule_id))  # run() opened it (or carried it over) before waiting on it
        await self.wait_for(lambda: step.closed)
        return step.state

    async def _request_sent(self, earliest: StepState) -> None:
        sent_on, plan = cast(date, earliest.completed_on), cast(StepPlan, earliest.plan)  # completed, so planned
        too_soon = sent_on < plan.due  # reg 24: the LA may refuse it on that ground; kept, and flagged
        self.facts.update(request_sent_on=sent_on.isoformat(), sent_before_earliest=too_soon)
        await self.record_process(
            "request-sent",
            {"sent_on": sent_on.isoformat(), "sent_before_earliest": too_soon, "earliest": plan.due.isoformat()},
        )

    def next_run_input(self) -> ReassessmentInput:
        return ReassessmentInput(
            header=self.header,
            options=self.options,
            facts=self.facts,
            carried_steps=[s.state for s in self.steps],
            last_assessment_on=self.last_assessment_on,
        )

    # --- the LA's decision --------------------------------------------------------------------------------------

    @workflow.update
    async def la_decided(self, decision: LaDecision) -> ProcessState:
        outcome = "reassess" if decision.reassess else "refused"
        self.facts.update(la_decision=outcome, decided_on=decision.decided_on.isoformat())  # before the step closes
        step = cast(StatutoryStep, self.find(DECISION))  # checked by _validate_decided
        await step.complete(
            decision.decided_on,
            actor=decision.by,
            data=with_recorded_by({"decision": outcome, "evidence": decision.evidence}, decision.recorded_by),
        )
        await self.record_process(
            "la-decided",
            with_recorded_by(
                {
                    "decision": outcome,
                    "decided_on": decision.decided_on.isoformat(),
                    "by": decision.by,
                    "evidence": decision.evidence,
                },
                decision.recorded_by,
            ),
        )
        return self.process_state()

    @la_decided.validator
    def _validate_decided(self, decision: LaDecision) -> None:
        step = self.find(DECISION)
        if step is None:
            raise refusal("decided_on", "the request to re-assess has not been recorded as sent yet", "not_open")
        step.validate_change()
        self.validate_date("decided_on", decision.decided_on)
        self._not_before("decided_on", decision.decided_on, "request_sent_on", "the request was sent")

    # The generic "done" accepts every step but the decision, which must say whether the LA will re-assess.
    # temporalio types an update handler as a Protocol whose first parameter is the class it was defined in, so an
    # override (and a call through super()) does not type-check as a method: both are typed by hand.
    @workflow.update
    async def complete_step(self, done: StepDone) -> ProcessState:  # type: ignore[override]
        return await cast("Callable[[StepDone], Awaitable[ProcessState]]", super().complete_step)(done)

    @complete_step.validator
    def _validate_complete_here(self, done: StepDone) -> None:
        if done.rule_id == DECISION:
            raise refusal(
                "rule_id",
                f"{DECISION} is completed by recording the LA's decision (re-assess or not): use la_decided",
                "not_open",
            )
        self._validate_complete(done)
        if done.rule_id == FINAL:
            self._not_before("done_on", done.done_on, "decided_on", "the LA decided to re-assess")

    def _not_before(self, field: str, value: date, fact: str, event: str) -> None:
        if fact in self.facts and value < date.fromisoformat(self.facts[fact]):
            raise refusal(
                field,
                f"{fmt(value)} is before {event} ({fmt(date.fromisoformat(self.facts[fact]))})",
                "before_received",
            )


def _timing(verb: str, step: StepState) -> str:
    exempt = f"; exemption {step.exemption.ground}: as soon as practicable" if step.exemption else ""
    if step.on_time:
        return f"{verb} on time{exempt}"
    return f"{verb} {step.days_late} day(s) late{exempt}"
