"""PublishChainHead: the audit record's fingerprint, sent each working day to the SENCO and the auditors (issue 21).

The event table's hash chain shows an edited row, unless whoever edited it recomputed every hash after it, which the
project's own code can do. A copy of the chain's head held outside the database shows that too: a Temporal Schedule
(`<task queue>-chain-head`, starter/schedules.py) starts this workflow Monday to Friday at
notifications.chain_head.at, and its one activity records the day's head (store/chain_heads.py) and sends it, once
per recipient per day. `sendclock audit verify` compares the record with every head sent.

One activity call: the schedule is the clock, so there is no long-lived history, and a run that fails is followed by
the next working day's, whose fingerprint covers the whole record up to then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.common import RetryPolicy

if TYPE_CHECKING:
    from workflows.calls import ActivityOptions

with workflow.unsafe.imports_passed_through():
    import workflows.activity_names as activity_names
    from workflows.models import ChainHeadInput, ChainHeadResult, HousekeepingRun

# Idempotent by date and recipient: a retried attempt records nothing new and resends nothing delivered. Like the
# digest's, ten attempts over about ten minutes outlast the notifier's own count before its fallback.
OPTIONS: ActivityOptions = dict(
    start_to_close_timeout=timedelta(minutes=5),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=2), maximum_attempts=10),
)


@workflow.defn(name="PublishChainHead")
class PublishChainHead:
    @workflow.run
    async def run(self, run: HousekeepingRun) -> ChainHeadResult:
        result: ChainHeadResult = await workflow.execute_activity(
            activity_names.PUBLISH_CHAIN_HEAD,
            ChainHeadInput(now=run.as_of or workflow.now()),
            result_type=ChainHeadResult,
            **OPTIONS,
        )
        return result
