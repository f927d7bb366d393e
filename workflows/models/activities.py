"""Activity payloads: plan, record, notify."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from workflows.models.common import Channel, Model, NoticeKind, StepStatus

__all__ = [
    "ProcessRecord",
    "StepRecord",
    "RecordInput",
    "NoticeContext",
    "NotifyInput",
    "Delivery",
    "NotifyResult",
    "Recorded",
]


class ProcessRecord(Model):
    """The process row as the workflow sees it (upserted by the record activity)."""

    kind: str
    case_ref: str
    la: str
    owner: str
    status: StepStatus
    received_on: date
    channel: Channel
    outcome: str | None = None
    closed: bool = False
    facts: dict[str, Any] = Field(default_factory=dict)


class StepRecord(Model):
    """The step row as the workflow sees it (upserted by the record activity)."""

    rule_id: str
    instance: int = 1
    rule_version: date
    basis: str
    anchor: date
    due: date
    target: date
    explanation: list[str] | None = None  # None: unchanged since the step's previous record (the same plan)
    owner: str
    status: StepStatus
    exempt: bool = False
    exemption_ground: str | None = None
    completed_on: date | None = None
    on_time: bool | None = None
    days_late: int | None = None
    # The LA's practice date beside the statutory `due`, and its sentence (StepPlan.la_practice); None: the law alone.
    la_practice_due: date | None = None
    la_practice_note: str | None = None


class RecordInput(Model):
    """One event, and the projection it changes; `key` makes a retried activity a no-op."""

    key: str
    workflow_id: str
    kind: str
    occurred_at: datetime  # workflow time
    rule_id: str | None = None
    actor: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    process: ProcessRecord | None = None
    step: StepRecord | None = None


class NoticeContext(Model):
    """What a message may say: the case reference, never a pupil's name, birth date or need."""

    workflow_id: str
    process_kind: str
    case_ref: str
    la: str
    rule_id: str
    rule_title: str
    basis: str
    due: date
    target: date
    on: date
    style: str = "duty"
    duty_holder: str = ""  # the local date the message is about (the day it is sent)
    days_to_target: int | None = None
    days_overdue: int | None = None
    exemption_ground: str | None = None
    completed_on: date | None = None
    on_time: bool | None = None
    # The pupil's initials (the process header's, if the SENCO gave them): shown only when the school turns
    # notifications.include_initials on.
    initials: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,3}$")] | None = None
    owner: str | None = None  # the step's owner (staff id): whose step it is, said in the SENCO's copy and the card
    actor: str | None = None  # who made the change this notice announces (staff id): nobody is told of their own act


class NotifyInput(Model):
    key: str  # idempotency key: process, step, kind, scheduled time
    kind: NoticeKind
    recipients: list[str]
    scheduled_for: datetime
    context: NoticeContext


class Delivery(Model):
    """One notice to one staff member, over all their channels (activities/notifier.py says what each status means).

    sent / accepted (Teams took it: 202) / kept (outbox only) / held (quiet hours: sent when the window opens) /
    fallback (their channels failed: it went to the SENCO's e-mail) / failed / skipped (already delivered)."""

    recipient: str
    channel: str
    status: Literal["sent", "kept", "failed", "skipped", "accepted", "held", "fallback"]
    error: str | None = None


class NotifyResult(Model):
    deliveries: list[Delivery]


class Recorded(Model):
    """What the record activity did.

    Run as a local activity (workflows/calls.py), it returns the entry it recorded as well: history keeps a local
    activity's result in its marker, not its input, and the auditor's timeline is read from history alone."""

    written: bool  # False: the key had been recorded before (a retry, or a duplicate from another client)
    entry: RecordInput | None = None
    # The row's hash in the database's chain, returned into history: the chain's anchor outside the database (a
    # chain recomputed after an edit no longer matches it; `audit verify`). None in histories from before.
    hash: str | None = None
