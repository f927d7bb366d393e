"""Test-only workflow classes registered under a real workflow's name, each with a deliberately non-deterministic
change: replaying a committed history with them must fail, naming the event where the code diverges. The real
workflows are not touched."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.ehc_advice import EhcAdviceRequest
    from workflows.models import AdviceRunInput, StepOutcome


@workflow.defn(name="EhcAdviceRequest")
class AdviceWaitsBeforeClosing(EhcAdviceRequest):
    """As the real one, except that it waits a minute before recording the close: a timer history never saw."""

    async def _record_process(self, kind: str, data: dict) -> None:
        if kind == "process-closed":
            await workflow.sleep(timedelta(minutes=1))
        await super()._record_process(kind, data)

    @workflow.run
    async def run(self, input: AdviceRunInput) -> StepOutcome:
        return await super().run(input)


@workflow.defn(name="EhcAdviceRequest")
class AdvicePlansFirst(EhcAdviceRequest):
    """Plans the step before recording the request: another activity where history has `record`."""

    @workflow.run
    async def run(self, input: AdviceRunInput) -> StepOutcome:
        await self.step.open()
        return await super().run(input)
