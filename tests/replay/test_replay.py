"""Recorded histories replay against the current workflow code: a change that would alter a running process's
decisions fails here (change workflow logic through workflow.patched(), and keep these files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter).replay_workflow(history)
    assert result.replay_failure is None


def test_there_are_histories_to_replay():
    assert len(HISTORIES) >= 3
    kinds = {e.get("eventType") for p in HISTORIES for e in json.loads(p.read_text())["events"]}
    assert {"EVENT_TYPE_TIMER_FIRED", "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"} <= kinds
