"""The timeline and the replay verdict in plain English: dates as dates (Europe/London), staff by role, the case by
its reference only (no pupil data is in history to begin with)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from audit.timeline import Entry, StepSummary, Timeline
from statutory.clock import fmt

ROLE_NAMES = {"senco": "the SENCO", "head": "the headteacher", "staff": "a member of staff",
              "leadership": "a member of the leadership team", "auditor": "an auditor"}
PROCESS_NAMES = {"ehc-advice-request": "EHC advice request", "draft-plan-consultation": "Draft plan consultation",
                 "annual-review": "Annual review", "reassessment": "Re-assessment"}
NOTICE_NAMES = {"reminder": "Reminder", "overdue": "Overdue escalation", "asap": "'As soon as practicable' reminder",
                "prompt": "Prompt", "closes": "Closing notice"}


class Roles:
    """Staff ids to roles (from settings.staff). An id not in the directory is shown as it is."""

    def __init__(self, staff: Mapping[str, Any] | None = None) -> None:
        self.roles = {sid: getattr(member, "role", None) or member.get("role") for sid, member in (staff or {}).items()}

    def __call__(self, staff_id: str | None) -> str:
        if not staff_id:
            return "sendclock"
        if staff_id == "sendclock":
            return "sendclock (automatically)"
        role = self.roles.get(staff_id)
        if role is None:
            return f"staff id '{staff_id}'"
        name = ROLE_NAMES.get(role, role)
        return name if staff_id == role else f"{name} ('{staff_id}')"

    def many(self, ids: list[str]) -> str:
        names = [self(i) for i in ids]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else "nobody"


def d(value: date | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return fmt(value)


def lateness(on_time: bool | None, days_late: int | None) -> str:
    if on_time is None:
        return "no deadline applies (an earliest date)"
    return "on time" if on_time else f"late by {days_late} day{'s' if days_late != 1 else ''}"


def describe(entry: Entry, roles: Roles, titles: Mapping[str, str] | None = None) -> str:
    """One record as a sentence."""
    data, kind = entry.data, entry.kind
    step = (titles or {}).get(entry.rule_id or "", entry.rule_id or "")
    if kind == "request-received":
        return f"Request received on {d(data.get('received_on'))} (by {data.get('channel', 'unknown channel')})."
    if kind == "step-opened":
        s = entry.record.step
        basis = f" Basis: {s.basis}." if s else ""
        return (f"Step '{step}' opened for {roles(s.owner if s else None)}: statutory due date {d(data.get('due'))}, "
                f"target {d(data.get('target'))}.{basis}")
    if kind in ("reminder-sent", "escalation-sent"):
        name = NOTICE_NAMES.get(data.get("kind", ""), str(data.get("kind", "Notice")).capitalize())
        failed = "" if data.get("delivered", True) else " It could not be delivered (recorded as failed)."
        return f"{name} for '{step}' sent to {roles.many(list(data.get('recipients', [])))}.{failed}"
    if kind == "exemption-recorded":
        period = ""
        if data.get("start"):
            period = f" from {d(data['start'])}" + (f" to {d(data['end'])}" if data.get("end") else "")
        return (f"Exemption recorded on '{step}' by {roles(entry.actor)}: ground {data.get('ground')}{period}. "
                "The duty became 'as soon as practicable'.")
    if kind == "completed":
        s = entry.record.step
        on_time = data.get("on_time") if "on_time" in data else (s.on_time if s else None)
        return (f"'{step}' done on {d(data.get('completed_on'))}, recorded by {roles(entry.actor)}: "
                f"{lateness(on_time, data.get('days_late'))}.")
    if kind in ("withdrawn", "cancelled"):
        return (f"'{step}' {kind} on {d(data.get(f'{kind}_on'))} by {roles(entry.actor)}"
                + (f": {data['reason']}" if data.get("reason") else "") + ".")
    if kind == "reassigned":
        return (f"'{step}' reassigned from {roles(data.get('from'))} to {roles(data.get('to'))} by {roles(entry.actor)}"
                + (f": {data['reason']}" if data.get("reason") else "") + ".")
    if kind == "step-rescheduled":
        return (f"'{step}' planned again from {d(data.get('anchor'))}: due {d(data.get('due'))} "
                f"(was {d(data.get('previous_due'))}), target {d(data.get('target'))}.")
    if kind == "step-replanned":
        return (f"'{step}' planned again by {roles(entry.actor)} ({data.get('reason') or 'no reason given'}): due "
                f"{d(data.get('due'))} (was {d(data.get('previous_due'))}), target {d(data.get('target'))} "
                f"(was {d(data.get('previous_target'))}).")
    if kind == "notification-failed":
        return (f"A '{data.get('kind')}' notice for '{step}' to {roles.many(list(data.get('recipients', [])))} "
                "failed after every retry.")
    if kind == "process-closed":
        return f"Process closed: {data.get('status', '')}" + (f" ({data['outcome']})" if data.get("outcome") else "") + "."
    words = kind.replace("-", " ").capitalize()
    details = ", ".join(f"{k.replace('_', ' ')} {d(v) if k.endswith('_on') else v}" for k, v in data.items()
                        if isinstance(v, (str, int, bool)) and v not in ("", None))
    by = f" by {roles(entry.actor)}" if entry.actor else ""
    return f"{words}{by}" + (f": {details}" if details else "") + "."


def step_lines(step: StepSummary, roles: Roles) -> list[str]:
    head = f"{step.title} ({step.rule_id}" + (f", occurrence {step.instance}" if step.instance > 1 else "") + ")"
    lines = [head, f"  basis: {step.basis}", f"  from {d(step.anchor)}: due {d(step.due)}, target {d(step.target)}"]
    lines += [f"    {line}" for line in step.explanation]
    lines.append(f"  owner: {roles(step.owner)}")
    if step.reminders:
        sent = "; ".join(f"{d(r.on)} to {roles.many(list(r.data.get('recipients', [])))}" for r in step.reminders)
        lines.append(f"  reminders sent ({len(step.reminders)}): {sent}")
    if step.exempt:
        lines.append(f"  exemption: {step.exemption_ground}")
    if step.status == "completed":
        lines.append(f"  outcome: done on {d(step.completed_on)}, {lateness(step.on_time, step.days_late)}")
    else:
        lines.append(f"  outcome: {step.status}")
    return lines


def timeline_text(timeline: Timeline, roles: Roles) -> str:
    kind = PROCESS_NAMES.get(timeline.process_kind or "", timeline.process_kind or timeline.workflow_type)
    lines = [f"Case {timeline.case_ref or '?'}: {kind}" + (f", LA {timeline.la}" if timeline.la else ""),
             f"Workflow {timeline.workflow_id} ({len(timeline.runs)} run{'s' if len(timeline.runs) != 1 else ''}, "
             f"{timeline.events} history events)"]
    if timeline.received_on:
        lines.append(f"Received: {d(timeline.received_on)}")
    if timeline.closed:
        lines.append(f"Closed: {d(timeline.entries[-1].on if timeline.entries else None)}, status {timeline.status}"
                     + (f" ({timeline.outcome})" if timeline.outcome else ""))
    else:
        lines.append(f"Still open (status {timeline.status or 'open'})")
    for reset in timeline.resets:
        lines.append(f"WARNING: {reset.sentence()}")
    if timeline.rewritten:
        lines.append(f"WARNING: {len(timeline.rewritten)} record(s) of an earlier run are not in the current history "
                     "(marked REMOVED BY A RESET below); the steps below follow the current history.")
    titles = {s.rule_id: s.title for s in timeline.steps}
    lines += ["", "Statutory steps:"]
    for step in timeline.steps:
        lines += ["  " + line for line in step_lines(step, roles)]
    lines += ["", "What happened, in order (dates in Europe/London):"]
    for entry in timeline.entries:
        removed = "REMOVED BY A RESET: " if entry.rewritten else ""
        lines.append(f"  {d(entry.on)}  {removed}{describe(entry, roles, titles)}")
    return "\n".join(lines)
