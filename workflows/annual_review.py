"""The annual review of an EHC plan (Children and Families Act 2014 s44; SEND Regulations 2014 regs 18, 20-22).

    review due: annual-review-due, 12 months from the plan or the last review; met when the LA decides (the review
    is concluded then, Devon [2022]); the meeting is its evidence, so both "meeting" and "concluded" are reported
    in a transfer year also:
      ├─ the reg 18 step (phase-transfer-review | post16-transfer-review | post16-move-review), met only by the
      │  LA's final plan naming the new setting (final_plan), whatever the decision date; carried into the next
      │  cycle until then (a transfer on or before its date is allowed, and the starter warns)
      └─ phase-transfer-meeting-by: the latest meeting that leaves the LA its 4 + 8 weeks (met by the meeting)
      └─> the SENCO sets the meeting: at least 14 clear days' notice (the meeting 15 days away), or short notice
          recorded
            ├─> review-notice and review-advice-circulation, 14 clear days before it (moved with the meeting)
            └─> meeting held
                  ├─> review-report to everyone invited, within two weeks
                  └─> review-la-decision, the LA within four weeks (chased)
                        ├─ maintain
                        ├─ amend ──> draft-plan-representations (parent's 15 days) and amended-plan-final (8 weeks),
                        │            met by the final plan (final_plan, or the step done)
                        └─ cease ──> cease-appeal-window (2 months): the plan is maintained (CoP 9.208), and its
                                     reviews go on, until the window closes with no appeal, or an appeal ends
                                       └─ appeal lodged ──> decided: plan-maintained | cease-upheld | withdrawn
                                     plan_ceased is refused before then; the plan ends only when it is recorded
      next cycle: continue-as-new from the meeting date, carrying steps still open (and a pending cease and its
      appeal); one cycle per run keeps the history small for the life of the plan.

Processes that began a cycle before REVIEW_LAW_2026 finish that cycle as they began (the meeting met
annual-review-due, the decision met the reg 18 step, a decision to cease ended the plan); their next cycle follows
the law as above. tests/histories/ keeps recordings of both.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from statutory.clock import fmt
    from workflows.models import (
        AppealChange,
        FinalPlan,
        MeetingDate,
        MeetingHeld,
        PlanCeased,
        ProcessState,
        ReviewDecision,
        ReviewInput,
        StepStatus,
    )
    from workflows.process import StatutoryProcess
    from workflows.refusal import refusal
    from workflows.step import StatutoryStep, today, with_recorded_by

DUE = "annual-review-due"
TRANSFER = {"phase": "phase-transfer-review", "post16": "post16-transfer-review", "post16-move": "post16-move-review"}
MEETING_BY = "phase-transfer-meeting-by"
AMENDED_FINAL = "amended-plan-final"
CEASE_WINDOW = "cease-appeal-window"
BEFORE_MEETING = ("review-notice", "review-advice-circulation")
# reg 20(3): "at least two weeks' notice", read as 14 clear days (neither the day of notice nor the meeting counted):
# the meeting at least 15 days after today.
NOTICE_DAYS = 15
# The law of issue 18 (transfer years met by the final plan, a cease decision keeps the plan, the review concluded by
# the LA's decision): decided once per cycle, when the cycle opens, and kept in the run's facts.
REVIEW_LAW_2026 = "review-law-2026-12"
LAW_FACT = "_review_law_2026"
# Facts about the plan rather than the cycle: a pending cease and its appeal outlive the cycle that decided it.
PLAN_FACTS = ("cease_decided_on", "appeal_window_due", "appeal_lodged_on", "appeal_decided_on", "appeal_outcome")
COP_9_208 = "SEND Code of Practice 9.208"


@workflow.defn(name="AnnualReview")
class AnnualReview(StatutoryProcess):
    KIND = "annual-review"  # the process registry's kind (workflows/registry.py)
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
            if workflow.patched(REVIEW_LAW_2026):  # a cycle that began before it keeps its law to the end
                self.facts[LAW_FACT] = True
            await self._open_cycle()
        self.mark_opened()
        await self.wait_for(self._cycle_over)
        if self.facts.get("ceased_on"):
            await self.wait_for(lambda: all(step.closed for step in self.steps))
            return await self.finish(StepStatus.COMPLETED, f"plan ceased on {self.facts['ceased_on']}")
        await self._next_cycle()
        raise AssertionError("unreachable: continue-as-new ends the run")

    @property
    def _law_2026(self) -> bool:
        return bool(self.facts.get(LAW_FACT))

    async def _open_cycle(self) -> None:
        i = self.input
        self.facts.update(
            _opened=True,
            cycle=self.cycle,
            invitees=[role.value for role in i.invitees],
            preparing_for_adulthood=i.year_group is not None and i.year_group >= 9,
            _instances_before=dict(self.instances),
        )
        if i.year_group is not None:
            self.facts["year_group"] = i.year_group
        await self.record_process(
            "review-cycle-opened",
            {k: v for k, v in self.facts.items() if not k.startswith("_")},
            key=f"cycle-{self.cycle}/opened",
        )
        await self.open_step(DUE, self.header.received_on)
        if i.transfer_on is not None and i.transfer_kind is not None:
            self.facts["transfer_on"] = i.transfer_on.isoformat()
            reg18 = TRANSFER[i.transfer_kind]
            await self.open_step(reg18, i.transfer_on)
            if self._law_2026:  # the meeting planned back from the reg 18 date (or from the LA's own date)
                self.facts["transfer_kind"] = i.transfer_kind
                await self.open_step(MEETING_BY, i.transfer_on, derived_from=reg18)

    def _cycle_over(self) -> bool:
        return "decision" in self.facts

    async def _next_cycle(self) -> None:
        i = self.input
        anchor = date.fromisoformat(self.facts["held_on" if i.next_cycle_from == "meeting" else "decided_on"])
        await self.record_process(
            "review-cycle-closed",
            {"cycle": self.cycle, "next_from": anchor.isoformat()},
            key=f"cycle-{self.cycle}/closed",
        )
        await self.continue_as_new(
            ReviewInput(
                header=self.header.model_copy(update={"received_on": anchor}),
                options=self.options,
                carried_steps=[s.state for s in self.steps if not s.closed],
                cycle=self.cycle + 1,
                year_group=None if i.year_group is None else i.year_group + 1,
                invitees=i.invitees,
                next_cycle_from=i.next_cycle_from,
                instances=self.instances,
                facts={k: self.facts[k] for k in PLAN_FACTS if k in self.facts},
            )
        )

    def next_run_input(self) -> ReviewInput:
        """Continue-as-new inside a cycle (a long history): everything carries over as it is."""
        return self.input.model_copy(
            update={"carried_steps": [s.state for s in self.steps], "facts": self.facts, "instances": self.instances}
        )

    # --- the SENCO's and the LA's moves ----------------------------------------------------------------------

    @workflow.update
    async def set_meeting(self, meeting: MeetingDate) -> ProcessState:
        moved = "meeting_on" in self.facts
        self.facts.update(meeting_on=meeting.meeting_on.isoformat(), short_notice=meeting.short_notice)
        stamp = workflow.now().isoformat()
        await self.record_process(
            "meeting-rescheduled" if moved else "meeting-set",
            with_recorded_by(
                {
                    "meeting_on": meeting.meeting_on.isoformat(),
                    "short_notice": meeting.short_notice,
                    "by": meeting.by,
                    "note": meeting.note,
                },
                meeting.recorded_by,
            ),
            key=f"cycle-{self.cycle}/meeting/{stamp}",
        )
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
            raise refusal("meeting_on", f"{fmt(meeting.meeting_on)} is in the past", "in_past")
        if self.facts.get("meeting_on") == meeting.meeting_on.isoformat():
            raise refusal("meeting_on", f"the meeting is already on {fmt(meeting.meeting_on)}", "conflict")
        if notice < NOTICE_DAYS and not meeting.short_notice:
            raise refusal(
                "meeting_on",
                f"{fmt(meeting.meeting_on)} leaves {notice} days' notice, "
                f"{max(0, notice - 1)} clear days; reg 20(3) requires at least two weeks (14 clear days): "
                f"choose a later date, or confirm short notice",
                "short_notice",
            )

    @workflow.update
    async def meeting_held(self, held: MeetingHeld) -> ProcessState:
        self.facts.update(held_on=held.held_on.isoformat(), attended=[role.value for role in held.attended])
        await self.record_process(
            "meeting-held",
            with_recorded_by(
                {
                    "held_on": held.held_on.isoformat(),
                    "by": held.by,
                    "attended": self.facts["attended"],
                    "note": held.note,
                },
                held.recorded_by,
            ),
            key=f"cycle-{self.cycle}/held",
        )
        # Before the law of 2026 the meeting met the review's due date; now the LA's decision does (la_decision).
        for rule in (MEETING_BY,) if self._law_2026 else (DUE,):
            step = self._this_cycle(rule)
            if step is not None and not step.closed:
                await step.complete(
                    held.held_on,
                    actor=held.by,
                    data=with_recorded_by({"evidence": "review meeting held"}, held.recorded_by),
                )
        await self.open_step("review-report", held.held_on)
        await self.open_step("review-la-decision", held.held_on)
        return self.process_state()

    @meeting_held.validator
    def _validate_held(self, held: MeetingHeld) -> None:
        if "meeting_on" not in self.facts:
            raise refusal("held_on", "no meeting date has been set for this cycle", "not_open")
        self._validate_before("held_on", "held_on", "this cycle's meeting was already held")
        self.validate_date("held_on", held.held_on)

    @workflow.update
    async def la_decision(self, decision: ReviewDecision) -> ProcessState:
        evidence = with_recorded_by(
            {"evidence": decision.evidence, "decision": decision.decision}, decision.recorded_by
        )
        if self._law_2026:  # the decision concludes the review; the reg 18 step waits for the final plan
            await self._complete_this_cycle("review-la-decision", decision, evidence)
            held_on = date.fromisoformat(self.facts["held_on"])
            due = self._this_cycle(DUE)
            await self._complete_this_cycle(
                DUE,
                decision,
                {
                    **evidence,
                    "meeting_held_on": held_on.isoformat(),
                    "meeting_on_time": None if due is None else held_on <= due.outcome().due,
                },
            )
        else:
            for rule in ("review-la-decision", *TRANSFER.values()):
                await self._complete_this_cycle(rule, decision, evidence)
        if self._law_2026 and (decision.decision == "cease" or "appeal_outcome" in self.facts):
            for fact in PLAN_FACTS:  # a new decision replaces an earlier cease whose appeal has ended
                self.facts.pop(fact, None)
        if decision.decision == "amend":  # the amendment notice: the parent's 15 days, and the LA's 8 weeks
            await self.open_step("draft-plan-representations", decision.decided_on)
            await self.open_step(AMENDED_FINAL, decision.decided_on)
        if decision.decision == "cease":
            if self._law_2026:  # not the end of the plan: the parent's window to appeal opens (CoP 9.208)
                window = await self.open_step(CEASE_WINDOW, decision.decided_on)
                self.facts.update(
                    cease_decided_on=decision.decided_on.isoformat(), appeal_window_due=window.outcome().due.isoformat()
                )
            else:
                self.facts["ceased_on"] = decision.decided_on.isoformat()
        await self.record_process(
            "la-decision",
            {"decided_on": decision.decided_on.isoformat(), **evidence},
            key=f"cycle-{self.cycle}/decision",
        )
        self.facts.update(decided_on=decision.decided_on.isoformat(), decision=decision.decision)  # ends the cycle
        return self.process_state()

    @la_decision.validator
    def _validate_decision(self, decision: ReviewDecision) -> None:
        if "held_on" not in self.facts:
            raise refusal("decided_on", "the review meeting has not been recorded as held", "not_open")
        self._validate_before("decision", "decided_on", "the LA's decision is already recorded")
        self.validate_date("decided_on", decision.decided_on)
        if decision.decided_on < date.fromisoformat(self.facts["held_on"]):
            raise refusal(
                "decided_on",
                f"{fmt(decision.decided_on)} is before the meeting ({fmt(date.fromisoformat(self.facts['held_on']))})",
                "before_received",
            )

    @workflow.update
    async def final_plan(self, plan: FinalPlan) -> ProcessState:
        """The LA's final plan: it meets the transfer (the plan names the new setting) and the amendment."""
        named = {"names_setting": plan.names_setting} if plan.names_setting is not None else {"already_named": True}
        data = with_recorded_by({"evidence": plan.evidence or "final plan issued", **named}, plan.recorded_by)
        met = self._final_plan_steps()
        for step in met:
            await step.complete(plan.issued_on, actor=plan.by, data=data)
        self.facts.update(final_plan_issued_on=plan.issued_on.isoformat(), **named)
        await self.record_process(
            "final-plan",
            {"issued_on": plan.issued_on.isoformat(), "by": plan.by, "steps": [s.state.rule_id for s in met], **data},
            key=f"cycle-{self.cycle}/final-plan/{workflow.now().isoformat()}",
        )
        return self.process_state()

    @final_plan.validator
    def _validate_final_plan(self, plan: FinalPlan) -> None:
        self._validate_before("ceased_on", "issued_on", "the plan has ceased")
        met = self._final_plan_steps()
        if not met:
            raise refusal(
                "issued_on",
                f"no open transfer review ({', '.join(TRANSFER.values())}) or {AMENDED_FINAL} for a final plan to meet",
                "not_open",
            )
        for step in met:
            step.validate_change()
        self.validate_date("issued_on", plan.issued_on)
        amendment = next((s for s in met if s.state.rule_id == AMENDED_FINAL), None)
        if amendment is not None and plan.issued_on < amendment.state.anchor:
            raise refusal(
                "issued_on",
                f"{fmt(plan.issued_on)} is before the amendment notice ({fmt(amendment.state.anchor)})",
                "before_received",
            )

    @workflow.update
    async def appeal(self, change: AppealChange) -> ProcessState:
        """An appeal against the decision to cease: lodged (the window is met), then decided."""
        if change.lodged_on is not None:
            window = self.find(CEASE_WINDOW)
            if window is not None and not window.closed:
                await window.complete(
                    change.lodged_on,
                    actor=change.by,
                    data=with_recorded_by({"evidence": "appeal lodged", "note": change.note}, change.recorded_by),
                )
            self.facts["appeal_lodged_on"] = change.lodged_on.isoformat()
            await self.record_process(
                "appeal-lodged",
                with_recorded_by(
                    {"lodged_on": change.lodged_on.isoformat(), "by": change.by, "note": change.note},
                    change.recorded_by,
                ),
                key=f"appeal/{self.facts['cease_decided_on']}/lodged",
            )
        else:
            decided_on = cast(date, change.decided_on)  # an AppealChange is lodged or decided (its validator)
            self.facts.update(appeal_decided_on=decided_on.isoformat(), appeal_outcome=change.outcome)
            await self.record_process(
                "appeal-decided",
                with_recorded_by(
                    {
                        "decided_on": decided_on.isoformat(),
                        "outcome": change.outcome,
                        "by": change.by,
                        "note": change.note,
                    },
                    change.recorded_by,
                ),
                key=f"appeal/{self.facts['cease_decided_on']}/decided",
            )
        return self.process_state()

    @appeal.validator
    def _validate_appeal(self, change: AppealChange) -> None:
        field = "lodged_on" if change.lodged_on is not None else "decided_on"
        self._validate_before("ceased_on", field, "the plan has ceased")
        if "cease_decided_on" not in self.facts:
            raise refusal(
                field, "no decision to cease the plan is recorded (review decision --decision cease)", "not_open"
            )
        cease = date.fromisoformat(self.facts["cease_decided_on"])
        lodged = self.facts.get("appeal_lodged_on")
        if change.lodged_on is not None:
            if lodged:
                raise refusal(
                    "lodged_on", f"an appeal was already lodged on {fmt(date.fromisoformat(lodged))}", "conflict"
                )
            self.validate_date("lodged_on", change.lodged_on)
            if change.lodged_on < cease:
                raise refusal(
                    "lodged_on",
                    f"{fmt(change.lodged_on)} is before the decision to cease ({fmt(cease)})",
                    "before_received",
                )
            return
        if not lodged:
            raise refusal("decided_on", "no appeal has been lodged: record it as lodged first", "not_open")
        if "appeal_decided_on" in self.facts:
            raise refusal(
                "decided_on",
                f"the appeal was already decided on "
                f"{fmt(date.fromisoformat(self.facts['appeal_decided_on']))} "
                f"({self.facts['appeal_outcome']})",
                "conflict",
            )
        decided_on = cast(date, change.decided_on)  # an AppealChange is lodged or decided (its validator)
        self.validate_date("decided_on", decided_on)
        if decided_on < date.fromisoformat(lodged):
            raise refusal(
                "decided_on",
                f"{fmt(decided_on)} is before the appeal was lodged ({fmt(date.fromisoformat(lodged))})",
                "before_received",
            )

    @workflow.update
    async def plan_ceased(self, ceased: PlanCeased) -> ProcessState:
        for step in [s for s in self.steps if not s.closed]:
            await step.cancel(
                ceased.ceased_on,
                actor=ceased.by,
                reason=f"plan ceased: {ceased.reason}",
                recorded_by=ceased.recorded_by,
            )
        await self.record_process(
            "plan-ceased",
            with_recorded_by({"ceased_on": ceased.ceased_on.isoformat(), "reason": ceased.reason}, ceased.recorded_by),
            key="plan-ceased",
        )
        self.facts.update(ceased_on=ceased.ceased_on.isoformat(), decision="cease")
        return self.process_state()

    @plan_ceased.validator
    def _validate_ceased(self, ceased: PlanCeased) -> None:
        self._validate_before("ceased_on", "ceased_on", "the plan has ceased")
        self.validate_date("ceased_on", ceased.ceased_on)
        if not ceased.reason:
            raise refusal("reason", "say why the plan ceased", "missing")
        self._validate_cease_allowed(ceased.ceased_on)

    # --- internals --------------------------------------------------------------------------------------------

    def _validate_cease_allowed(self, ceased_on: date) -> None:
        """After a decision to cease, the plan is maintained until the appeal window closes with no appeal, or an
        appeal ends (CoP 9.208). An appeal that maintained the plan leaves no decision to cease pending: the plan
        may still end for another reason (the young person moves to another LA's area), as with no decision."""
        outcome, lodged = self.facts.get("appeal_outcome"), self.facts.get("appeal_lodged_on")
        if "cease_decided_on" not in self.facts or outcome == "plan-maintained":
            return  # no decision to cease pending: the plan ended for another reason
        if lodged and outcome is None:
            raise refusal(
                "ceased_on",
                f"the plan is maintained until the appeal lodged on "
                f"{fmt(date.fromisoformat(lodged))} is decided ({COP_9_208})",
                "conflict",
            )
        if outcome is not None:
            decided = date.fromisoformat(self.facts["appeal_decided_on"])
            if ceased_on < decided:
                raise refusal(
                    "ceased_on",
                    f"the plan is maintained until the appeal ended on {fmt(decided)} ({COP_9_208})",
                    "conflict",
                )
            return
        closes = date.fromisoformat(self.facts["appeal_window_due"])
        if ceased_on <= closes:
            raise refusal(
                "ceased_on",
                f"the plan is maintained until the appeal window closes on {fmt(closes)} ({COP_9_208})",
                "conflict",
            )

    def _final_plan_steps(self) -> list[StatutoryStep]:
        """What a final plan meets: the latest open reg 18 step (this cycle's or carried from an earlier one) and
        the latest open amended plan."""
        met = []
        for rules in (set(TRANSFER.values()), {AMENDED_FINAL}):
            open_steps = [s for s in self.steps if s.state.rule_id in rules and not s.closed]
            if open_steps:
                met.append(open_steps[-1])
        return met

    async def _complete_this_cycle(self, rule_id: str, decision: ReviewDecision, data: dict[str, Any]) -> None:
        step = self._this_cycle(rule_id)
        if step is not None and not step.closed:
            await step.complete(decision.decided_on, actor=decision.by, data=data)

    def _this_cycle(self, rule_id: str) -> StatutoryStep | None:
        """The latest step for a rule opened in this cycle (not one carried over from the last)."""
        step = self.find(rule_id)
        before = self.facts.get("_instances_before", {}).get(rule_id, 0)
        return step if step is not None and step.state.instance > before else None

    def _validate_before(self, fact: str, field: str, message: str) -> None:
        if self.facts.get("ceased_on"):
            raise refusal(field, "the plan has ceased", "not_open")
        if fact in self.facts:
            raise refusal(field, message, "conflict")
