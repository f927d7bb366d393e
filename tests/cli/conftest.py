"""The command line in-process, with no server: the dashboard tests' settings (a staff directory with names) and
migrated SQLite file, a fixed today, and a stand-in for Temporal that answers every update and query with a real state
model, or refuses as a workflow's update validator does (workflows/refusal.py), so that the CLI's own reading of both
is what is tested.

`cli(*args, input=None)` runs `sendclock ARGS`; `temporal.answer = ...` says what Temporal answers next.
Fictional case references only (EHC-...), example.org addresses, no names of pupils."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner, Result

# Imported before the stand-in patches starter.client.connect (the starters bind what they import when first imported).
import starter.advice  # noqa: F401
import starter.client
import starter.processes  # noqa: F401
import starter.review  # noqa: F401
from statutory import get_rule
from tests.dashboard.conftest import db, settings  # noqa: F401  (fixtures)
from workflows.models import AdviceRequest, AdviceState, ProcessHeader, ProcessState, StepPlan, StepState, StepStatus
from workflows.models.step import Exemption, Notice

TODAY = date(2027, 3, 10)


@dataclass
class FakeTemporal:
    """A Temporal client that answers every update and query with `answer` (an exception: raised, as Temporal's)."""

    answer: Any = None
    calls: list[tuple[str, str]] = field(default_factory=list)

    def get_workflow_handle(self, workflow_id: str, **_: Any) -> _Handle:
        return _Handle(self, workflow_id)


@dataclass
class _Handle:
    fake: FakeTemporal
    workflow_id: str

    async def _answer(self, name: str) -> Any:
        self.fake.calls.append((self.workflow_id, name))
        if isinstance(self.fake.answer, BaseException):
            raise self.fake.answer
        return self.fake.answer

    async def execute_update(self, handler: Any, argument: Any, **_: Any) -> Any:
        return await self._answer(getattr(handler, "__name__", str(handler)))

    async def query(self, query: Any, *_: Any, **__: Any) -> Any:
        return await self._answer(getattr(query, "__name__", str(query)))

    async def describe(self) -> Any:
        from temporalio.service import RPCError, RPCStatusCode

        raise RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")


def refused(field_name: str | None, reason: str, code: str = "invalid") -> BaseException:
    """What Temporal raises when a workflow's update validator refuses the change (workflows/refusal.py)."""
    from temporalio.client import WorkflowUpdateFailedError

    from workflows.refusal import refusal

    return WorkflowUpdateFailedError(refusal(field_name, reason, code))


def no_such_workflow() -> BaseException:
    """What Temporal raises for an update to a workflow that does not exist (or has ended)."""
    from temporalio.service import RPCError, RPCStatusCode

    return RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")


# --- real state models, as a workflow's query or update returns them ------------------------------------------------


def plan(rule_id: str, anchor: date, due: date, target: date, **extra: Any) -> StepPlan:
    rule = get_rule(rule_id)
    return StepPlan(
        rule_id=rule_id,
        rule_title=rule.title,
        rule_version=rule.effective_from,
        basis=rule.basis,
        anchor=anchor,
        due=due,
        target=target,
        explanation=[f"{rule_id}: from {anchor.isoformat()}"],
        notices=[],
        **extra,
    )


def step(
    rule_id: str,
    anchor: date,
    due: date,
    target: date,
    owner: str = "senco",
    status: StepStatus = StepStatus.OPEN,
    **extra: Any,
) -> StepState:
    return StepState(
        rule_id=rule_id,
        owner=owner,
        escalate_to="senco",
        anchor=anchor,
        plan=plan(rule_id, anchor, due, target),
        status=status,
        **extra,
    )


def notice(kind: str, on: date) -> Notice:
    return Notice(kind=kind, at=datetime.combine(on, datetime.min.time(), tzinfo=UTC), on=on, recipients=["senco"])


def review_state(case_ref: str = "EHC-0007", **facts: Any) -> ProcessState:
    """An annual review after its meeting: its steps done, open and late, the facts it has learnt."""
    began = date(2026, 3, 16)
    meeting = date(2027, 3, 1)
    return ProcessState(
        workflow_id=f"annual-review-{case_ref}",
        kind="annual-review",
        header=ProcessHeader(case_ref=case_ref, la="Medway", received_on=began, owner="ta"),
        status=StepStatus.OPEN,
        steps=[
            step("annual-review-due", began, date(2027, 3, 15), date(2027, 3, 15), completed_on=meeting),
            step(
                "review-notice",
                meeting,
                date(2027, 2, 12),
                date(2027, 2, 12),
                status=StepStatus.COMPLETED,
                completed_on=date(2027, 2, 15),
                on_time=False,
                days_late=3,
            ),
            step(
                "review-advice-circulation",
                meeting,
                date(2027, 2, 12),
                date(2027, 2, 12),
                status=StepStatus.COMPLETED,
                completed_on=date(2027, 2, 12),
                on_time=True,
                days_late=0,
            ),
            step("review-report", meeting, date(2027, 3, 15), date(2027, 3, 15), owner="ta"),
        ],
        facts={
            "_opened": True,
            "cycle": 1,
            "invitees": ["parents", "pupil", "la-sen-officer"],
            "preparing_for_adulthood": True,
            "year_group": 9,
            "meeting_on": meeting.isoformat(),
            "short_notice": False,
            "held_on": meeting.isoformat(),
            "attended": ["parents", "pupil"],
            "_instances_before": {},
            **facts,
        },
    )


def advice_state(
    case_ref: str = "EHC-0042", *, sent_on: date | None = None, exempt: bool = False, la_clock: bool = True
) -> AdviceState:
    """An EHC advice request: open (its next reminder waiting) or sent, with the LA's clock beside it."""
    received = date(2027, 1, 11)
    advice = step("ehc-advice", received, date(2027, 2, 22), date(2027, 2, 22), owner="head")
    if sent_on is not None:
        advice.status, advice.completed_on = StepStatus.COMPLETED, sent_on
        advice.on_time, advice.days_late = sent_on <= date(2027, 2, 22), max(0, (sent_on - date(2027, 2, 22)).days)
    else:
        advice.pending = [notice("overdue", TODAY + timedelta(days=1))]
    if exempt:
        advice.exemption = Exemption(ground="reg8-2-a", start=date(2027, 2, 1), claimed_by="senco")
    requested = date(2027, 1, 4)
    la_steps = [step("ehc-final-plan", requested, date(2027, 5, 24), date(2027, 5, 24))] if la_clock else []
    facts: dict[str, Any] = {}
    if la_clock:
        facts = {
            "assessment_requested_on": requested.isoformat(),
            "la_clock": [
                {
                    "rule_id": "ehc-assessment-decision",
                    "title": get_rule("ehc-assessment-decision").title,
                    "due": "2027-02-15",
                    "basis": get_rule("ehc-assessment-decision").basis,
                }
            ],
        }
    return AdviceState(
        workflow_id=f"ehc-advice-request-{case_ref}-20270111",
        request=AdviceRequest(
            case_ref=case_ref,
            la="Kent",
            received_on=received,
            owner="head",
            assessment_requested_on=requested if la_clock else None,
        ),
        status=advice.status,
        step=advice,
        la_steps=la_steps,
        facts=facts,
    )


# --- the fixtures ----------------------------------------------------------------------------------------------------


@pytest.fixture
def temporal(monkeypatch) -> FakeTemporal:
    """Temporal, as the CLI reaches it (starter.client.connect), answering with `temporal.answer`."""
    fake = FakeTemporal()

    async def connect(*_: Any, **__: Any) -> FakeTemporal:
        return fake

    monkeypatch.setattr(starter.client, "connect", connect)
    return fake


@pytest.fixture
def cli(settings, db, temporal, monkeypatch) -> Iterator[Any]:  # noqa: F811  (the imported fixtures)
    """`cli(*args, input=None)`: `sendclock ARGS` in-process on the settings and database, today TODAY."""
    import config.settings
    from commands.clock import FixedClock
    from starter.cli import app
    from starter.cli.common import set_clock

    monkeypatch.setattr(config.settings, "get_settings", lambda: settings)
    set_clock(FixedClock(TODAY))
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    yield run
    set_clock(None)


def one_line_naming(result: Result, flag: str) -> str:
    """The refusal of bad input: exit 2, nothing on stdout, one line 'sendclock: FLAG: reason' on stderr."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sendclock: {flag}: "), (flag, result.stderr)
    assert result.stdout == ""
    return lines[0]
