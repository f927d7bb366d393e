"""The statutory step: one rule applied to one anchor date, inside a process workflow.

Every process (advice request, consultation, annual review, re-assessment) is a sequence of these. A step plans its
dates through an activity (so history records what the rule book and calendar said), reminds its owner before the
target, escalates after the due date, and ends when it is completed or withdrawn. An exemption turns the statutory
clock into "as soon as practicable" nudges. Every change is written through the record activity and every message
through the notify activity, with idempotency keys derived from the workflow ID.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    import workflows.activity_names as activity_names
    from statutory.clock import local_date
    from workflows.calls import ActivityOptions, call
    from workflows.models import (
        Exemption,
        Notice,
        NoticeContext,
        NoticeKind,
        NotifyInput,
        PlanStepInput,
        ProcessRecord,
        RecordInput,
        StepOptions,
        StepOutcome,
        StepPlan,
        StepRecord,
        StepState,
        StepStatus,
    )
    from workflows.refusal import refusal

# Rules whose plan may depend on the process's LA (settings: las.<name>): an LA's own date replaces the derived one,
# or its own lead time before the review meeting goes beside the statutory date, or its own time to answer a chase
# letter (las.<name>.chase_follow_up_working_days) dates the follow-up. Only the plan_step activity's input
# gains the LA's name: the workflow's commands are the same, so histories recorded before replay unchanged.
LA_DATED = ("phase-transfer-meeting-by", "review-notice", "review-advice-circulation", "la-chase-follow-up")
PLAN_OPTIONS: ActivityOptions = dict(
    start_to_close_timeout=timedelta(seconds=30), retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1))
)
# A record must land: retried until the database answers (the workflow waits, durably).
# Notices whose day has passed are never sent late, one by one: a step sends one catch-up with its current state, then
# goes on at its normal cadence from today (docs: engineering notes, "Never send a notice whose moment has passed").
# Runs that planned notices before this patch keep their behaviour on replay.
CATCH_UP = "notice-catch-up"
RECORD_OPTIONS: ActivityOptions = dict(
    start_to_close_timeout=timedelta(seconds=30), retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5))
)


class ProcessIdentity:
    """What a step needs to know about the process it belongs to (opaque references only)."""

    def __init__(self, workflow_id: str, kind: str, case_ref: str, la: str, initials: str | None = None) -> None:
        self.workflow_id, self.kind, self.case_ref, self.la = workflow_id, kind, case_ref, la
        self.initials = initials  # shown in notices only when the school turns that on


async def record(entry: RecordInput) -> None:
    await call(activity_names.RECORD, entry, **RECORD_OPTIONS)


async def plan_step(request: PlanStepInput) -> StepPlan:
    """The rule book's dates for a step, from an activity: history records what the rule book and calendar said."""
    return await call(activity_names.PLAN_STEP, request, result_type=StepPlan, **PLAN_OPTIONS)


def today() -> date:
    """Today's date in Europe/London, by workflow time."""
    return local_date(workflow.now())


def with_recorded_by(data: dict[str, Any], recorded_by: str | None) -> dict[str, Any]:
    """A record's data with the account that recorded the change (web:NAME, cli:as:NAME, ...; see
    workflows/models/common.py), when the change came with one. Only the record's data differs: the workflow's
    commands are the same with or without it, so histories from before it replay unchanged."""
    return {**data, "recorded_by": recorded_by} if recorded_by else data


