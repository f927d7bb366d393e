"""The mechanism every statutory process shares.

A process workflow subclasses `StatutoryProcess` and writes only its flowchart: which steps open when, from which
anchor dates. This base gives every process the same changes on any of its steps (done, exemption where the rule
has grounds, reassignment, cancellation), the same state query, the same records, and continue-as-new that hands
every open step to the next run.

Each step runs its reminder loop as a workflow task of its own, so a process can track several steps side by side.
Steps are helpers inside the process workflow, not child workflows: one history per process keeps the auditor's
record in one place, and a step costs no extra workflow, task queue round trip or retention.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

from temporalio import workflow

if TYPE_CHECKING:
    from collections.abc import Callable

    from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    import workflows.search_attributes as sa
    from statutory.clock import fmt
    from statutory.exemptions import get_ground
    from workflows.chase import ChasesTheLa
    from workflows.models import (
        Cancellation,
        Exemption,
        ProcessHeader,
        ProcessRecord,
        ProcessState,
        Reassignment,
        RecordInput,
        Replan,
        StepDone,
        StepExemption,
        StepOptions,
        StepState,
        StepStatus,
    )
    from workflows.refusal import refusal
    from workflows.step import ProcessIdentity, StatutoryStep, record, today, with_recorded_by


# Issue 25: a process is started with its school's id in SendclockSchool (starter/processes.py). A run without it
# (started by a starter from before this change, or the next run, after continue-as-new, of a process that began
# before) gets it from publish(), added to the same upsert, so the command sequence is the one a history from before
# recorded. patched() is memoised per run: a run that began before this change replays its earlier publishes without
# the marker and keeps the old path (no attribute) to its end; recorded histories replay unchanged. A run started
# with the attribute never calls patched(): it records no marker.
SCHOOL_ATTRIBUTE = "school-search-attribute"
# The memo key under which a starter names the update it sends with the start (note_start_update); its value is that
# update's id, a random UUID, never a pupil's data.
START_UPDATE_MEMO = "sendclock-start-update"


def _school_of(workflow_id: str) -> str:
    """The school of a workflow id (workflows/registry.py school_of: the registry imports this module, so it is
    imported when called, from the module the worker has loaded)."""
    with workflow.unsafe.imports_passed_through():
        from workflows.registry import school_of

    return school_of(workflow_id)


class StatutoryProcess(ChasesTheLa):
    KIND: ClassVar[str]
    BEGAN: ClassVar[str] = "the request was received"  # how error messages name the header's date

    def setup(
        self,
        header: ProcessHeader,
        options: StepOptions,
        carried: list[StepState],
        facts: dict[str, Any],
        instances: dict[str, int] | None = None,
    ) -> None:
        """Call from the workflow's @workflow.init. `instances` carries, across runs, how many times each rule has
        been opened (an annual review opens the same rules every cycle: each occurrence is recorded apart)."""
        self.header, self.options, self.facts = header, options, dict(facts)
        self.instances: dict[str, int] = dict(instances or {})
        self.identity = ProcessIdentity(
            workflow.info().workflow_id, self.KIND, header.case_ref, header.la, header.initials
        )
        self.steps: list[StatutoryStep] = [StatutoryStep(self.identity, state, options) for state in carried]
        self.status = StepStatus.OPEN
        self._loops: list[asyncio.Task[str]] = []  # each step's run(): "closed" or "continue-as-new"
        self._yielding = False
        self._opened = bool(carried)
        self.start_update_id: str | None = None  # see note_start_update

    # --- the flowchart's tools --------------------------------------------------------------------------------

    def find(self, rule_id: str) -> StatutoryStep | None:
        """The latest step for a rule."""
        matches = [s for s in self.steps if s.state.rule_id == rule_id]
        return matches[-1] if matches else None

    async def open_step(
        self, rule_id: str, anchor: date, *, owner: str | None = None, derived_from: str | None = None
    ) -> StatutoryStep:
        """Plan a new step, record it, tell its owner, and start its reminders. `derived_from`: for a planning date
        (C9), the rule it is derived from (see PlanStepInput)."""
        seen = [s.state.instance for s in self.steps if s.state.rule_id == rule_id]
        instance = max([self.instances.get(rule_id, 0), *seen]) + 1
        self.instances[rule_id] = instance
        step = StatutoryStep(
            self.identity,
            StepState(
                rule_id=rule_id,
                owner=owner or self.header.owner,
                escalate_to=self.header.escalate_to,
                anchor=anchor,
                instance=instance,
                derived_from=derived_from,
            ),
            self.options,
        )
        self.steps.append(step)
        await step.open()
        self._loops.append(asyncio.create_task(step.run(lambda: self._yielding)))
        self.publish()
        return step

    def resume_steps(self) -> None:
        """After continue-as-new: restart the reminder loop of every carried step that is still open."""
        self._loops += [asyncio.create_task(s.run(lambda: self._yielding)) for s in self.steps if not s.closed]
        self.watch_chases()

    def note_start_update(self) -> None:
        """Call first in the update a starter sends with the start (update-with-start). The state carries the id of
        the creator's update, so a starter knows whether it created the process or found it there (no describe call
        before each start, and two starters racing cannot both think they created it). The starter names its update
        in the start's memo (START_UPDATE_MEMO): the start event holds it, whenever the update itself is handled. Not
        "the update handled before the run opened its steps": on two loaded workers 3 of 10,000 starts were told
        "already running" of processes they had created (bench/open_workflows.py), their update handled after the
        run had planned (as we read it, a first workflow task that failed or timed out took the update with it and
        the client sent it again). Runs started before the memo keep that rule; continued runs report none."""
        info = workflow.info()
        if self.start_update_id is not None or info.continued_run_id is not None:
            return
        named = workflow.memo_value(START_UPDATE_MEMO, None, type_hint=str)
        if named is not None:
            self.start_update_id = named
        elif not self._opened:
            update = workflow.current_update_info()
            self.start_update_id = update.id if update else None

    def mark_opened(self) -> None:
        """The steps that start the process are planned: the starter's update-with-start may return."""
        self._opened = True

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        """Wait for a turn of the flowchart; continue as new meanwhile if history grows long."""
        while True:
            await workflow.wait_condition(lambda: condition() or workflow.info().is_continue_as_new_suggested())
            if condition():
                return
            await self.continue_as_new()

    async def continue_as_new(self, next_input: Any = None) -> None:
        """Hand every step to a new run: stop the reminder loops (letting a notice in flight finish), then go.
        Without `next_input`, the run carries on as it is (next_run_input): the history just grew long."""
        self._yielding = True
        await asyncio.gather(*self._loops)
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(next_input if next_input is not None else self.next_run_input())

    def next_run_input(self) -> Any:
        raise NotImplementedError

    async def finish(self, status: StepStatus, outcome: str) -> ProcessState:
        """Close the process: let every step finish what it is doing (a step that closes itself still records and
        announces it), wait for changes in progress, record the close, and return the final state."""
        self._yielding = True
        await asyncio.gather(*self._loops)
        await workflow.wait_condition(workflow.all_handlers_finished)
        self.status = status
        await self.record_process("process-closed", {"status": status.value, "outcome": outcome}, outcome=outcome)
        self.publish()
        return self.process_state()

    async def record_process(
        self, kind: str, data: dict[str, Any], *, key: str | None = None, outcome: str | None = None
    ) -> None:
        h = self.header
        await record(
            RecordInput(
                key=f"{self.identity.workflow_id}/{key or kind}",
                workflow_id=self.identity.workflow_id,
                kind=kind,
                occurred_at=workflow.now(),
                data=data,
                process=ProcessRecord(
                    kind=self.KIND,
                    case_ref=h.case_ref,
                    la=h.la,
                    owner=h.owner,
                    status=self.status,
                    received_on=h.received_on,
                    channel=h.channel,
                    outcome=outcome,
                    closed=self.status != StepStatus.OPEN,
                    facts=self.facts,
                ),
            )
        )

    def publish(self) -> None:
        """Opaque search attributes: the status, and the earliest due date among open steps; and the school's id
        (SendclockSchool) for a run that did not start with it (see SCHOOL_ATTRIBUTE)."""
        open_steps = [s for s in self.steps if s.planned and not s.closed]
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.STATUS.value_set(self.status.value),
            sa.OPEN_RULES.value_set(sorted({s.state.rule_id for s in open_steps})),
        ]
        dues = [s.outcome().due for s in open_steps]
        if dues:
            updates.append(sa.DUE.value_set(datetime.combine(min(dues), time(), tzinfo=UTC)))
        workflow.upsert_search_attributes(updates + self.school_attribute())

    def school_attribute(self) -> list[SearchAttributeUpdate[Any]]:
        """SendclockSchool, the school's id from the workflow id, for a run that does not have it yet (behind the
        SCHOOL_ATTRIBUTE patch): to add to a publish's upsert, never as an upsert of its own (a command more than a
        history from before recorded)."""
        if workflow.info().typed_search_attributes.get(sa.SCHOOL) is not None or not workflow.patched(SCHOOL_ATTRIBUTE):
            return []
        return [sa.SCHOOL.value_set(_school_of(self.identity.workflow_id))]

    # --- queries and the changes every step accepts -------------------------------------------------------------

    @workflow.query
    def process_state(self) -> ProcessState:
        return ProcessState(
            workflow_id=self.identity.workflow_id,
            kind=self.KIND,
            header=self.header,
            status=self.status,
            steps=[s.state for s in self.steps],
            facts=self.facts,
            closed=self.status != StepStatus.OPEN,
            start_update_id=self.start_update_id,
        )

    @workflow.update
    async def process_opened(self) -> ProcessState:
        """Returns once the first steps are planned (the starter's update-with-start waits on it)."""
        self.note_start_update()
        await workflow.wait_condition(lambda: self._opened)
        return self.process_state()

    @workflow.update
    async def complete_step(self, done: StepDone) -> ProcessState:
        data = with_recorded_by(
            {"method": done.method.value if done.method else None, "evidence": done.evidence}, done.recorded_by
        )
        await self._open_step(done.rule_id).complete(done.done_on, actor=done.by, data=data)
        return self.process_state()

    @complete_step.validator
    def _validate_complete(self, done: StepDone) -> None:
        self._open_step(done.rule_id).validate_change()
        self.validate_date("done_on", done.done_on)

    @workflow.update
    async def exempt_step(self, request: StepExemption) -> ProcessState:
        await self._open_step(request.rule_id).exempt(request.exemption)
        return self.process_state()

    @exempt_step.validator
    def _validate_exempt(self, request: StepExemption) -> None:
        self.validate_exemption(self._open_step(request.rule_id), request.exemption)

    def validate_exemption(self, step: StatutoryStep, exemption: Exemption) -> None:
        """An exemption only on an open step, once, on a ground the step's rule has, with the dates it needs."""
        step.validate_change()
        if step.state.exemption is not None:
            raise refusal("exemption", f"already recorded ({step.state.exemption.ground})", "conflict")
        try:
            ground = get_ground(step.state.rule_id, exemption.ground)
        except ValueError as err:
            raise refusal("ground", str(err), "unknown_ground") from None
        if ground.needs_period and exemption.start is None:
            raise refusal("start", f"ground {exemption.ground} needs the date the circumstances began", "missing")
        if exemption.start is not None:
            self.validate_date("start", exemption.start)
        if exemption.start and exemption.end and exemption.end < exemption.start:
            raise refusal(
                "end", f"{fmt(exemption.end)} is before the start ({fmt(exemption.start)})", "before_received"
            )

    @workflow.update
    async def reassign_step(self, change: Reassignment) -> ProcessState:
        await self._open_step(change.rule_id).reassign(
            change.owner, actor=change.by, reason=change.reason, recorded_by=change.recorded_by
        )
        return self.process_state()

    @reassign_step.validator
    def _validate_reassign(self, change: Reassignment) -> None:
        step = self._open_step(change.rule_id)
        step.validate_change()
        if change.owner == step.state.owner:
            raise refusal("owner", f"the step is already {change.owner}'s", "conflict")

    @workflow.update
    async def cancel_step(self, cancellation: Cancellation) -> ProcessState:
        await self._open_step(cancellation.rule_id).cancel(
            cancellation.cancelled_on,
            actor=cancellation.by,
            reason=cancellation.reason,
            recorded_by=cancellation.recorded_by,
        )
        return self.process_state()

    @cancel_step.validator
    def _validate_cancel(self, cancellation: Cancellation) -> None:
        self._open_step(cancellation.rule_id).validate_change()
        self.validate_date("cancelled_on", cancellation.cancelled_on)
        if not cancellation.reason:
            raise refusal("reason", "say why the step is cancelled", "missing")

    @workflow.update
    async def replan_steps(self, request: Replan) -> ProcessState:
        """Every open step planned again (see StatutoryStep.replan); a step whose dates moved is recorded and its
        owner told. A new update: histories from before it never call it."""
        for step in [s for s in self.steps if s.planned and not s.closed]:
            await step.replan(actor=request.by, reason=request.reason, recorded_by=request.recorded_by)
        self.publish()
        return self.process_state()

    @replan_steps.validator
    def _validate_replan(self, request: Replan) -> None:
        if self.status != StepStatus.OPEN:
            raise refusal("by", "the process is closed: nothing to plan again", "not_open")
        if self._yielding:
            raise refusal("by", "the process is moving to its next run: try again in a minute", "not_open")

    def validate_date(self, field: str, value: date) -> None:
        if value < self.header.received_on:
            raise refusal(
                field, f"{fmt(value)} is before {self.BEGAN} ({fmt(self.header.received_on)})", "before_received"
            )
        if value > today():
            raise refusal(field, f"{fmt(value)} is in the future (today is {fmt(today())})", "in_future")

    def _open_step(self, rule_id: str) -> StatutoryStep:
        """The rule's oldest open step (a termly review missed last term is recorded before this term's; every other
        process has at most one open step of a rule, its latest), or a refusal naming the open ones."""
        step = next((s for s in self.steps if s.state.rule_id == rule_id and not s.closed), None)
        if step is None:
            open_ids = ", ".join(s.state.rule_id for s in self.steps if not s.closed) or "none"
            raise refusal("rule_id", f"no open step {rule_id!r} in this process (open: {open_ids})", "not_open")
        return step
