"""How the CLI prints things: readable text by default, stable JSON with --json."""

from __future__ import annotations

import re
from collections.abc import Mapping
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


def staff_name(settings: Any, staff_id: str | None) -> str:
    """A staff id as the school knows the person: their name in the staff directory (settings.staff), else the id."""
    if not staff_id:
        return "nobody"
    staff: Mapping[str, Any] = getattr(settings, "staff", None) or {}
    member = staff.get(staff_id)
    name = getattr(member, "name", None)
    return name if name else staff_id


def step_title(rule_id: str, title: str | None = None) -> str:
    """A step as a SENCO reads it: the rule book's title, its rule id after it in brackets (the id alone for a rule
    the rule book no longer has)."""
    if not title:
        from statutory import get_rule

        try:
            title = get_rule(rule_id).title
        except ValueError:
            return rule_id
    return f"{title} ({rule_id})"


def days(n: int) -> str:
    """'1 day', '3 days'."""
    return f"{n} day{'' if n == 1 else 's'}"


def ground_text(ground_id: str) -> str:
    """An exemption ground by its regulation ('reg 8(2)(a)'), or its id when the rule book does not know it."""
    from statutory.exemptions import EXEMPTION_GROUNDS

    for ground in EXEMPTION_GROUNDS:
        if ground.id == ground_id:
            return ground.regulation.split(";")[0]
    return ground_id


def process_label(kind: str) -> str:
    """A process kind in a SENCO's words ('Annual review'), from the process registry."""
    from workflows.registry import PROCESS_LABELS

    return PROCESS_LABELS.get(kind, kind.replace("-", " ").capitalize())


def case_and_la(case_ref: str, la: str) -> str:
    """'EHC-0042 (Kent)'; a process with no LA (SEN support, a duty: workflows.models.NO_LA) by its case alone."""
    from workflows.models import NO_LA

    return case_ref if la == NO_LA else f"{case_ref} ({la})"


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def plain(value: Any) -> str:
    """A value as a person reads it: yes/no for a flag, a date as 'Mon 16 Mar 2026', a list as words with commas,
    never Python's own spelling of it (True, None, ['a', 'b'])."""
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{fmt(value.date())} {value:%H:%M}"
    if isinstance(value, date):
        return fmt(value)
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            try:
                return fmt(date.fromisoformat(value))
            except ValueError:
                return value
        return value
    if isinstance(value, Mapping):
        return "; ".join(f"{str(k).replace('_', ' ')} {plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return ", ".join(plain(v) for v in value) or "none"
    return str(value)


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
        # The LA's practice date beside the statutory `due` (never instead of it); null: the law alone.
        "la_practice": (
            {
                "la": deadline.la_practice.la,
                "due": deadline.la_practice.due.isoformat(),
                "weeks_before_meeting": deadline.la_practice.weeks,
                "description": deadline.la_practice.description,
            }
            if deadline.la_practice
            else None
        ),
    }


def deadline_text(deadline, rule) -> str:
    lines = [
        step_title(rule.id, rule.title),
        f"  from    {fmt(deadline.anchor)}",
        f"  due     {fmt(deadline.due)}   "
        + ("(a date to plan by: guidance, not law)" if rule.guidance else "(the statutory date)"),
        *(
            [f"  LA      {fmt(deadline.la_practice.due)}   ({deadline.la_practice.la}'s practice, not the law)"]
            if deadline.la_practice
            else []
        ),
        f"  target  {fmt(deadline.target)}   (the working day to aim for)",
        f"  basis   {deadline.basis}",
        *([f"  warning {dates_in(deadline.warning)}"] if deadline.warning else []),
        "  how:",
    ]
    lines += [f"    - {dates_in(line)}" for line in deadline.explanation]
    return "\n".join(lines)


def dates_in(text: str) -> str:
    """`text` (a workflow's outcome, a rule's warning) as the CLI says it: each ISO date in it (2027-03-01) as
    'Mon 1 Mar 2027', and "9 day(s)" as "9 days"."""

    def one(found: re.Match[str]) -> str:
        try:
            return fmt(date.fromisoformat(found.group(0)))
        except ValueError:
            return found.group(0)

    text = re.sub(r"(?<![0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])", one, text)
    return re.sub(r"\b([0-9]+) day\(s\)", lambda found: days(int(found.group(1))), text)


# What a step's next notice is, in words (`next` of `advice show`).
NOTICE_WORDS = {
    "assigned": "the owner told of the step",
    "reminder": "reminder",
    "overdue": "overdue notice",
    "asap": "reminder (as soon as practicable)",
    "prompt": "prompt",
    "closes": "notice that the period closes",
}


