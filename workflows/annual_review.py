"""The annual review of an EHC plan (Children and Families Act 2014 s44; SEND Regulations 2014 regs 18, 20-22).

    review due: annual-review-due, 12 months from the plan or the last review
    (in a transfer year also phase-transfer-review / post16-transfer-review)
      └─> the SENCO sets the meeting: at least two weeks' notice, or short notice recorded
            ├─> review-notice and review-advice-circulation, two weeks before it (moved with the meeting)
            └─> meeting held
                  ├─> review-report to everyone invited, within two weeks
                  └─> review-la-decision, the LA within four weeks (chased)
                        ├─ maintain
                        ├─ amend ──> draft-plan-representations (parent's 15 days) and amended-plan-final (8 weeks)
                        └─ cease ──> the plan ends, and so does this workflow
      next cycle: continue-as-new from the meeting date, carrying steps still open; one cycle per run keeps
      the history small for the life of the plan.
"""

from __future__ import annotations

from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.ids import ANNUAL_REVIEW
    from workflows.models import (
        MeetingDate,
        MeetingHeld,
        PlanCeased,
        ProcessState,
        ReviewDecision,
        ReviewInput,
        StepStatus,
    )
    from workflows.process import StatutoryProcess
    from workflows.step import today

DUE = "annual-review-due"
TRANSFER = {"phase": "phase-transfer-review", "post16": "post16-transfer-review"}
BEFORE_MEETING = ("review-notice", "review-advice-circulation")
NOTICE_DAYS = 14  # reg 20(3): at least two weeks' notice of the meeting


