"""The statutory step: its plan, notices, state and outcome (shared by every process)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import Field

from statutory.deadline import LaPracticeDate
from workflows.models.common import (
    Model,
    Note,
    NoticeKind,
    RecordedBy,
    RuleId,
    SendDate,
    StaffId,
    StepStatus,
    StepStyle,
)

__all__ = ["Notice", "PlanStepInput", "StepPlan", "Exemption", "StepState", "StepOutcome", "StepOptions"]


class Notice(Model):
    """A reminder or escalation the step will send at `at` (computed by an activity from the calendar)."""

    kind: NoticeKind
    at: datetime  # aware UTC instant (08:00 Europe/London on a working day by default)
    on: date  # the local date of `at`
    recipients: list[str]
    days_to_target: int | None = None
    days_overdue: int | None = None


class PlanStepInput(Model):
    rule_id: str
    anchor: date
    owner: str
    escalate_to: str
    mode: Literal["statutory", "asap"] = "statutory"
    # Only notices on dates strictly after this one (to continue a schedule); None: from the start.
    after: date | None = None
    # For mode "asap": the due date no longer binds; nudges follow this date.
    asap_from: date | None = None
    # Workflow's today (Europe/London): a prompt whose date has passed is sent at once.
    today: date | None = None
    # The process's LA: an LA's own date for transfer-year review meetings replaces the derived one, and its own lead
    # time before a review meeting is shown beside the statutory date (settings: las.<name>).
    la: str | None = None
    # A planning date (C9) derived from this reg 18 rule instead of the rule's default (phase-transfer-meeting-by).
    derived_from: str | None = None
    # The day the school's promise counts from (the date of the LA's request), if the school counts from it.
    promised_from: date | None = None


class StepPlan(Model):
    """A rule applied to an anchor, as the rule book and the school calendar had it when the step was planned."""

    rule_id: str
    rule_title: str
    rule_version: date
    basis: str
    anchor: date
    due: date
    target: date
    explanation: list[str]
    notices: list[Notice]
    style: StepStyle = "duty"
    duty_holder: str = ""
    # A date the law allows but a SENCO should look at (a transfer before the date reg 18 sets), in a sentence.
    warning: str | None = None
    # The LA's practice date beside the statutory `due` (never instead of it): its lead time before a review meeting,
    # or its own date for transfer-year meetings. None: the law alone (and every plan made before LA profiles).
    la_practice: LaPracticeDate | None = None


class Exemption(Model):
    """A stop-the-clock ground recorded against a step (e.g. reg 8(2)(a))."""

    ground: RuleId
    start: SendDate | None = None
    end: SendDate | None = None
    note: Note = ""
    claimed_by: StaffId
    recorded_by: RecordedBy | None = None  # which account recorded it (common.RECORDED_BY_PATTERN)


class StepState(Model):
    """Everything a statutory step knows; carried across continue-as-new."""

    rule_id: str
    owner: str
    escalate_to: str
    anchor: date
    instance: int = 1  # which occurrence of this rule in the process (an annual review repeats them each cycle)
    plan: StepPlan | None = None
    status: StepStatus = StepStatus.OPEN
    exemption: Exemption | None = None
    completed_on: date | None = None
    on_time: bool | None = None
    days_late: int | None = None
    pending: list[Notice] = Field(default_factory=list)
    notices_sent: int = 0
    escalations_sent: int = 0
    notices_failed: int = 0
    last_notice_on: date | None = None
    derived_from: str | None = None  # see PlanStepInput
    promised_from: date | None = None  # see PlanStepInput
    caught_up_on: date | None = None  # the day the step last sent a catch-up for notices whose day had passed


class StepOutcome(Model):
    rule_id: str
    instance: int = 1
    status: StepStatus
    due: date
    target: date
    completed_on: date | None
    on_time: bool | None
    days_late: int | None
    exempt: bool


class StepOptions(Model):
    """Settings a step needs, passed in by the starter (workflows never read settings)."""

    notify_attempts: int = 6
    notify_initial_interval: timedelta = timedelta(seconds=10)
    notify_maximum_interval: timedelta = timedelta(minutes=10)