def _exempt_words(ground: str) -> str:
    return f"exemption under {ground_text(ground)} recorded: as soon as practicable"


def _describe(state) -> str:
    step = state.step
    if step.status.value == "completed":
        verdict = "on time" if step.on_time else f"{days(step.days_late or 0)} late"
        return f"advice sent on {fmt(step.completed_on)}: {verdict}"
    if step.status.value == "withdrawn":
        return "withdrawn by the LA"
    if step.status.value == "cancelled":
        return "cancelled"
    if step.exemption:
        return f"open; {_exempt_words(step.exemption.ground)}"
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
            f"  owner   {staff_name(settings, state.request.owner)}; status {_describe(state)}",
            *la_clock_lines(state, settings),
            f"  Temporal UI: {workflow_link(settings, state.workflow_id)}",
        ]
    )


def _la_clock_shown(facts: Mapping[str, Any]) -> list[str]:
    """The LA's dates shown beside the advice (the facts' la_clock: rule, title, due, basis)."""
    return [
        f"    {step_title(e['rule_id'], e.get('title'))}: due {plain(e['due'])}   ({e['basis']})"
        for e in facts.get("la_clock", [])
    ]


def la_clock_lines(state, settings: Any = None) -> list[str]:
    """The LA's own clock beside the advice: its dates, and where the chase of its final plan stands."""
    if not state.la_steps and not state.facts.get("la_clock"):
        return []
    lines = [f"  LA's clock from the assessment request of {plain(state.facts.get('assessment_requested_on'))}:"]
    lines += _la_clock_shown(state.facts)
    for step in state.la_steps:
        plan = step.plan
        if plan is None:
            continue
        verdict = _verdict(step.status.value, step.completed_on, step.on_time, step.days_late)
        lines.append(
            f"    {step_title(step.rule_id, plan.rule_title)}: due {fmt(plan.due)}   ({plan.basis}): {verdict}, "
            f"chased by {staff_name(settings, step.owner)}"
        )
    return lines


def state_text(state, settings) -> str:
    plan = state.step.plan
    lines = [
        f"{state.workflow_id}",
        f"  case    {state.request.case_ref} ({state.request.la}), received {fmt(state.request.received_on)}",
        f"  due     {fmt(plan.due)}   target {fmt(plan.target)}",
        f"  owner   {staff_name(settings, state.step.owner)}",
        f"  status  {_describe(state)}",
        f"  notices sent {state.step.notices_sent} (escalations {state.step.escalations_sent}, "
        f"failed {state.step.notices_failed})",
    ]
    if state.step.pending and state.step.status.value == "open":
        nxt = state.step.pending[0]
        lines.append(f"  next    {NOTICE_WORDS.get(nxt.kind, nxt.kind)} on {fmt(nxt.on)}")
    lines += la_clock_lines(state, settings)
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


def step_line(step, settings: Any = None) -> str:
    """One open step of `sendclock list`: how long is left, the case, the LA, the step by its title, its dates and
    its owner (by name where the staff directory has one)."""
    if step.overdue:
        when = f"OVERDUE {days(-step.days_left)}"
    elif step.days_left == 0:
        when = "due today"
    else:
        when = f"{days(step.days_left)} left"
    exempt = " (exempt)" if step.exempt else ""
    stopped = " (STOPPED outside sendclock: no reminders)" if step.stopped else ""
    return (
        f"{when:<15} {step.case_ref:<14} {step.la:<16} {step_title(step.rule_id)}: "
        f"due {fmt(step.due)}, target {fmt(step.target)}; owner {staff_name(settings, step.owner)}{exempt}{stopped}"
    )


def stopped_lines(stopped, school: str | None = None) -> list[str]:
    """Processes stopped outside sendclock (store.reconcile.Stopped), first in any listing: they need a SENCO. With
    `school` (a deployment of several), the command to resume one names it."""
    if not stopped:
        return []
    lines = [f"{len(stopped)} process(es) stopped outside sendclock: their steps send no reminders until resumed."]
    at = f" --school {school}" if school else ""
    for s in stopped:
        p = s.process
        lines.append(
            f"  {case_and_la(p.case_ref, p.la)}: {dates_in(s.sentence)}. "
            f"Resume it: sendclock process resume --case {p.case_ref}{at}"
        )
    return lines + [""]


# --- any statutory process (draft consultation, re-assessment, ...) -------------------------------------------