@workflow.defn(name="AnnualReview")
class AnnualReview(StatutoryProcess):
    KIND = ANNUAL_REVIEW
    BEGAN = "the plan was made or last reviewed"

    @workflow.init
    def __init__(self, input: ReviewInput) -> None:
        self.setup(input.header, input.options, input.carried_steps, input.facts, input.instances)
        self.input = input
        self.cycle = input.cycle

    @workflow.run
    async def run(self, input: ReviewInput) -> ProcessState:
        self.resume_steps()  # steps carried from the last run (this cycle's, or the last cycle's still open)
        if not self.facts.get("_opened"):
            await self._open_cycle()
        self.mark_opened()
        await self.wait_for(self._cycle_over)
        if self.facts.get("ceased_on"):
            await self.wait_for(lambda: all(step.closed for step in self.steps))
            return await self.finish(StepStatus.COMPLETED, f"plan ceased on {self.facts['ceased_on']}")
        await self._next_cycle()
        raise AssertionError("unreachable: continue-as-new ends the run")

    async def _open_cycle(self) -> None:
        i = self.input
        self.facts.update(_opened=True, cycle=self.cycle, invitees=[role.value for role in i.invitees],
                          preparing_for_adulthood=i.year_group is not None and i.year_group >= 9,
                          _instances_before=dict(self.instances))
        if i.year_group is not None:
            self.facts["year_group"] = i.year_group
        await self.record_process("review-cycle-opened", {k: v for k, v in self.facts.items() if not k.startswith("_")},
                                  key=f"cycle-{self.cycle}/opened")
        await self.open_step(DUE, self.header.received_on)
        if i.transfer_on is not None and i.transfer_kind is not None:
            self.facts["transfer_on"] = i.transfer_on.isoformat()
            await self.open_step(TRANSFER[i.transfer_kind], i.transfer_on)

    def _cycle_over(self) -> bool:
        return "decision" in self.facts

    async def _next_cycle(self) -> None:
        i = self.input
        anchor = date.fromisoformat(self.facts["held_on" if i.next_cycle_from == "meeting" else "decided_on"])
        await self.record_process("review-cycle-closed", {"cycle": self.cycle, "next_from": anchor.isoformat()},
                                  key=f"cycle-{self.cycle}/closed")
        await self.continue_as_new(ReviewInput(
            header=self.header.model_copy(update={"received_on": anchor}), options=self.options,
            carried_steps=[s.state for s in self.steps if not s.closed], cycle=self.cycle + 1,
            year_group=None if i.year_group is None else i.year_group + 1, invitees=i.invitees,
            next_cycle_from=i.next_cycle_from, instances=self.instances,
        ))

    def next_run_input(self) -> ReviewInput:
        """Continue-as-new inside a cycle (a long history): everything carries over as it is."""
        return self.input.model_copy(update={"carried_steps": [s.state for s in self.steps], "facts": self.facts,
                                             "instances": self.instances})

    # --- the SENCO's and the LA's moves ----------------------------------------------------------------------

    @workflow.update
    async def set_meeting(self, meeting: MeetingDate) -> ProcessState:
        moved = "meeting_on" in self.facts
        self.facts.update(meeting_on=meeting.meeting_on.isoformat(), short_notice=meeting.short_notice)
        stamp = workflow.now().isoformat()
        await self.record_process("meeting-rescheduled" if moved else "meeting-set",
                                  {"meeting_on": meeting.meeting_on.isoformat(), "short_notice": meeting.short_notice,
                                   "by": meeting.by, "note": meeting.note},
                                  key=f"cycle-{self.cycle}/meeting/{stamp}")
        for rule in BEFORE_MEETING:
            step = self._this_cycle(rule)
            if step is not None and not step.closed:
                await step.reschedule(meeting.meeting_on)
            else:  # never opened, or already done for the old date: a new notice is owed for the new one
                await self.open_step(rule, meeting.meeting_on)
        return self.process_state()

    @set_meeting.validator
    def _validate_meeting(self, meeting: MeetingDate) -> None:
        self._validate_before("held_on", "meeting_on", "this cycle's meeting was already held")
        notice = (meeting.meeting_on - today()).days
        if notice < 0:
            raise ValueError(f"meeting_on: {meeting.meeting_on} is in the past")
        if self.facts.get("meeting_on") == meeting.meeting_on.isoformat():
            raise ValueError(f"meeting_on: the meeting is already on {meeting.meeting_on}")
        if notice < NOTICE_DAYS and not meeting.short_notice:
            raise ValueError(f"meeting_on: {meeting.meeting_on} leaves {notice} days' notice; reg 20(3) requires at "
                             f"least two weeks: choose a later date, or confirm short notice")

    @workflow.update
    async def meeting_held(self, held: MeetingHeld) -> ProcessState:
        self.facts.update(held_on=held.held_on.isoformat(), attended=[role.value for role in held.attended])
        await self.record_process("meeting-held", {"held_on": held.held_on.isoformat(), "by": held.by,
                                                   "attended": self.facts["attended"], "note": held.note},
                                  key=f"cycle-{self.cycle}/held")
        due = self._this_cycle(DUE)
        if due is not None and not due.closed:
            await due.complete(held.held_on, actor=held.by, data={"evidence": "review meeting held"})
        await self.open_step("review-report", held.held_on)
        await self.open_step("review-la-decision", held.held_on)
        return self.process_state()

    @meeting_held.validator
    def _validate_held(self, held: MeetingHeld) -> None:
        if "meeting_on" not in self.facts:
            raise ValueError("held_on: no meeting date has been set for this cycle")
        self._validate_before("held_on", "held_on", "this cycle's meeting was already held")
        self.validate_date("held_on", held.held_on)

    @workflow.update
    async def la_decision(self, decision: ReviewDecision) -> ProcessState:
        evidence = {"evidence": decision.evidence, "decision": decision.decision}
        for rule in ("review-la-decision", *TRANSFER.values()):
            step = self._this_cycle(rule)
            if step is not None and not step.closed:
                await step.complete(decision.decided_on, actor=decision.by, data=evidence)
        if decision.decision == "amend":  # the amendment notice: the parent's 15 days, and the LA's 8 weeks
            await self.open_step("draft-plan-representations", decision.decided_on)
            await self.open_step("amended-plan-final", decision.decided_on)
        if decision.decision == "cease":
            self.facts["ceased_on"] = decision.decided_on.isoformat()
        await self.record_process("la-decision", {"decided_on": decision.decided_on.isoformat(), **evidence},
                                  key=f"cycle-{self.cycle}/decision")
        self.facts.update(decided_on=decision.decided_on.isoformat(), decision=decision.decision)  # ends the cycle
        return self.process_state()

    @la_decision.validator
    def _validate_decision(self, decision: ReviewDecision) -> None:
        if "held_on" not in self.facts:
            raise ValueError("decided_on: the review meeting has not been recorded as held")
        self._validate_before("decision", "decided_on", "the LA's decision is already recorded")
        self.validate_date("decided_on", decision.decided_on)
        if decision.decided_on < date.fromisoformat(self.facts["held_on"]):
            raise ValueError(f"decided_on: {decision.decided_on} is before the meeting ({self.facts['held_on']})")

    @workflow.update
    async def plan_ceased(self, ceased: PlanCeased) -> ProcessState:
        for step in [s for s in self.steps if not s.closed]:
            await step.cancel(ceased.ceased_on, actor=ceased.by, reason=f"plan ceased: {ceased.reason}")
        await self.record_process("plan-ceased", {"ceased_on": ceased.ceased_on.isoformat(), "reason": ceased.reason},
                                  key="plan-ceased")
        self.facts.update(ceased_on=ceased.ceased_on.isoformat(), decision="cease")
        return self.process_state()

    @plan_ceased.validator
    def _validate_ceased(self, ceased: PlanCeased) -> None:
        self._validate_before("ceased_on", "ceased_on", "the plan has already ceased")
        self.validate_date("ceased_on", ceased.ceased_on)
        if not ceased.reason:
            raise ValueError("reason: say why the plan ceased")

    # --- internals --------------------------------------------------------------------------------------------

    def _this_cycle(self, rule_id: str):
        """The latest step for a rule opened in this cycle (not one carried over from the last)."""
        step = self.find(rule_id)
        before = self.facts.get("_instances_before", {}).get(rule_id, 0)
        return step if step is not None and step.state.instance > before else None

    def _validate_before(self, fact: str, field: str, message: str) -> None:
        if self.facts.get("ceased_on"):
            raise ValueError(f"{field}: the plan has ceased")
        if fact in self.facts:
            raise ValueError(f"{field}: {message}")
