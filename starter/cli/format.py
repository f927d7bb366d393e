"""How the CLI prints things: readable text by default, stable JSON with --json."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from config.temporal_ui import workflow_link
from statutory.clock import fmt


def moment(instant: datetime, tz: str) -> str:
    """An instant as the school reads it: 'Wed 10 Mar 2027 09:14' in the settings' time zone."""
    local = instant.astimezone(ZoneInfo(tz))
    return f"{fmt(local.date())} {local:%H:%M}"


def validation(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def deadline_json(deadline) -> dict[str, Any]:
    return {
        "rule": deadline.rule_id,
        "from": deadline.anchor.isoformat(),
        "due": deadline.due.isoformat(),
        "target": deadline.target.isoformat(),
        "basis": deadline.basis,
        "convention": str(deadline.convention),
        "rule_version": deadline.rule_version.isoformat(),
        "explanation": list(deadline.explanation),
        "warning": deadline.warning,
    }


def deadline_text(deadline, rule) -> str:
    lines = [
        f"{rule.id}: {rule.title}",
        f"  from    {fmt(deadline.anchor)}",
        f"  due     {fmt(deadline.due)}   "
        + ("(a date to plan by: guidance, not law)" if rule.guidance else "(the statutory date)"),
        f"  target  {fmt(deadline.target)}   (the working day to aim for)",
        f"  basis   {deadline.basis}",
        *([f"  warning {deadline.warning}"] if deadline.warning else []),
        "  how:",
    ]
    lines += [f"    - {line}" for line in deadline.explanation]
    return "\n".join(lines)


def _describe(state) -> str:
    step = state.step
    if step.status.value == "completed":
        verdict = "on time" if step.on_time else f"{step.days_late} day(s) late"
        return f"advice sent on {fmt(step.completed_on)}: {verdict}"
    if step.status.value == "withdrawn":
        return "withdrawn by the LA"
    if step.exemption:
        return f"open; exemption {step.exemption.ground} recorded: as soon as practicable"
    return "open"


def started_text(state, created: bool, settings) -> str:
    plan = state.step.plan
    head = "Started" if created else "Already exists (nothing new started)"
    return "\n".join(
        [
            f"{head}: {state.workflow_id}",
            f"  case    {state.request.case_ref} ({state.request.la}), received {fmt(state.request.received_on)}",
            f"  due     {fmt(plan.due)}   ({plan.basis})",
            f"  target  {fmt(plan.target)}",
            f"  owner   {state.request.owner}; status {_describe(state)}",
            *la_clock_lines(state),
            f"  Temporal UI: {workflow_link(settings, state.workflow_id)}",
        ]
    )


def la_clock_lines(state) -> list[str]:
    """The LA's own clock beside the advice: its dates, and where the chase of its final plan stands."""
    if not state.la_steps and not state.facts.get("la_clock"):
        return []
    lines = [
        "  LA's clock from the assessment request of "
        f"{fmt(date.fromisoformat(state.facts['assessment_requested_on']))}:"
    ]
    lines += [
        f"    {e['rule_id']:<24} due {fmt(date.fromisoformat(e['due']))}   ({e['basis']})"
        for e in state.facts.get("la_clock", [])
    ]
    for step in state.la_steps:
        plan = step.plan
        verdict = _verdict(step.status.value, step.completed_on, step.on_time, step.days_late)
        lines.append(f"    {step.rule_id:<24} due {fmt(plan.due)}   ({plan.basis}): {verdict}, chased by {step.owner}")
    return lines


def state_text(state, settings) -> str:
    plan = state.step.plan
    lines = [
        f"{state.workflow_id}",
        f"  case    {state.request.case_ref} ({state.request.la}), received {fmt(state.request.received_on)}",
        f"  due     {fmt(plan.due)}   target {fmt(plan.target)}",
        f"  status  {_describe(state)}",
        f"  notices sent {state.step.notices_sent} (escalations {state.step.escalations_sent}, "
        f"failed {state.step.notices_failed})",
    ]
    if state.step.pending and state.step.status.value == "open":
        nxt = state.step.pending[0]
        lines.append(f"  next    {nxt.kind} on {fmt(nxt.on)}")
    lines += la_clock_lines(state)
    return "\n".join(lines)


def state_json(state, **extra: Any) -> dict[str, Any]:
    plan = state.step.plan
    return {
        "workflow_id": state.workflow_id,
        "case": state.request.case_ref,
        "la": state.request.la,
        "received": state.request.received_on.isoformat(),
        "rule": plan.rule_id,
        "due": plan.due.isoformat(),
        "target": plan.target.isoformat(),
        "basis": plan.basis,
        "status": state.status.value,
        "la_clock": [
            *state.facts.get("la_clock", []),
            *(
                {"rule_id": s.rule_id, "due": s.plan.due.isoformat(), "basis": s.plan.basis, "status": s.status.value}
                for s in state.la_steps
                if s.plan
            ),
        ],
        **extra,
    }


def step_json(step) -> dict[str, Any]:
    return {
        "workflow_id": step.workflow_id,
        "process": step.process_kind,
        "case": step.case_ref,
        "la": step.la,
        "rule": step.rule_id,
        "due": step.due.isoformat(),
        "target": step.target.isoformat(),
        "owner": step.owner,
        "days_left": step.days_left,
        "overdue": step.overdue,
        "exempt": step.exempt,
        "stopped_outside_sendclock": step.stopped,
    }


def step_line(step) -> str:
    if step.overdue:
        when = f"OVERDUE {-step.days_left}d"
    elif step.days_left == 0:
        when = "due today"
    else:
        when = f"{step.days_left}d left"
    exempt = " (exempt)" if step.exempt else ""
    stopped = " (STOPPED outside sendclock: no reminders)" if step.stopped else ""
    return (
        f"{when:<13} {step.case_ref:<14} {step.la:<16} {step.rule_id:<22} "
        f"due {fmt(step.due)}  target {fmt(step.target)}  owner {step.owner}{exempt}{stopped}"
    )


def stopped_lines(stopped) -> list[str]:
    """Processes stopped outside sendclock (store.reconcile.Stopped), first in any listing: they need a SENCO."""
    if not stopped:
        return []
    lines = [f"{len(stopped)} process(es) stopped outside sendclock: their steps send no reminders until resumed."]
    for s in stopped:
        p = s.process
        lines.append(f"  {p.case_ref} ({p.la}): {s.sentence}. Resume it: sendclock process resume --case {p.case_ref}")
    return lines + [""]


# --- any statutory process (draft consultation, re-assessment, ...) -------------------------------------------


def _verdict(status: str, completed_on, on_time: bool | None, days_late: int | None) -> str:
    if status != "completed":
        return status
    if on_time is None:  # an earliest date (or a step closed without a deadline): neither on time nor late
        return f"done {fmt(completed_on)}"
    return f"done {fmt(completed_on)}, " + ("on time" if on_time else f"{days_late} day(s) late")


def _step_line(rule_id: str, verdict: str, due, target, owner: str, exemption: str | None) -> str:
    exempt = f"  (exemption {exemption})" if exemption else ""
    return f"    {rule_id:<27} {verdict:<30} due {fmt(due)}  target {fmt(target)}  owner {owner}{exempt}"


def _facts(facts: dict[str, Any]) -> str:
    """The facts a person reads (keys starting with '_' are a workflow's own bookkeeping)."""
    return ", ".join(f"{key} {value}" for key, value in sorted(facts.items()) if not key.startswith("_"))


def process_step_lines(state) -> list[str]:
    """One line per planned step of a ProcessState (a step being planned has no dates yet)."""
    return [
        _step_line(
            s.rule_id,
            _verdict(s.status.value, s.completed_on, s.on_time, s.days_late),
            s.plan.due,
            s.plan.target,
            s.owner,
            s.exemption.ground if s.exemption else None,
        )
        for s in state.steps
        if s.plan is not None
    ]


def process_text(state) -> str:
    h = state.header
    lines = [
        f"{state.workflow_id}",
        f"  {state.kind}: case {h.case_ref} ({h.la}), from {fmt(h.received_on)}; {state.status.value}",
        "  steps:",
        *process_step_lines(state),
    ]
    if state.facts:
        lines.append(f"  facts: {_facts(state.facts)}")
    return "\n".join(lines)


def process_started_text(state, created: bool, settings) -> str:
    head = "Started" if created else "Already exists (nothing new started)"
    h = state.header
    return "\n".join(
        [
            f"{head}: {state.workflow_id}",
            f"  {state.kind}: case {h.case_ref} ({h.la}), from {fmt(h.received_on)}; owner {h.owner}; "
            f"{state.status.value}",
            "  steps:",
            *process_step_lines(state),
            f"  Temporal UI: {workflow_link(settings, state.workflow_id)}",
        ]
    )


def process_json(state, **extra: Any) -> dict[str, Any]:
    h = state.header
    return {
        "workflow_id": state.workflow_id,
        "process": state.kind,
        "case": h.case_ref,
        "la": h.la,
        "received": h.received_on.isoformat(),
        "owner": h.owner,
        "status": state.status.value,
        "closed": state.closed,
        "steps": [
            {
                "rule": s.rule_id,
                "instance": s.instance,
                "status": s.status.value,
                "due": s.plan.due.isoformat(),
                "target": s.plan.target.isoformat(),
                "basis": s.plan.basis,
                "style": s.plan.style,
                "owner": s.owner,
                "completed_on": s.completed_on.isoformat() if s.completed_on else None,
                "on_time": s.on_time,
                "days_late": s.days_late,
                "exemption": s.exemption.ground if s.exemption else None,
            }
            for s in state.steps
            if s.plan is not None
        ],
        "facts": state.facts,
        **extra,
    }


def process_row_json(process) -> dict[str, Any]:
    """A process row of the database (store.models.Process) with its steps."""
    return {
        "workflow_id": process.workflow_id,
        "process": process.kind,
        "case": process.case_ref,
        "la": process.la,
        "received": process.received_on.isoformat(),
        "owner": process.owner,
        "status": process.status,
        "steps": [
            {
                "rule": s.rule_id,
                "instance": s.instance,
                "status": s.status,
                "due": s.due.isoformat(),
                "target": s.target.isoformat(),
                "basis": s.basis,
                "owner": s.owner,
                "completed_on": s.completed_on.isoformat() if s.completed_on else None,
                "on_time": s.on_time,
                "days_late": s.days_late,
                "exemption": s.exemption_ground,
            }
            for s in process.steps
        ],
        "facts": process.facts,
    }


def process_row_text(process) -> str:
    lines = [
        f"{process.workflow_id}",
        f"  {process.kind}: case {process.case_ref} ({process.la}), from {fmt(process.received_on)}; "
        f"owner {process.owner}; {process.status}",
        "  steps:",
    ]
    lines += [
        _step_line(
            s.rule_id,
            _verdict(s.status, s.completed_on, s.on_time, s.days_late),
            s.due,
            s.target,
            s.owner,
            s.exemption_ground,
        )
        for s in process.steps
    ]
    if process.facts:
        lines.append(f"  facts: {_facts(process.facts)}")
    return "\n".join(lines)


def moved_steps(before, after) -> list[tuple[Any, Any]]:
    """(as it was, as it is) for each step whose due date or target moved between two states of a process."""
    was = {(s.rule_id, s.instance): s for s in before.steps if s.plan is not None}
    return [
        (was[(s.rule_id, s.instance)], s)
        for s in after.steps
        if s.plan is not None
        and (s.rule_id, s.instance) in was
        and (was[(s.rule_id, s.instance)].plan.due, was[(s.rule_id, s.instance)].plan.target)
        != (s.plan.due, s.plan.target)
    ]


def moved_json(old, step) -> dict[str, Any]:
    return {
        "rule": step.rule_id,
        "title": step.plan.rule_title,
        "due": step.plan.due.isoformat(),
        "target": step.plan.target.isoformat(),
        "previous_due": old.plan.due.isoformat(),
        "previous_target": old.plan.target.isoformat(),
        "owner": step.owner,
    }


def replanned_text(state, moved) -> str:
    """What planning again changed in one process, in sentences."""
    head = f"{state.header.case_ref}, {state.kind.replace('-', ' ')} ({state.workflow_id}):"
    if not moved:
        return f"{head} no date moved."
    lines = [head]
    for old, step in moved:
        plan = step.plan
        lines.append(
            f"  {plan.rule_title}: due {fmt(plan.due)} (was {fmt(old.plan.due)}), target {fmt(plan.target)} "
            f"(was {fmt(old.plan.target)}); {step.owner} has been told."
        )
    return "\n".join(lines)


# --- a process started (sendclock <group> start: starter/cli/starts.py) ------------------------------------------


def is_advice(state) -> bool:
    """An EHC advice request's state (the first process, with its own shape) rather than a ProcessState."""
    return hasattr(state, "request")


def plan_warnings(state) -> list[str]:
    """One line for each open step whose plan carries a warning (a transfer on or before the date reg 18 sets)."""
    return [
        f"Warning: {step.plan.warning}"
        for step in getattr(state, "steps", [])
        if step.plan is not None and step.plan.warning and step.status.value == "open"
    ]


def started_json(state, **extra: Any) -> dict[str, Any]:
    return state_json(state, **extra) if is_advice(state) else process_json(state, **extra)


def started_process_text(state, created: bool, settings) -> str:
    return (
        started_text(state, created, settings) if is_advice(state) else process_started_text(state, created, settings)
    )
