"""The database: a projection of the workflows (process, step), their event log, and the notification outbox.

Temporal's history is the record of truth; these tables let the dashboard and the CLI answer quickly and keep what
auditors need after Temporal's retention has deleted a closed history. Every write comes from an activity and is
idempotent: an event row is keyed by an idempotency key minted in the workflow, and the projection is only
changed by the transaction that inserts that event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


STOPPED_ROWS = text("status = 'stopped'")
# Completions recorded at least 23 hours after the start (UTC) of their date given (0012): every one that could be
# flagged as backdated in a school whose clock is at most an hour ahead of UTC (Europe/London: recorded on a later
# day, audit/backdating.py) is among them, few others. Written the same in the
# index and in the query that reads it (store/compliance_sql.py), as SQLite and PostgreSQL match them by their form.
LATE_RECORDED = {
    "sqlite": "status = 'completed' AND recorded_at >= datetime(completed_on, '+23 hours')",
    "postgresql": "status = 'completed' AND recorded_at >= completed_on + interval '23 hours'",
}
LATE_RECORDED_AFTER = timedelta(hours=23)
LATE_RECORDED_COLUMNS = ("school", "due", "rule_id", "la", "exempt", "on_time", "completed_on", "recorded_at", "id")


class Process(Base):
    """One statutory process: one workflow (its ID is the primary key; it carries no personal data)."""

    __tablename__ = "process"
    __table_args__ = (
        Index("ix_process_school_status", "school", "status"),
        # The processes stopped outside sendclock (0011): a partial index, of those rows only (few, or none).
        Index("ix_process_stopped", "status", sqlite_where=STOPPED_ROWS, postgresql_where=STOPPED_ROWS),
        Index("ix_process_la_school", "la", "school"),  # the LAs the processes name (0011)
        Index("ix_process_school_la", "school", "la"),
    )

    workflow_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The school it belongs to (settings `schools.<id>`; a single-school install's is "default"): migration 0010.
    school: Mapped[str] = mapped_column(String(24), default="default", server_default="default")
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "ehc-advice-request"
    case_ref: Mapped[str] = mapped_column(String(40), index=True)
    la: Mapped[str] = mapped_column(String(80))
    owner: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | completed | withdrawn
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))  # email | post | hand | portal
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(200))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # process-specific: meeting date, decision, ...

    steps: Mapped[list[Step]] = relationship(back_populates="process", order_by="Step.id")


class Step(Base):
    """One statutory step of a process: a rule applied to an anchor date, with its due and target dates."""

    __tablename__ = "step"
    __table_args__ = (
        UniqueConstraint("process_id", "rule_id", "instance", name="uq_step_process_rule_instance"),
        Index("ix_step_status_target", "status", "target"),
        Index("ix_step_status_due", "status", "due"),  # overdue and due soon: open steps by due date (0006)
        # The step lists (0011, store/step_list.py): counts and filter choices; one school's open steps by date.
        Index(
            "ix_step_open_facets",
            *("status", "school", "la", "owner", "rule_id", "process_kind", "due", "exempt", "case_ref", "id"),
        ),
        # One school's steps by status and due date, covering what the year's counts read (0012, compliance_sql).
        Index(
            "ix_step_school_status_due",
            *("school", "status", "due", "rule_id", "la", "exempt", "on_time", "completed_on", "recorded_at", "id"),
        ),
        Index("ix_step_school_status_target", "school", "status", "target"),
        Index("ix_step_status_case", "status", "case_ref", "due"),  # the lists sorted by case reference
        Index("ix_step_due_case", "due", "case_ref", "id"),  # the steps export, a batch at a time in its order
        # The year's completions that could be backdated, covering what the figures read of them (0012).
        Index(
            "ix_step_late_recorded",
            *LATE_RECORDED_COLUMNS,
            sqlite_where=text(LATE_RECORDED["sqlite"]),
            postgresql_where=text(LATE_RECORDED["postgresql"]),
        ),
        # The LA scorecard: a rule's steps by due date, covering every column its counts read (0011).
        Index(
            "ix_step_rule_due",
            *("rule_id", "due", "status", "la", "school", "exempt", "on_time", "completed_on", "days_late"),
            *("meeting_held_on", "process_held_on"),  # an annual review's meeting (0012)
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(ForeignKey("process.workflow_id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(40))
    instance: Mapped[int] = mapped_column(Integer, default=1)  # the rule's n-th occurrence (annual review cycles)
    rule_version: Mapped[date] = mapped_column(Date)  # the rule's effective-from date
    basis: Mapped[str] = mapped_column(String(200))
    anchor: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    target: Mapped[date] = mapped_column(Date)
    explanation: Mapped[list[str]]
    owner: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | completed | withdrawn
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    exemption_ground: Mapped[str | None] = mapped_column(String(40))
    completed_on: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    days_late: Mapped[int | None] = mapped_column(Integer)
    # The LA's practice date beside the statutory `due` (never instead of it) and its sentence: an LA profile's lead
    # time before a review meeting, or its own date for transfer-year meetings (0009). None: the law alone.
    la_practice_due: Mapped[date | None] = mapped_column(Date)
    la_practice_note: Mapped[str | None] = mapped_column(String(400))
    # Its process's school, LA, kind and case reference, copied by the database's triggers on every insert and every
    # change of the process (0011): the step lists count, filter, sort and page the step table alone. Read-only here:
    # whatever a writer gives, the triggers set them from the process.
    school: Mapped[str] = mapped_column(String(24), server_default="default")
    la: Mapped[str] = mapped_column(String(80), server_default="")
    process_kind: Mapped[str] = mapped_column(String(40), server_default="")
    case_ref: Mapped[str] = mapped_column(String(40), server_default="")
    # Its completion event's facts (migration 0012's triggers: set when that event is written, whatever a writer
    # gives): when it was written, its actor, data["recorded_by"] and data["meeting_held_on"] as written. Read only
    # while the step is completed (store/web_queries.py). NULL: no completion recorded.
    recorded_at: Mapped[datetime | None]
    recorded_actor: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(Text)
    meeting_held_on: Mapped[str | None] = mapped_column(Text)
    # Its process's facts["held_on"] (this cycle's review meeting, as written), copied like school and LA (0012). Read
    # only while the step is open.
    process_held_on: Mapped[str | None] = mapped_column(Text)

    process: Mapped[Process] = relationship(back_populates="steps")


class CompletionCount(Base):
    """How many completed steps there are of each school, academic year (by due date: 1 September to 31 August), rule,
    LA, exemption and outcome (on time or late: store.compliance.outcome), kept by the database's triggers on every
    insert, change and delete of a step (migration 0013), so that a year's compliance figures add up a few hundred
    rows instead of counting every completed step of the year (store/compliance_sql.py). Read-only here. A group
    whose steps all went elsewhere stays with n 0."""

    __tablename__ = "completion_count"

    school: Mapped[str] = mapped_column(String(24), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)  # the academic year, by the year it starts
    rule_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    la: Mapped[str] = mapped_column(String(80), primary_key=True)
    exempt: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    on_time: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class Event(Base):
    """Something that happened to a process, in order; `key` makes a retried write a no-op. The audit record:
    append-only (triggers refuse UPDATE and DELETE) and hash-chained (see store.recorder)."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    process_id: Mapped[str] = mapped_column(ForeignKey("process.workflow_id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]  # workflow time, never the activity's wall clock
    actor: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The hash chain (store.recorder.event_hash): the previous row's hash, and sha256 over it and this row's content.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class PublishedHead(Base):
    """The audit record's fingerprint as it was sent out on one day (store/chain_heads.py): the hash of the last
    chained event row, its id and how many rows there were up to it. Append-only (triggers, migration 0008). No
    foreign key to `event`: a retention purge may remove the row, and its purge record then carries the link."""

    __tablename__ = "published_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_on: Mapped[date] = mapped_column(Date, unique=True)  # the school's date: one a day
    published_at: Mapped[datetime]  # workflow time
    event_id: Mapped[int | None] = mapped_column(Integer)  # None: the record had no entries yet
    hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    recipients: Mapped[list[str]]  # staff ids it was sent to


