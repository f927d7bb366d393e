"""How the worker's sandbox loads the workflow modules: once per process, not once per workflow run.

Temporal's Python sandbox gives each workflow run its own copy of the workflow's module, so that module-level state
cannot leak between runs, and it proxies the modules that module imports to catch non-deterministic calls. The copy
is not free: loading workflows/ehc_advice.py again, above all the `@workflow.defn` validation of a class with a dozen
update handlers and validators, cost about 10 ms of the worker's CPU per EHC advice lifecycle, a tenth of the whole
(docs/performance.md). sendclock's workflow modules hold no state (constants only), and the step and process logic
they build on is already passed through (workflows/step.py, workflows/process.py), so the worker passes them through
as well and each run uses the module the worker imported.

What still guards determinism: workflow code calls only `workflow.now()`, `workflow.uuid4()` and activities (the
engineering rules); the replay tests and `sendclock audit replay` use Temporal's Replayer with the default sandbox,
which loads the workflow modules afresh and restricted; and tests/test_architecture.py keeps I/O libraries out of
`workflows/` and reads their source for the wall clock, randomness and I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions


def workflow_runner(workflow_classes: Iterable[type]) -> SandboxedWorkflowRunner:
    """The default sandbox, with the modules that define these workflow classes passed through."""
    modules = sorted({cls.__module__ for cls in workflow_classes})
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*modules))
