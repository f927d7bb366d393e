"""Chasing the LA (issue 25): what every process does when one of the LA's own deadlines has passed.

an LA step's statutory date passes ──> the SENCO reads the chase letter (dashboard) and confirms it
    ──> sent to the LA's SEN team, the SENCO copied (or kept, to send by hand) ──> recorded: "la-chased"
    ──> follow-up (rule la-chase-follow-up) due N school working days later, the SENCO's
          ├─> the LA answers: its step is recorded ──> the follow-up closes with it
          ├─> no answer by then: reminders and escalation, as any step ──> chase again (a new letter and follow-up)
          └─> the chased step is cancelled ──> the follow-up is cancelled with it

A chase is offered for an open step whose duty-holder is the LA (statutory.rules.Holder.LA), after its statutory
date. Each chase is kept in the process's facts (`la_chases`): the chased step, the letter's subject, where it went,
the dates and how many days overdue it was, and the follow-up's occurrence; the letter's text is in the outbox row
and the event holds its digest. A new update and a new rule: histories from before them never reach this code.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from statutory.clock import fmt
    from statutory.rules import Holder, get_rule
    from workflows import activity_names
    from workflows.calls import call
    from workflows.models import ChaseLetter, ChaseSent, LaChase, ProcessState, StepStatus
    from workflows.refusal import refusal
    from workflows.step import StatutoryStep, today, with_recorded_by

if TYPE_CHECKING:
    from workflows.models import ProcessHeader
    from workflows.step import ProcessIdentity

FOLLOW_UP = "la-chase-follow-up"
CHASES = "la_chases"  # the facts key
# One try, then two more a few seconds apart: the SENCO is waiting on the page. A letter that cannot go is said so
# (status "failed", with the reason) and nothing is opened: the SENCO tries again or sends it by hand.
SEND_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=3),
}


def chaseable(step: StatutoryStep, on: date) -> str | None:
    """Why the step cannot be chased today, or None: it is an open LA deadline whose statutory date has passed."""
    rule = get_rule(step.state.rule_id, on=step.state.anchor)
    if rule.holder is not Holder.LA:
        return f"{rule.title} is not the LA's own deadline: only an LA deadline is chased"
    if step.closed:
        return f"{rule.title} is already {step.state.status.value}"
    if not step.planned:
        return f"{rule.title} is still being planned: try again in a minute"
    due = step.outcome().due
    if on <= due:
        return f"the LA has until {fmt(due)} for {rule.title[0].lower()}{rule.title[1:]}: chase it after that date"
    return None


class ChasesTheLa:
    """The chase update and the follow-ups' housekeeping, mixed into StatutoryProcess (workflows/process.py)."""

    if TYPE_CHECKING:  # what StatutoryProcess gives it
        header: ProcessHeader
        identity: ProcessIdentity
        facts: dict[str, Any]
        steps: list[StatutoryStep]
        status: StepStatus
        _yielding: bool
        _loops: list[asyncio.Task[str]]

        def _open_step(self, rule_id: str) -> StatutoryStep: ...

        async def open_step(self, rule_id: str, anchor: date, *, owner: str | None = None) -> StatutoryStep: ...

        async def record_process(self, kind: str, data: dict[str, Any], *, key: str | None = None) -> None: ...

        def process_state(self) -> ProcessState: ...

    @workflow.update
    async def chase_la(self, chase: LaChase) -> ProcessState:
        step = self._open_step(chase.rule_id)
        chases: list[dict[str, Any]] = self.facts.setdefault(CHASES, [])
        n = len(chases) + 1
        on = today()
        due = step.outcome().due
        wid = self.identity.workflow_id
        sent = await call(
            activity_names.SEND_LA_CHASE,
            ChaseLetter(
                key=f"{wid}/la-chase/{n}",
                workflow_id=wid,
                rule_id=chase.rule_id,
                la=self.header.la,
                to=chase.to,
                subject=chase.subject,
                body=chase.body,
                by=chase.by,
                sent_at=workflow.now(),
            ),
            result_type=ChaseSent,
            **SEND_OPTIONS,
        )
        entry: dict[str, Any] = {
            "n": n,
            "rule_id": chase.rule_id,
            "instance": step.state.instance,
            "due": due.isoformat(),
            "sent_on": on.isoformat(),
            "days_overdue": (on - due).days,
            "to": chase.to,
            "subject": chase.subject,
            "status": sent.status,
            "by": chase.by,
        }
        if sent.status == "failed":
            entry["error"] = sent.error
            chases.append(entry)
            await self.record_process(
                "la-chase-failed", with_recorded_by(entry, chase.recorded_by), key=f"la-chase/{n}"
            )
            return self.process_state()
        for earlier in self.open_follow_ups(chase.rule_id, step.state.instance):  # chased again: this letter's own
            await earlier.complete(on, actor=chase.by, data={"chased_again": n})
        follow = await self.open_step(FOLLOW_UP, on, owner=self.header.escalate_to)
        entry["follow_up"] = follow.state.instance
        entry["outbox_key"] = sent.outbox_key
        if sent.reason:
            entry["kept_because"] = sent.reason
        chases.append(entry)
        digest = hashlib.sha256(chase.body.encode()).hexdigest()
        await self.record_process(
            "la-chased", with_recorded_by({**entry, "body_sha256": digest}, chase.recorded_by), key=f"la-chase/{n}"
        )
        self._loops.append(asyncio.create_task(self._settle(entry)))
        return self.process_state()

    @chase_la.validator
    def _validate_chase(self, chase: LaChase) -> None:
        step = self._open_step(chase.rule_id)
        why = chaseable(step, today())
        if why:
            raise refusal("rule_id", why[0].upper() + why[1:], "not_open")
        if self._yielding or self.status != StepStatus.OPEN:
            raise refusal(None, "the process is moving to its next run: try again in a minute", "not_open")

    # --- the follow-ups -----------------------------------------------------------------------------------------

    def open_follow_ups(self, rule_id: str, instance: int) -> list[StatutoryStep]:
        """The open follow-ups of the chases of one LA step."""
        wanted = {
            e["follow_up"]
            for e in self.facts.get(CHASES, [])
            if e["rule_id"] == rule_id and e["instance"] == instance and "follow_up" in e
        }
        return [s for s in self.steps if s.state.rule_id == FOLLOW_UP and s.state.instance in wanted and not s.closed]

    def watch_chases(self) -> None:
        """After continue-as-new: watch again each open follow-up's chased step."""
        for entry in self.facts.get(CHASES, []):
            follow = self._step_of(FOLLOW_UP, entry.get("follow_up"))
            if follow is not None and not follow.closed:
                self._loops.append(asyncio.create_task(self._settle(entry)))

    def _step_of(self, rule_id: str, instance: int | None) -> StatutoryStep | None:
        return next((s for s in self.steps if s.state.rule_id == rule_id and s.state.instance == instance), None)

    async def _settle(self, entry: dict[str, Any]) -> str:
        """Close the follow-up when the chased step closes: done when the LA's answer is recorded (on the day it
        came, or the letter's day if it came before), cancelled with the chased step. Returns as a step's loop does,
        so continue-as-new and the process's end wait for it."""
        follow = self._step_of(FOLLOW_UP, entry["follow_up"])
        chased = self._step_of(entry["rule_id"], entry["instance"])
        if follow is None or chased is None:
            return "closed"
        await workflow.wait_condition(lambda: follow.closed or chased.closed or self._yielding)
        if follow.closed:
            return "closed"
        if chased.closed:
            if chased.state.status == StepStatus.COMPLETED:
                answered = max(chased.state.completed_on or today(), follow.state.anchor)
                await follow.complete(answered, actor=self.header.escalate_to, data={"la_answered": entry["rule_id"]})
            else:
                await follow.cancel(
                    today(),
                    actor=self.header.escalate_to,
                    reason=f"the chased step was {chased.state.status.value}",
                )
            return "closed"
        return "continue-as-new"