class Outbox(Base):
    """One notification to one staff member on one channel: what was said, and whether it went.

    status: queued (about to be sent) | held (outside working hours: waits for `not_before`) | sending (claimed by
    a sender) | sent | accepted (Teams answered 202: taken, not proven delivered) | kept (no channel: the row is the
    delivery, shown on the dashboard) | failed (with `error`; the dashboard lists these first; retried while
    `not_before` is set). When a staff member's channels keep failing, the notice goes to the SENCO's e-mail on a
    fallback row whose `fallback_for` is the failed row's key; the failed row stays failed, so it stays visible.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_created_at", "status", "created_at"),
        Index("ix_outbox_status_not_before", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(240), unique=True)
    # The school whose staff it went to (a digest or fingerprint has no process to say so): migration 0010.
    school: Mapped[str] = mapped_column(String(24), default="default", server_default="default", index=True)
    notice_key: Mapped[str | None] = mapped_column(String(240), index=True)  # the notification; shared by its channels
    process_id: Mapped[str | None] = mapped_column(ForeignKey("process.workflow_id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))  # assigned | reminder | overdue | completed | exemption | ...
    recipient: Mapped[str] = mapped_column(String(32))  # staff id
    channel: Mapped[str] = mapped_column(String(20))  # outbox | email | o365 | teams (a suffix -2, -3 for repeats)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    scheduled_for: Mapped[datetime]
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime]
    attempted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    fallback_for: Mapped[str | None] = mapped_column(String(240))
