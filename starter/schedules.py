"""The Temporal Schedules that start sendclock's housekeeping workflows, created or brought up to date when the
worker starts (worker.py), so a changed setting (the digest's day or time) takes effect on the next start.

- `<task queue>-weekly-digest`: WeeklyDigest at notifications.digest.at (school time zone) on each weekday from
  notifications.digest.weekday to Friday; the activity sends on the week's first working day from the digest
  weekday, so a bank holiday or closure moves the digest to the next working day, and a missed run is made up.
- `<task queue>-dispatch-held`: DispatchHeld every 15 minutes, for notifications held back outside school hours.
- `<task queue>-archive`: ArchiveClosedRuns hourly: every closed run's history into sendclock's archive (audit/).
- `<task queue>-reconcile`: ReconcileProcesses every temporal.reconcile_seconds (5 minutes by default): open
  processes in the database whose workflow Temporal no longer runs are marked stopped and the SENCO told; the worker
  also triggers it once when it starts.
- `<task queue>-chain-head`: PublishChainHead Monday to Friday at notifications.chain_head.at (07:00, school time
  zone): the audit record's fingerprint to the SENCO and auditors; the activity skips bank holidays and closures.

Schedule ids carry the task queue, so two schools (or two tests) sharing a namespace do not share schedules. An
existing schedule keeps its state: a schedule an operator paused in the Temporal UI stays paused.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from config.settings import Settings
from workflows.archive import ArchiveClosedRuns
from workflows.chain_head import PublishChainHead
from workflows.housekeeping import DispatchHeld, WeeklyDigest
from workflows.models import ArchiveRunInput, HousekeepingRun, ReconcileRun
from workflows.reconcile import ReconcileProcesses

DISPATCH_EVERY = timedelta(minutes=15)
ARCHIVE_EVERY = timedelta(hours=1)  # far inside any retention (24 h on the dev server before it is raised)
FRIDAY = 5  # Temporal counts days of the week from Sunday = 0


def digest_schedule_id(settings: Settings) -> str:
    return f"{settings.temporal.task_queue}-weekly-digest"


def dispatch_schedule_id(settings: Settings) -> str:
    return f"{settings.temporal.task_queue}-dispatch-held"


def digest_schedule(settings: Settings) -> Schedule:
    digest = settings.notifications.digest
    first_day = digest.weekday_index + 1  # Monday is 0 in Python, 1 in Temporal
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WeeklyDigest.run,
            HousekeepingRun(),
            id=digest_schedule_id(settings),
            task_queue=settings.temporal.task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    day_of_week=[ScheduleRange(first_day, FRIDAY)],
                    hour=[ScheduleRange(digest.at.hour)],
                    minute=[ScheduleRange(digest.at.minute)],
                )
            ],
            time_zone_name=settings.timezone,
        ),
        # Runs a few hours late after an outage (the same morning), never piles up: the next weekday makes up.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.BUFFER_ONE, catchup_window=timedelta(hours=6)),
    )


def dispatch_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DispatchHeld.run,
            HousekeepingRun(),
            id=dispatch_schedule_id(settings),
            task_queue=settings.temporal.task_queue,
            execution_timeout=DISPATCH_EVERY,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=DISPATCH_EVERY)], time_zone_name=settings.timezone),
        # Each run sends everything due, so a missed run needs no catching up and a slow one no company.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=DISPATCH_EVERY),
    )


def archive_schedule_id(settings: Settings) -> str:
    return f"{settings.temporal.task_queue}-archive"


def archive_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ArchiveClosedRuns.run,
            ArchiveRunInput(),
            id=archive_schedule_id(settings),
            task_queue=settings.temporal.task_queue,
            execution_timeout=timedelta(minutes=50),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=ARCHIVE_EVERY)], time_zone_name=settings.timezone),
        # Each run archives everything not archived yet: a missed run needs no catching up.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=ARCHIVE_EVERY),
    )


def reconcile_schedule_id(settings: Settings) -> str:
    return f"{settings.temporal.task_queue}-reconcile"


def reconcile_schedule(settings: Settings) -> Schedule:
    every = timedelta(seconds=settings.temporal.reconcile_seconds)
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReconcileProcesses.run,
            ReconcileRun(),
            id=reconcile_schedule_id(settings),
            task_queue=settings.temporal.task_queue,
            execution_timeout=timedelta(minutes=10),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)], time_zone_name=settings.timezone),
        # Each run compares everything: a missed run needs no catching up, a slow one no company.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=max(every, timedelta(minutes=1))),
    )


def chain_head_schedule_id(settings: Settings) -> str:
    return f"{settings.temporal.task_queue}-chain-head"


def chain_head_schedule(settings: Settings) -> Schedule:
    at = settings.notifications.chain_head.at
    return Schedule(
        action=ScheduleActionStartWorkflow(
            PublishChainHead.run,
            HousekeepingRun(),
            id=chain_head_schedule_id(settings),
            task_queue=settings.temporal.task_queue,
            # A worker down at the hour picks the run up when it starts, the same day: the fingerprint is for the
            # day the run reads the record on, and that day's later run, if any, finds it sent.
            execution_timeout=timedelta(hours=12),
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    day_of_week=[ScheduleRange(1, FRIDAY)],
                    hour=[ScheduleRange(at.hour)],
                    minute=[ScheduleRange(at.minute)],
                )
            ],
            time_zone_name=settings.timezone,
        ),
        # Runs a few hours late after an outage (the same morning), never piles up: the next day's covers it all.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=6)),
    )


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Create the schedule, or give an existing one this action, spec and policy (keeping its paused state)."""
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        def updated(current: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule.state = current.description.schedule.state
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(updated)


async def ensure_schedules(client: Client, settings: Settings) -> list[str]:
    """Every housekeeping schedule, created or updated; returns their ids."""
    wanted = {
        digest_schedule_id(settings): digest_schedule(settings),
        dispatch_schedule_id(settings): dispatch_schedule(settings),
    }
    for schedule_id, schedule in wanted.items():
        await ensure_schedule(client, schedule_id, schedule)
    return list(wanted)


async def ensure_archive_schedule(client: Client, settings: Settings) -> str:
    """The hourly archiving schedule (audit), created or updated; returns its id."""
    await ensure_schedule(client, archive_schedule_id(settings), archive_schedule(settings))
    return archive_schedule_id(settings)


async def ensure_chain_head_schedule(client: Client, settings: Settings) -> str:
    """The daily chain-head schedule (the audit record's fingerprint sent out), created or updated; returns its id."""
    await ensure_schedule(client, chain_head_schedule_id(settings), chain_head_schedule(settings))
    return chain_head_schedule_id(settings)


async def ensure_reconcile_schedule(client: Client, settings: Settings, *, now: bool = True) -> str:
    """The reconciliation schedule, created or updated, and (`now`) one run straight away: what ended while the
    worker was down is found when it starts. Returns its id."""
    schedule_id = reconcile_schedule_id(settings)
    await ensure_schedule(client, schedule_id, reconcile_schedule(settings))
    if now:
        await client.get_schedule_handle(schedule_id).trigger(overlap=ScheduleOverlapPolicy.SKIP)
    return schedule_id