class StatutoryStep:
    def __init__(self, process: ProcessIdentity, state: StepState, options: StepOptions) -> None:
        self.process = process
        self.state = state
        # A message is retried with backoff, then given up and recorded as failed: a broken channel never blocks.
        self._notify_retry = RetryPolicy(
            initial_interval=options.notify_initial_interval,
            maximum_interval=options.notify_maximum_interval,
            maximum_attempts=options.notify_attempts,
        )
        self._closing = False
        self._explained: StepPlan | None = None  # the plan whose explanation this run has recorded (step_record)
        self._replan = False  # an exemption: re-plan as "as soon as practicable"
        self._reschedule_to: date | None = None  # a new anchor (e.g. the meeting moved): re-plan from it
        self._replan_for: tuple[str, str, str | None] | None = None  # (actor, reason, recorded_by): plan again
        instance = "" if state.instance == 1 else f"#{state.instance}"
        self.key = f"{process.workflow_id}/{state.rule_id}{instance}"

    # --- queries ----------------------------------------------------------------------------------------------

    @property
    def planned(self) -> bool:
        return self.state.plan is not None

    @property
    def closed(self) -> bool:
        return self.state.status != StepStatus.OPEN

    @property
    def accepting_changes(self) -> bool:
        return not self.closed and not self._closing

    def outcome(self) -> StepOutcome:
        plan = self._plan()
        return StepOutcome(
            rule_id=self.state.rule_id,
            instance=self.state.instance,
            status=self.state.status,
            due=plan.due,
            target=plan.target,
            completed_on=self.state.completed_on,
            on_time=self.state.on_time,
            days_late=self.state.days_late,
            exempt=self.state.exemption is not None,
        )

    # --- lifecycle --------------------------------------------------------------------------------------------

    async def open(self) -> None:
        """Plan the step, record it and tell its owner. A carried-over (continued) step is already open."""
        if self.planned:
            return
        plan = await self._plan_notices(self._plan_input())
        self.state.plan = plan
        # A request entered late: notices for days already gone are not sent; one catch-up says where it stands.
        caught_up = self._schedule(plan.notices, catch_up=True)
        self.state.pending = caught_up if caught_up is not None else [n for n in plan.notices if n.on >= today()]
        await self._record("step-opened", data={"due": plan.due.isoformat(), "target": plan.target.isoformat()})
        await self._notify("assigned", [self.state.owner], key_suffix="assigned")

    async def run(self, should_yield: Callable[[], bool] | None = None) -> Literal["closed", "continue-as-new"]:
        """Send each notice when its time comes, until the step closes, or until `should_yield` (by default: history
        asks to continue as new) says to hand over to a new run."""
        should_yield = should_yield or (lambda: workflow.info().is_continue_as_new_suggested())
        while not self.closed:
            if self._replan:
                self._replan = False
                await self._plan_asap()
                continue
            if self._reschedule_to is not None:
                await self._reschedule(self._reschedule_to)
                continue
            if self._replan_for is not None:
                await self._plan_again(*self._replan_for)
                continue
            if should_yield():
                return "continue-as-new"
            if not self.state.pending:
                await self._extend()
                continue
            notice = self.state.pending[0]
            if notice.on < today() and notice.kind != "closes":  # the worker was away, or the run resumed late
                caught_up = self._schedule(self.state.pending, catch_up=True)
                if caught_up is not None:
                    self.state.pending = caught_up
                    continue
            delay = notice.at - workflow.now()
            if delay > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(lambda: self._changed() or should_yield(), timeout=delay)
                continue
            self.state.pending.pop(0)
            if notice.kind == "closes":  # a window given to someone else ends by itself on its last day
                await self.complete(self._plan().due, actor="sendclock", data={"closed": "the period ended"})
            else:
                await self._send(notice)
        return "closed"

    def _changed(self) -> bool:
        return self.closed or self._replan or self._reschedule_to is not None or self._replan_for is not None

    # --- changes (called from the process workflow's update handlers, after validation) ------------------------

    def validate_change(self) -> None:
        if not self.accepting_changes:
            raise refusal(
                None,
                f"step {self.state.rule_id} is already {self.state.status.value if self.closed else 'closing'}",
                "not_open",
            )

    async def complete(self, completed_on: date, *, actor: str, data: dict[str, Any]) -> StepOutcome:
        self._closing = True
        await workflow.wait_condition(lambda: self.planned)
        plan = self._plan()
        self.state.completed_on = completed_on
        if plan.style != "prompt":  # an earliest date is not a deadline: nothing is on time or late
            self.state.days_late = max(0, (completed_on - plan.due).days)
            self.state.on_time = completed_on <= plan.due
        self.state.status = StepStatus.COMPLETED
        await self._record(
            "completed",
            actor=actor,
            data={
                **data,
                "completed_on": completed_on.isoformat(),
                "on_time": self.state.on_time,
                "days_late": self.state.days_late,
            },
        )
        await self._notify("completed", self._with_escalation([self.state.owner]), key_suffix="completed", actor=actor)
        return self.outcome()

    async def withdraw(
        self, withdrawn_on: date, *, actor: str, reason: str, recorded_by: str | None = None
    ) -> StepOutcome:
        """The body that asked withdrew (an LA withdrawing its request)."""
        return await self._stop(
            StepStatus.WITHDRAWN, "withdrawn", withdrawn_on, actor=actor, reason=reason, recorded_by=recorded_by
        )

    async def cancel(
        self, cancelled_on: date, *, actor: str, reason: str, recorded_by: str | None = None
    ) -> StepOutcome:
        """No longer needed (the plan ceased, the meeting moved to another cycle, entered in error)."""
        return await self._stop(
            StepStatus.CANCELLED, "cancelled", cancelled_on, actor=actor, reason=reason, recorded_by=recorded_by
        )

    async def _stop(
        self,
        status: StepStatus,
        kind: Literal["withdrawn", "cancelled"],
        on: date,
        *,
        actor: str,
        reason: str,
        recorded_by: str | None = None,
    ) -> StepOutcome:
        self._closing = True
        await workflow.wait_condition(lambda: self.planned)
        self.state.status = status
        await self._record(
            kind, actor=actor, data=with_recorded_by({f"{kind}_on": on.isoformat(), "reason": reason}, recorded_by)
        )
        await self._notify(kind, [self.state.owner], key_suffix=kind, actor=actor)
        return self.outcome()

    async def reassign(self, owner: str, *, actor: str, reason: str, recorded_by: str | None = None) -> None:
        """Hand the step to someone else: they are told, and every pending notice goes to them instead."""
        await workflow.wait_condition(lambda: self.planned)
        previous, self.state.owner = self.state.owner, owner
        for notice in self.state.pending:
            notice.recipients = list(dict.fromkeys(owner if r == previous else r for r in notice.recipients))
        stamp = f"reassigned/{workflow.now().isoformat()}"
        await self._record(
            "reassigned",
            key_suffix=stamp,
            actor=actor,
            data=with_recorded_by({"from": previous, "to": owner, "reason": reason}, recorded_by),
        )
        await self._notify("assigned", [owner], key_suffix=stamp, actor=actor)

    async def reschedule(self, anchor: date) -> None:
        """The anchor moved (a meeting rescheduled): the step is planned again from it; returns once it has been."""
        await workflow.wait_condition(lambda: self.planned)
        self._reschedule_to = anchor
        await workflow.wait_condition(lambda: self._reschedule_to is None or self.closed)

    async def replan(self, *, actor: str, reason: str, recorded_by: str | None = None) -> None:
        """Plan again from the same anchor, with the rule book and the school calendar as they are now (a revised
        rule book, an edited term date): an explicit, recorded re-projection. Returns once done."""
        await workflow.wait_condition(lambda: self.planned)
        self._replan_for = (actor, reason, recorded_by)
        await workflow.wait_condition(lambda: self._replan_for is None or self.closed)

    async def exempt(self, exemption: Exemption) -> None:
        await workflow.wait_condition(lambda: self.planned)
        self.state.exemption = exemption
        stamp = f"exemption/{workflow.now().isoformat()}"
        await self._record(
            "exemption-recorded",
            key_suffix=stamp,
            actor=exemption.claimed_by,
            data=with_recorded_by(exemption.model_dump(mode="json", exclude={"recorded_by"}), exemption.recorded_by),
        )
        await self._notify(
            "exemption", self._with_escalation([self.state.owner]), key_suffix=stamp, actor=exemption.claimed_by
        )
        self._replan = True

    # --- internals --------------------------------------------------------------------------------------------

    def _plan(self) -> StepPlan:
        assert self.state.plan is not None, "step not planned yet"
        return self.state.plan

    def _with_escalation(self, recipients: list[str]) -> list[str]:
        return list(dict.fromkeys([*recipients, self.state.escalate_to]))

    def _plan_input(self, **fields: Any) -> PlanStepInput:
        """What the plan_step activity needs, from the step's state (the fields that are not set stay out of the
        activity's input, as they were before they existed)."""
        s = self.state
        extra: dict[str, Any] = {
            name: value
            for name, value in (
                ("la", self.process.la if s.derived_from or s.rule_id in LA_DATED else None),
                ("derived_from", s.derived_from),
                ("promised_from", s.promised_from),
            )
            if value is not None
        }
        return PlanStepInput(
            rule_id=s.rule_id,
            anchor=s.anchor,
            owner=s.owner,
            escalate_to=s.escalate_to,
            today=today(),
            **extra,
            **fields,
        )

    async def _plan_notices(self, request: PlanStepInput) -> StepPlan:
        plan = await plan_step(request)
        if plan.notices:
            self.state.last_notice_on = plan.notices[-1].on
        return plan

    async def _extend(self) -> None:
        """The planned notices are used up and the step is still open: plan the next batch."""
        asap = self.state.exemption is not None
        plan = await self._plan_notices(
            self._plan_input(
                mode="asap" if asap else "statutory",
                after=self.state.last_notice_on,
                asap_from=self.state.last_notice_on if asap else None,
            )
        )
        if not plan.notices:  # nothing more to send: wait for the step to close or change
            await workflow.wait_condition(self._changed)
        caught_up = self._schedule(plan.notices, catch_up=True)
        self.state.pending = caught_up if caught_up is not None else plan.notices

    async def _reschedule(self, anchor: date) -> None:
        """Plan again from `anchor` (self._reschedule_to, as run() found it set)."""
        previous = self._plan()
        self.state.anchor = anchor
        plan = await self._plan_notices(self._plan_input())
        self.state.plan = plan
        # The "dates changed" notice says where the step now stands: no catch-up beside it.
        caught_up = self._schedule(plan.notices, catch_up=False)
        self.state.pending = caught_up if caught_up is not None else [n for n in plan.notices if n.on >= today()]
        stamp = f"rescheduled/{workflow.now().isoformat()}"
        await self._record(
            "step-rescheduled",
            key_suffix=stamp,
            data={
                "anchor": anchor.isoformat(),
                "due": plan.due.isoformat(),
                "target": plan.target.isoformat(),
                "previous_due": previous.due.isoformat(),
            },
        )
        await self._notify("rescheduled", [self.state.owner], key_suffix=stamp)
        if self._reschedule_to == anchor:  # done (unless it moved again meanwhile: then plan once more)
            self._reschedule_to = None

    async def _plan_again(self, actor: str, reason: str, recorded_by: str | None) -> None:
        """See replan (self._replan_for, as run() found it set). Nothing changes, and nothing is recorded or sent,
        unless a date moved. A step under an exemption keeps its "as soon as practicable" nudges (the time limit no
        longer binds it)."""
        previous = self._plan()
        plan = await plan_step(self._plan_input())
        if self.state.exemption is None and (plan.due, plan.target) != (previous.due, previous.target):
            self.state.plan = plan
            self.state.last_notice_on = plan.notices[-1].on if plan.notices else None
            caught_up = self._schedule(plan.notices, catch_up=False)  # the "dates changed" notice says where it stands
            self.state.pending = caught_up if caught_up is not None else [n for n in plan.notices if n.on >= today()]
            stamp = f"replanned/{workflow.now().isoformat()}"
            await self._record(
                "step-replanned",
                key_suffix=stamp,
                actor=actor,
                data=with_recorded_by(
                    {
                        "reason": reason,
                        "due": plan.due.isoformat(),
                        "target": plan.target.isoformat(),
                        "previous_due": previous.due.isoformat(),
                        "previous_target": previous.target.isoformat(),
                    },
                    recorded_by,
                ),
            )
            await self._notify("rescheduled", [self.state.owner], key_suffix=stamp, actor=actor)
        self._replan_for = None

    def _schedule(self, notices: list[Notice], *, catch_up: bool) -> list[Notice] | None:
        """The one rule for every path that plans or resumes notices (open, extend, reschedule, plan again, a run
        resumed after the worker was away or after continue-as-new): a notice whose day has passed is not sent.
        With `catch_up`, one notice with the step's current state goes now instead, unless one is due today anyway
        or the step has caught up today already; the cadence then goes on from today. A window's close is never
        dropped (it ends the step). None: the run began before this rule (CATCH_UP), so the caller keeps its old
        behaviour."""
        day = today()
        past = [n for n in notices if n.on < day and n.kind != "closes"]
        if not past:
            return list(notices)  # a list of its own: sending pops from it, and a plan keeps its notices
        if not workflow.patched(CATCH_UP):
            return None
        keep = [n for n in notices if n.on >= day or n.kind == "closes"]
        self.state.last_notice_on = max(self.state.last_notice_on or day, day)  # the next batch starts after today
        if not catch_up or self.state.caught_up_on == day or any(n.on == day for n in keep if n.kind != "closes"):
            return keep
        self.state.caught_up_on = day
        return [self._current_state(past[-1]), *keep]

    def _current_state(self, latest: Notice) -> Notice:
        """The latest notice that did not go, as of now: its days recounted for today."""
        plan, day = self._plan(), today()
        kind = "overdue" if latest.kind == "reminder" and day > plan.due else latest.kind
        recipients = self._with_escalation([self.state.owner]) if kind == "overdue" else latest.recipients
        return Notice(
            kind=kind,
            at=workflow.now(),
            on=day,
            recipients=recipients,
            days_to_target=None if kind == "overdue" or latest.days_to_target is None else (plan.target - day).days,
            days_overdue=(day - plan.due).days
            if kind == "overdue" or latest.days_overdue is not None and day > plan.due
            else None,
        )

    async def _plan_asap(self) -> None:
        """After an exemption the duty is to act "as soon as practicable": regular nudges replace the schedule."""
        plan = await self._plan_notices(self._plan_input(mode="asap", asap_from=today()))
        self.state.pending = plan.notices

    async def _send(self, notice: Notice) -> None:
        ok = await self._notify(
            notice.kind,
            notice.recipients,
            key_suffix=f"{notice.kind}/{notice.at.isoformat()}",
            on=notice.on,
            days_to_target=notice.days_to_target,
            days_overdue=notice.days_overdue,
        )
        self.state.notices_sent += 1
        if notice.kind == "overdue":
            self.state.escalations_sent += 1
        await self._record(
            "escalation-sent" if notice.kind == "overdue" else "reminder-sent",
            key_suffix=f"{notice.kind}/{notice.at.isoformat()}",
            data={"kind": notice.kind, "on": notice.on.isoformat(), "recipients": notice.recipients, "delivered": ok},
        )

    async def _notify(
        self,
        kind: NoticeKind,
        recipients: list[str],
        *,
        key_suffix: str,
        on: date | None = None,
        days_to_target: int | None = None,
        days_overdue: int | None = None,
        actor: str | None = None,
    ) -> bool:
        plan = self._plan()
        context = NoticeContext(
            workflow_id=self.process.workflow_id,
            process_kind=self.process.kind,
            case_ref=self.process.case_ref,
            la=self.process.la,
            rule_id=plan.rule_id,
            rule_title=plan.rule_title,
            basis=plan.basis,
            due=plan.due,
            target=plan.target,
            on=on or today(),
            days_to_target=days_to_target,
            days_overdue=days_overdue,
            exemption_ground=self.state.exemption.ground if self.state.exemption else None,
            completed_on=self.state.completed_on,
            on_time=self.state.on_time,
            style=plan.style,
            duty_holder=plan.duty_holder,
            initials=self.process.initials,
            owner=self.state.owner,
            actor=actor,
        )
        key = f"{self.key}/{key_suffix}"
        try:
            await call(
                activity_names.NOTIFY,
                NotifyInput(key=key, kind=kind, recipients=recipients, scheduled_for=workflow.now(), context=context),
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=self._notify_retry,  # the result is unused
            )
            return True
        except FailureError as err:  # an ActivityError; a local activity's last failure comes unwrapped
            self.state.notices_failed += 1
            workflow.logger.warning("notification %s failed after retries: %s", key, err.cause or err)
            await self._record(
                "notification-failed",
                key_suffix=f"failed/{key_suffix}",
                data={"kind": kind, "recipients": recipients, "error": str(err.cause or err)},
            )
            return False

    def step_record(self) -> StepRecord:
        """The step row as it stands. The explanation of its dates (1-2 KB) goes with the first record of each plan
        in each run, not with every record: the step row and the audit timeline keep it until the plan changes."""
        plan = self._plan()
        explained, self._explained = self._explained is plan, plan
        return StepRecord(
            rule_id=plan.rule_id,
            instance=self.state.instance,
            rule_version=plan.rule_version,
            basis=plan.basis,
            anchor=plan.anchor,
            due=plan.due,
            target=plan.target,
            explanation=None if explained else plan.explanation,
            owner=self.state.owner,
            status=self.state.status,
            exempt=self.state.exemption is not None,
            exemption_ground=self.state.exemption.ground if self.state.exemption else None,
            completed_on=self.state.completed_on,
            on_time=self.state.on_time,
            days_late=self.state.days_late,
            la_practice_due=plan.la_practice.due if plan.la_practice else None,
            la_practice_note=plan.la_practice.description if plan.la_practice else None,
        )

    async def _record(
        self,
        kind: str,
        *,
        key_suffix: str | None = None,
        actor: str | None = None,
        data: dict[str, Any] | None = None,
        process: ProcessRecord | None = None,
    ) -> None:
        await record(
            RecordInput(
                key=f"{self.key}/{key_suffix or kind}",
                workflow_id=self.process.workflow_id,
                kind=kind,
                occurred_at=workflow.now(),
                rule_id=self.state.rule_id,
                actor=actor,
                data=data or {},
                step=self.step_record(),
                process=process,
            )
        )
