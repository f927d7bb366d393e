"""The EHC advice request: the LA asked the school for advice; it must be sent within six weeks (reg 8(1)).

request received ──> advice due (rule ehc-advice) ──> reminders before the target ──> advice sent: on time / late
                          │                                 │
                          │                                 └─> overdue: escalate to the SENCO, then weekly
                          ├─> exemption (reg 8(2)(a)-(c)): "as soon as practicable" nudges
                          └─> LA withdraws the request

beside it, when the LA's assessment request date is known: the LA's own clock (regs 5, 10, 13) ──> its 6- and
16-week dates shown, the 20-week final plan (rule ehc-final-plan) chased until the SENCO records it or cancels it
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, cast

from temporalio import workflow

if TYPE_CHECKING:
    from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    import workflows.search_attributes as sa
    from workflows.models import (
        AdviceRunInput,
        AdviceSent,
        AdviceState,
        Exemption,
        PlanStepInput,
        ProcessHeader,
        ProcessRecord,
        RecordInput,
        StepOutcome,
        StepState,
        StepStatus,
        Withdrawal,
    )
    from workflows.process import StatutoryProcess
    from workflows.step import StatutoryStep, plan_step, record, today, with_recorded_by

RULE = "ehc-advice"
# The LA's own clock from the assessment request: shown (decision, no-plan notice) and chased (the final plan).
LA_SHOWN = ("ehc-assessment-decision", "ehc-no-plan-notice")
LA_CHASED = "ehc-final-plan"
LA_CLOCK_PATCH = "ehc-advice-la-clock"


@workflow.defn(name="EhcAdviceRequest")
class EhcAdviceRequest(StatutoryProcess):
    KIND = "ehc-advice-request"  # the process registry's kind (workflows/registry.py)

    @workflow.init
    def __init__(self, input: AdviceRunInput) -> None:
        self.request = r = input.request
        self.setup(
            ProcessHeader(
                case_ref=r.case_ref,
                la=r.la,
                received_on=r.received_on,
                channel=r.channel,
                owner=r.owner,
                escalate_to=r.escalate_to,
                initials=r.initials,
            ),
            input.options,
            input.carried_la_steps,
            input.facts,
        )
        self.step = StatutoryStep(
            self.identity,
            input.carried
            or StepState(
                rule_id=RULE,
                owner=r.owner,
                escalate_to=r.escalate_to,
                anchor=r.received_on,
                promised_from=r.requested_on,
            ),
            input.options,
        )
        self.steps.append(self.step)

    @workflow.run
    async def run(self, input: AdviceRunInput) -> StepOutcome:
        if input.carried is None:
            await self._record_process(
                "request-received",
                data={"received_on": self.request.received_on.isoformat(), "channel": self.request.channel.value},
            )
        await self.step.open()
        la_clock = self.request.assessment_requested_on is not None and workflow.patched(LA_CLOCK_PATCH)
        if la_clock:
            await self._open_la_clock()
        self.mark_opened()
        self._publish()
        if await self.step.run() == "continue-as-new":
            if la_clock:
                await self.continue_as_new()
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(
                AdviceRunInput(request=self.request, options=self.options, carried=self.step.state)
            )
        if la_clock:  # the advice is done; the LA's final plan is still chased until recorded or cancelled
            await self._record_process("advice-closed", data={"status": self.step.state.status.value})
            await self.wait_for(lambda: all(s.closed for s in self._la_steps()))
            self._yielding = True
            await asyncio.gather(*self._loops)
        await workflow.wait_condition(workflow.all_handlers_finished)
        self.status = self.step.state.status
        await self._record_process("process-closed", data={"status": self.step.state.status.value})
        self._publish()
        return self.step.outcome()

    # --- the LA's clock ----------------------------------------------------------------------------------------

    async def _open_la_clock(self) -> None:
        """Plan the LA's dates from its assessment request (an activity: history records what the rule book said)."""
        if self._la_steps():  # carried over from the previous run: restart their reminder loops
            self._loops += [
                asyncio.create_task(s.run(lambda: self._yielding)) for s in self._la_steps() if not s.closed
            ]
            self.watch_chases()
            return
        anchor = cast(date, self.request.assessment_requested_on)  # run() opens the LA's clock only when there is one
        shown = []
        for rule_id in LA_SHOWN:
            plan = await plan_step(
                PlanStepInput(
                    rule_id=rule_id,
                    anchor=anchor,
                    owner=self.header.escalate_to,
                    escalate_to=self.header.escalate_to,
                    today=today(),
                )
            )
            shown.append(
                {"rule_id": rule_id, "title": plan.rule_title, "due": plan.due.isoformat(), "basis": plan.basis}
            )
        self.facts.update(assessment_requested_on=anchor.isoformat(), la_clock=shown)
        # Chasing the LA is the SENCO's job, whoever writes the advice.
        await self.open_step(LA_CHASED, anchor, owner=self.header.escalate_to)

    def _la_steps(self) -> list[StatutoryStep]:
        return [s for s in self.steps if s is not self.step]

    def next_run_input(self) -> AdviceRunInput:
        return AdviceRunInput(
            request=self.request,
            options=self.options,
            carried=self.step.state,
            carried_la_steps=[s.state for s in self._la_steps()],
            facts=self.facts,
        )

    # --- queries and updates ----------------------------------------------------------------------------------

    @workflow.query
    def state(self) -> AdviceState:
        la_steps = self._la_steps()
        return AdviceState(
            workflow_id=workflow.info().workflow_id,
            request=self.request,
            status=self.step.state.status,
            step=self.step.state,
            closed=self.step.closed and all(s.closed for s in la_steps),
            la_steps=[s.state for s in la_steps],
            facts=self.facts,
            start_update_id=self.start_update_id,
        )

    @workflow.update
    async def opened(self) -> AdviceState:
        """Returns once the step is planned: the starter's update-with-start waits on it for the dates."""
        self.note_start_update()
        # With the LA's clock, its steps too (a request without it answers as soon as its own step is planned).
        with_la_clock = self.request.assessment_requested_on is not None
        await workflow.wait_condition(lambda: self.step.planned and (self._opened or not with_la_clock))
        return self.state()

    @workflow.update
    async def advice_sent(self, sent: AdviceSent) -> AdviceState:
        await self.step.complete(
            sent.sent_on,
            actor=sent.by,
            data=with_recorded_by({"method": sent.method.value, "note": sent.note}, sent.recorded_by),
        )
        return self.state()

    @advice_sent.validator
    def _validate_advice_sent(self, sent: AdviceSent) -> None:
        self.step.validate_change()
        self.validate_date("sent_on", sent.sent_on)

    @workflow.update
    async def record_exemption(self, exemption: Exemption) -> AdviceState:
        await self.step.exempt(exemption)
        return self.state()

    @record_exemption.validator
    def _validate_exemption(self, exemption: Exemption) -> None:
        self.validate_exemption(self.step, exemption)

    @workflow.update
    async def withdraw(self, withdrawal: Withdrawal) -> AdviceState:
        await self.step.withdraw(
            withdrawal.withdrawn_on, actor=withdrawal.by, reason=withdrawal.reason, recorded_by=withdrawal.recorded_by
        )
        return self.state()

    @withdraw.validator
    def _validate_withdrawal(self, withdrawal: Withdrawal) -> None:
        self.step.validate_change()
        self.validate_date("withdrawn_on", withdrawal.withdrawn_on)

    # --- internals --------------------------------------------------------------------------------------------

    async def _record_process(self, kind: str, data: dict[str, Any]) -> None:
        status = self.step.state.status
        await record(
            RecordInput(
                key=f"{workflow.info().workflow_id}/{kind}",
                workflow_id=workflow.info().workflow_id,
                kind=kind,
                occurred_at=workflow.now(),
                data=data,
                process=ProcessRecord(
                    kind=self.KIND,
                    case_ref=self.request.case_ref,
                    la=self.request.la,
                    owner=self.request.owner,
                    status=status,
                    received_on=self.request.received_on,
                    channel=self.request.channel,
                    facts=self.facts,
                    closed=self.step.closed and all(s.closed for s in self._la_steps()),
                    outcome=self._outcome_text() if self.step.closed else None,
                ),
            )
        )

    def _outcome_text(self) -> str:
        s = self.step.state
        if s.status == StepStatus.WITHDRAWN:
            return "withdrawn by the LA"
        suffix = " (exemption recorded)" if s.exemption else ""
        return ("sent on time" if s.on_time else f"sent {s.days_late} day(s) late") + suffix

    def _publish(self) -> None:
        """Keep the opaque search attributes current, so the Temporal UI can filter by status and due date."""
        if self._la_steps():
            return self.publish()  # every open step, the LA's included
        updates: list[SearchAttributeUpdate[Any]] = [sa.STATUS.value_set(self.step.state.status.value)]
        if self.step.planned:
            due = self.step.outcome().due
            updates.append(sa.DUE.value_set(datetime.combine(due, time(), tzinfo=UTC)))
        workflow.upsert_search_attributes(updates + self.school_attribute())  # SendclockSchool, once, if missing