def _verdict(status: str, completed_on, on_time: bool | None, days_late: int | None) -> str:
    if status != "completed":
        return status
    if on_time is None:  # an earliest date (or a step closed without a deadline): neither on time nor late
        return f"done {fmt(completed_on)}"
    return f"done {fmt(completed_on)}, " + ("on time" if on_time else f"{days(days_late or 0)} late")


def _step_line(
    rule_id: str,
    verdict: str,
    due,
    target,
    owner: str,
    exemption: str | None,
    settings: Any = None,
    title: str | None = None,
) -> str:
    exempt = f" (exempt under {ground_text(exemption)})" if exemption else ""
    return (
        f"    {step_title(rule_id, title)}: {verdict}; due {fmt(due)}, target {fmt(target)}; "
        f"owner {staff_name(settings, owner)}{exempt}"
    )


# The facts of a process (workflows' own keys) in a SENCO's words; a key not here is read with spaces for '_'.
FACT_LABELS = {
    "cycle": "review cycle",
    "invitees": "invited",
    "preparing_for_adulthood": "preparing for adulthood",
    "year_group": "year group",
    "transfer_on": "transfer on",
    "transfer_kind": "transfer",
    "meeting_on": "meeting on",
    "short_notice": "short notice",
    "held_on": "meeting held on",
    "attended": "attended",
    "decided_on": "decided on",
    "decision": "LA's decision",
    "ceased_on": "plan ceased on",
    "cease_decided_on": "decision to cease on",
    "appeal_window_due": "appeal window closes",
    "appeal_lodged_on": "appeal lodged on",
    "appeal_decided_on": "appeal decided on",
    "appeal_outcome": "appeal outcome",
    "final_plan_issued_on": "final plan issued on",
    "names_setting": "final plan names",
    "already_named": "plan already names it",
    "last_assessment_on": "last assessment on",
    "request_sent_on": "request sent on",
    "sent_before_earliest": "sent before the earliest date",
    "la_decision": "LA's decision",
    "served_on": "draft plan served on",
    "assessment_requested_on": "assessment requested on",
}


def fact_lines(facts: Mapping[str, Any]) -> list[str]:
    """The facts a person reads, one a line ("    meeting on   Mon 1 Mar 2027"); keys starting with '_' are a
    workflow's own bookkeeping, and the LA's clock of an advice request is shown as its dates."""
    shown = [
        (FACT_LABELS.get(key, key.replace("_", " ")), plain(value))
        for key, value in facts.items()  # in the order the process learnt them
        if not key.startswith("_") and key != "la_clock"
    ]
    lines = []
    if shown:
        width = max(len(label) for label, _ in shown)
        lines = ["  facts:", *(f"    {label:<{width}}  {value}" for label, value in shown)]
    if facts.get("la_clock"):
        lines += ["  LA's clock:", *_la_clock_shown(facts)]
    return lines


def _status_words(status: str) -> str:
    return {"completed": "finished", "stopped": "STOPPED outside sendclock"}.get(status, status)


def process_step_lines(state, settings: Any = None) -> list[str]:
    """One line per planned step of a ProcessState (a step being planned has no dates yet)."""
    return [
        _step_line(
            s.rule_id,
            _verdict(s.status.value, s.completed_on, s.on_time, s.days_late),
            s.plan.due,
            s.plan.target,
            s.owner,
            s.exemption.ground if s.exemption else None,
            settings,
            s.plan.rule_title,
        )
        for s in state.steps
        if s.plan is not None
    ]


def _process_status(state) -> str:
    status = _status_words(state.status.value)
    return f"CLOSED ({status})" if state.closed else status


def process_text(state, settings: Any = None) -> str:
    h = state.header
    lines = [
        f"{state.workflow_id}",
        f"  {process_label(state.kind)}: case {case_and_la(h.case_ref, h.la)}, from {fmt(h.received_on)}; "
        f"owner {staff_name(settings, h.owner)}; {_process_status(state)}",
        "  steps:",
        *process_step_lines(state, settings),
        *fact_lines(state.facts),
    ]
    return "\n".join(lines)


