"""The rule book works inside the Temporal workflow sandbox when imported through passthrough
(zoneinfo, gettext/locale and late imports are restricted there)."""

import uuid
from datetime import date, time

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import statutory


@workflow.defn(sandboxed=True)
class RuleBookInSandbox:
    @workflow.run
    async def run(self) -> list[str]:
        summer = statutory.Closure(start=date(2026, 7, 22), end=date(2026, 9, 1), label="Summer holiday")
        calendar = statutory.SchoolCalendar([summer])
        deadline = statutory.compute_deadline("ehc-advice", date(2026, 7, 16), calendar)
        bank = statutory.compute_deadline("ehc-advice", date(2026, 2, 23))  # due Easter Monday
        reminders = statutory.reminder_dates(deadline.target, [0, 7], calendar)
        escalations = statutory.escalation_dates(deadline.due, calendar, 7, 2)
        return [
            deadline.target.isoformat(),
            bank.target.isoformat(),
            statutory.at_local(deadline.target, time(8, 0)).isoformat(),
            ",".join(d.isoformat() for _, d in reminders),
            ",".join(d.isoformat() for d in escalations),
            deadline.explanation[3],
        ]


async def test_rule_book_runs_in_the_workflow_sandbox(time_skipping):
    from temporalio.worker import Worker

    queue = f"statutory-sandbox-{uuid.uuid4()}"
    async with Worker(time_skipping.client, task_queue=queue, workflows=[RuleBookInSandbox]):
        result = await time_skipping.client.execute_workflow(
            RuleBookInSandbox.run, id=f"statutory-sandbox-{uuid.uuid4()}", task_queue=queue
        )
    assert result[:5] == [
        "2026-07-21",
        "2026-04-02",
        "2026-07-21T07:00:00+00:00",
        "2026-07-14,2026-07-21",
        "2026-09-02,2026-09-09",
    ]
    assert "school closed (Summer holiday)" in result[5]
