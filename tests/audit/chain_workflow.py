"""A test-only workflow that continues as new twice: a chain of three runs under one workflow ID."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn(name="AuditTestChain")
class Chain:
    @workflow.run
    async def run(self, left: int) -> int:
        if left > 0:
            workflow.continue_as_new(left - 1)
        return left
