"""A workflow module for tests/worker/test_sandbox.py."""

from temporalio import workflow


@workflow.defn(name="WhichClass")
class WhichClass:
    @workflow.run
    async def run(self) -> int:
        return id(type(self))  # the class object this run was built from: the worker's, or a fresh copy's
