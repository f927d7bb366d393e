"""sendclock's activities: thin adapters on one class that owns its dependencies (settings, database, notifier).
The worker registers the bound methods; tests build their own instance.

Each works for the school of the process that calls it (activities/schools.py: from the workflow id): plan_step and
school_term on that school's calendar, terms, LA profiles and law settings; record writes the process's school;
notify tells that school's staff, by its notification settings and templates (the notifier keeps one per school).
"""

from __future__ import annotations

from datetime import time

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notifier import Notifier
from activities.planning import plan_step
from activities.schools import SchoolViews, UnknownSchool, current_school, unknown_school
from config.school_calendar import school_calendar
from config.settings import Settings
from statutory import SchoolCalendar
from statutory.clock import at_local
from store.queries import open_step_due_between
from store.recorder import hash_of, record_event
from store.writer import write
from workflows import activity_names
from workflows.models import (
    NotifyInput,
    NotifyResult,
    PlanStepInput,
    Recorded,
    RecordInput,
    StepPlan,
    TermInfo,
    TermRequest,
)


class SendclockActivities:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        notifier: Notifier | None = None,
        calendar: SchoolCalendar | None = None,
    ):
        self.settings = settings  # the deployment's: each call works with its process's school's view (`school`)
        self.schools = SchoolViews(settings)
        self.sessions = sessions
        self.notifier = notifier or Notifier(settings, sessions)
        # None: the school's, from its settings, read at each plan (config/school_calendar.py); given (a benchmark's):
        # every school's.
        self.calendar = calendar
        self.engine = sessions.kw["bind"]  # the record activity writes through a Connection (store/recorder.py)

    def school(self, workflow_id: str | None = None) -> Settings:
        """The settings of the school of the calling process (or of `workflow_id`): Settings.for_school."""
        try:
            return self.schools(current_school(workflow_id))
        except UnknownSchool as err:
            raise unknown_school(err) from None

    @activity.defn(name=activity_names.PLAN_STEP)
    def plan_step(self, request: PlanStepInput) -> StepPlan:
        """The step's dates and notices on its school's calendar, with its school's LA profiles and readings."""
        settings = self.school()
        try:
            return plan_step(settings, request, self.calendar)
        except ValueError as err:  # unknown rule, rule not in force: retrying will not help
            raise ApplicationError(str(err), type="InvalidStep", non_retryable=True) from err

    @activity.defn(name=activity_names.SCHOOL_TERM)
    def school_term(self, request: TermRequest) -> TermInfo:
        """The school's term for a date (its configured terms, or the England pattern), the next one and when it
        opens; for a PEP, an annual review of the pupil's plan due in the same term (at the same school)."""
        settings = self.school()
        terms = (self.calendar or school_calendar(settings)).terms
        term = terms.term_of(request.on)
        following = terms.next_term(term)
        annual_review_due = None
        if request.case_ref is not None:
            try:
                with self.sessions() as session:
                    annual_review_due = open_step_due_between(
                        session,
                        request.case_ref,
                        "annual-review-due",
                        term.start,
                        term.end,
                        school=settings.school_id,
                    )
            except SQLAlchemyError as err:
                raise database_error(err) from None
        return TermInfo(
            term=term,
            next=following,
            next_opens_at=at_local(following.start, time(0, 0), settings.timezone),
            annual_review_due=annual_review_due,
        )

    @activity.defn(name=activity_names.RECORD)
    def record(self, entry: RecordInput) -> Recorded:
        try:
            process = entry.process.model_dump() if entry.process else None
            step = entry.step.model_dump() if entry.step else None
            school = current_school(entry.workflow_id)  # the process row's school (the store knows no workflow ids)

            def work(connection) -> tuple[bool, str | None]:
                written = record_event(
                    connection,
                    key=entry.key,
                    process_id=entry.workflow_id,
                    kind=entry.kind,
                    occurred_at=entry.occurred_at,
                    rule_id=entry.rule_id,
                    actor=entry.actor,
                    data=entry.data,
                    process=process,
                    step=step,
                    school=school,
                )
                return written, hash_of(connection, entry.key)

            written, row_hash = write(self.engine, work)
        except IntegrityError as err:
            row_hash = self._recorded(entry.key)
            if row_hash is None:
                raise database_error(err) from None
            written = False  # a concurrent attempt with the same key won: nothing left to do
        except SQLAlchemyError as err:  # e.g. the database unreachable: retried, the workflow waits durably
            raise database_error(err) from None
        return Recorded(written=written, entry=entry if _local() else None, hash=row_hash)

    def _recorded(self, key: str) -> str | None:
        """The hash of the row already recorded with this key, or None."""
        with self.sessions() as session:
            return hash_of(session, key)

    @activity.defn(name=activity_names.NOTIFY)
    def notify(self, notice: NotifyInput) -> NotifyResult:
        """The notice to the process's school's staff (the notifier picks the school from the workflow id)."""
        try:
            return self.notifier.notify(notice)
        except UnknownSchool as err:
            raise unknown_school(err) from None

    def all(self) -> list:
        return [self.plan_step, self.school_term, self.record, self.notify]


def _local() -> bool:
    """Run as a local activity, history holds the result only (workflows/calls.py): record echoes its entry."""
    return activity.in_activity() and activity.info().is_local


def database_error(err: SQLAlchemyError) -> ApplicationError:
    """A short, retryable failure for the Temporal UI. Temporal keeps an activity's last failure within a size limit
    (the dev server showed SQLAlchemy's full message and stack only as "Failure exceeds size limit."), and the
    statement and its parameters (notes typed by staff) have no place in Temporal: the driver's first line only."""
    reason = (str(getattr(err, "orig", None) or err).strip().splitlines() or [""])[0][:300]
    return ApplicationError(f"database: {type(err).__name__}: {reason}", type="DatabaseError")