def process_started_text(state, created: bool, settings) -> str:
    head = "Started" if created else "Already exists (nothing new started)"
    h = state.header
    return "\n".join(
        [
            f"{head}: {state.workflow_id}",
            f"  {process_label(state.kind)}: case {case_and_la(h.case_ref, h.la)}, from {fmt(h.received_on)}; "
            f"owner {staff_name(settings, h.owner)}; {_process_status(state)}",
            "  steps:",
            *process_step_lines(state, settings),
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


def closed_on(process, settings: Any = None) -> date | None:
    """The school's date a process row was closed (None while open)."""
    if process.closed_at is None:
        return None
    return process.closed_at.astimezone(ZoneInfo(getattr(settings, "timezone", None) or "Europe/London")).date()


def _closed_words(process, settings: Any = None) -> str:
    """'CLOSED (finished on Mon 1 Mar 2027)': how a process row that is no longer open ended, and the date."""
    if process.status == "stopped":
        why = dates_in(process.outcome or "Stopped outside sendclock").rstrip(".")
        return f"{why}; resume it with `sendclock process resume --case {process.case_ref}`"
    on = closed_on(process, settings)
    return f"CLOSED ({_status_words(process.status)}" + (f" on {fmt(on)}" if on else "") + ")"


def process_row_status(process, settings: Any = None) -> str:
    """Where a process row stands, in words: open; or closed, with the date it closed and its outcome."""
    if process.status == "open":
        return "open"
    outcome = f": {dates_in(process.outcome)}" if process.outcome and process.status != "stopped" else ""
    return _closed_words(process, settings) + outcome


def process_row_text(process, settings: Any = None) -> str:
    """A process row of the database (store.models.Process) with its steps and facts."""
    lines = [
        f"{process.workflow_id}",
        f"  {process_label(process.kind)}: case {case_and_la(process.case_ref, process.la)}, from "
        f"{fmt(process.received_on)}; owner {staff_name(settings, process.owner)}; "
        f"{process_row_status(process, settings)}",
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
            settings,
        )
        for s in process.steps
    ]
    lines += fact_lines(process.facts or {})
    return "\n".join(lines)


def advice_row_text(process, settings: Any, stopped_on: Mapping[str, date] | None = None) -> str:
    """An EHC advice request from its database row (`sendclock advice show` once it has closed): the advice step's
    final state, clearly marked closed with the date it closed, and the LA's clock beside it. `stopped_on`: the date
    a withdrawn or cancelled step gave (by rule id), from its record."""
    from commands.advice import rule as advice_rule

    stopped_on = stopped_on or {}
    facts = process.facts or {}
    advice = next((s for s in process.steps if s.rule_id == advice_rule()), None)
    lines = [
        f"{process.workflow_id}",
        f"  case    {process.case_ref} ({process.la}), received {fmt(process.received_on)}",
    ]
    what = dates_in(process.outcome) if process.outcome else ""
    if advice is not None:
        lines.append(f"  due     {fmt(advice.due)}   target {fmt(advice.target)}")
        lines.append(f"  owner   {staff_name(settings, advice.owner)}")
        on = stopped_on.get(advice.rule_id)
        if advice.status == "completed":
            verdict = "on time" if advice.on_time else f"{days(advice.days_late or 0)} late"
            what = f"advice sent on {fmt(advice.completed_on)}, {verdict}"
        elif advice.status in ("withdrawn", "cancelled"):
            what = ("withdrawn by the LA" if advice.status == "withdrawn" else "cancelled") + (
                f" on {fmt(on)}" if on else ""
            )
        elif advice.status == "open":
            what = "the advice is not recorded as sent"
        if advice.exemption_ground:
            what += f" (exempt under {ground_text(advice.exemption_ground)})"
    lines.append(f"  status  {_closed_words(process, settings)}" + (f": {what}" if what else ""))
    others = [s for s in process.steps if s is not advice]
    if others or facts.get("la_clock"):
        requested = facts.get("assessment_requested_on")
        lines.append("  LA's clock" + (f" from the assessment request of {plain(requested)}:" if requested else ":"))
        lines += _la_clock_shown(facts)
        lines += [
            f"    {step_title(s.rule_id)}: due {fmt(s.due)}   ({s.basis}): "
            f"{_verdict(s.status, s.completed_on, s.on_time, s.days_late)}, chased by {staff_name(settings, s.owner)}"
            for s in others
        ]
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


def replanned_text(state, moved, settings: Any = None) -> str:
    """What planning again changed in one process, in sentences."""
    label = process_label(state.kind)
    if not label[:2].isupper():  # "annual review", but "EHC advice request"
        label = label[0].lower() + label[1:]
    head = f"{state.header.case_ref}, {label} ({state.workflow_id}):"
    if not moved:
        return f"{head} no date moved."
    lines = [head]
    for old, step in moved:
        plan = step.plan
        lines.append(
            f"  {plan.rule_title}: due {fmt(plan.due)} (was {fmt(old.plan.due)}), target {fmt(plan.target)} "
            f"(was {fmt(old.plan.target)}); {staff_name(settings, step.owner)} has been told."
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
