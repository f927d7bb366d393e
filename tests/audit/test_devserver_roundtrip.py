"""On the real dev server: a process runs to its end; its history exported by sendclock and by the `temporal` CLI
replays to the same timeline; the archive keeps it after Temporal deletes it; the database verifies against it.
Continue-as-new chains are exported whole; the embedded server's retention can be raised."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.archive import ArchiveActivities
from audit import history
from audit.archive import Archive
from config.settings import Settings
from starter.binaries import temporal_cli
from starter.client.histories import fetch_process
from starter.stack import DEV_RETENTION_DAYS, Stack
from statutory.clock import local_date
from tests.audit.chain_workflow import Chain
from tests.conftest import own_devserver
from tests.devserver.conftest import sendclock
from workflows import search_attributes as sa
from workflows.archive import ArchiveClosedRuns
from workflows.ehc_advice import EhcAdviceRequest
from workflows.models import ArchiveRunInput

pytestmark = pytest.mark.devserver


@pytest.fixture
async def devserver(tmp_path_factory) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of this test's own (not the session's: tests/conftest.py): the archive takes every closed run of
    its namespace, and `audit verify` checks each against this test's database."""
    async with own_devserver(tmp_path_factory) as env:
        yield env


def temporal(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(temporal_cli()), *args, "--address", env["SENDCLOCK_TEMPORAL__ADDRESS"]],
        capture_output=True,
        text=True,
        timeout=60,
    )


def timeline_of(env, target: str) -> dict:
    done = sendclock(env, "audit", "replay", target, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    [process] = json.loads(done.stdout)["processes"]
    assert process["verdict"]["reproduced"] is True
    return process["timeline"]


async def test_export_replay_archive_verify_round_trip(devserver, stack_env, worker_process, tmp_path: Path):
    today = local_date(datetime.now(UTC))
    received = today - timedelta(days=10)
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    started = sendclock(
        stack_env,
        "advice",
        "start",
        "--case",
        "EHC-0201",
        "--la",
        "Kent",
        "--received",
        received.isoformat(),
        "--owner",
        "head",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    workflow_id = json.loads(started.stdout)["workflow_id"]
    assert (
        sendclock(
            stack_env, "advice", "sent", "--case", "EHC-0201", "--date", today.isoformat(), "--by", "senco"
        ).returncode
        == 0
    )
    await devserver.client.get_workflow_handle_for(EhcAdviceRequest.run, workflow_id).result()

    # Export with sendclock and with the temporal CLI: both replay, to the same timeline.
    ours, theirs = tmp_path / "sendclock.json", tmp_path / "temporal.json"
    exported = sendclock(stack_env, "audit", "export", workflow_id, "--out", str(ours))
    assert exported.returncode == 0 and "from Temporal" in exported.stderr, exported.stderr
    shown = temporal(stack_env, "workflow", "show", "--workflow-id", workflow_id, "--output", "json")
    assert shown.returncode == 0, shown.stderr
    theirs.write_text(shown.stdout)
    assert len(history.load(ours)[0].events) == len(history.load(theirs)[0].events)
    from_ours, from_theirs = timeline_of(stack_env, str(ours)), timeline_of(stack_env, str(theirs))
    assert from_ours == from_theirs
    assert from_ours["case_ref"] == "EHC-0201" and from_ours["closed"] is True
    [step] = from_ours["steps"]
    assert step["completed_on"] == today.isoformat() and step["on_time"] is True
    assert step["due"] == (received + timedelta(weeks=6)).isoformat()

    # The database matches the history.
    verified = sendclock(stack_env, "audit", "verify")
    assert verified.returncode == 0 and "No differences" in verified.stdout, verified.stdout + verified.stderr

    # Archived, then deleted from Temporal (as retention would): every command still works, from the archive.
    archived = sendclock(stack_env, "audit", "archive")
    assert archived.returncode == 0 and "archived 1 run(s)" in archived.stdout, archived.stdout + archived.stderr
    assert "archived 0 run(s) (0 already archived)" in sendclock(stack_env, "audit", "archive").stdout  # watermark
    assert temporal(stack_env, "workflow", "delete", "--workflow-id", workflow_id, "--yes").returncode == 0
    for _ in range(300):  # deletion is asynchronous (about 10-20 s with the default 24-hour retention)
        if temporal(stack_env, "workflow", "describe", "--workflow-id", workflow_id).returncode != 0:
            break
        await asyncio.sleep(0.2)
    else:
        pytest.fail("the workflow was not deleted")
    replayed = sendclock(stack_env, "audit", "replay", workflow_id)
    assert replayed.returncode == 0 and "History from the archive" in replayed.stdout, replayed.stdout + replayed.stderr
    assert timeline_of(stack_env, workflow_id) == from_ours
    again = tmp_path / "again.json"
    assert sendclock(stack_env, "audit", "export", workflow_id, "--out", str(again)).returncode == 0
    assert json.loads(again.read_text()) == json.loads(ours.read_text())
    assert sendclock(stack_env, "audit", "verify").returncode == 0

    unknown = sendclock(stack_env, "audit", "replay", "ehc-advice-request-EHC-0000-20200101")
    assert unknown.returncode == 2 and "no history for workflow" in unknown.stderr


def test_an_unreachable_temporal_exits_1(stack_env):
    env = dict(stack_env, SENDCLOCK_TEMPORAL__ADDRESS="127.0.0.1:1")
    done = sendclock(env, "audit", "export", "ehc-advice-request-EHC-0000-20200101")
    assert done.returncode == 1 and "cannot reach Temporal" in done.stderr


async def test_a_continue_as_new_chain_is_exported_and_archived_whole(devserver, tmp_path: Path):
    queue = f"audit-chain-{uuid.uuid4().hex[:8]}"
    workflow_id = f"audit-chain-{uuid.uuid4().hex[:8]}"
    tagged = TypedSearchAttributes([SearchAttributePair(sa.PROCESS, "audit-test")])  # as every process is
    settings = Settings(var_dir=tmp_path / "var", temporal={"task_queue": queue})
    async with Worker(
        devserver.client,
        task_queue=queue,
        workflows=[Chain, ArchiveClosedRuns],
        activities=ArchiveActivities(settings, devserver.client).all(),
    ):
        assert (
            await devserver.client.execute_workflow(
                Chain.run, 2, id=workflow_id, task_queue=queue, search_attributes=tagged
            )
            == 0
        )
        runs = await fetch_process(devserver.client, workflow_id)
        assert len(runs) == 3
        assert [r.closed_as for r in runs] == ["continued as new", "continued as new", "completed"]
        assert runs[1].continued_from == runs[0].run_id and runs[2].continued_from == runs[1].run_id
        (tmp_path / "chain.json").write_text(history.dumps(runs))
        assert [r.run_id for r in history.load(tmp_path / "chain.json")] == [r.run_id for r in runs]

        # The hourly archiving workflow, as its schedule starts it (visibility may lag a moment behind).
        archive = Archive.for_settings(settings)
        for _ in range(50):
            await devserver.client.execute_workflow(
                ArchiveClosedRuns.run, ArchiveRunInput(), task_queue=queue, id=f"archive-{uuid.uuid4().hex[:8]}"
            )
            if len(archive.runs(workflow_id)) == 3:
                break
            await asyncio.sleep(0.2)
    assert [r.run_id for r in archive.runs(workflow_id)] == [r.run_id for r in runs]
    assert archive.watermark() is not None
    assert {e["run_id"] for e in archive.index() if e["workflow_id"] == workflow_id} == {r.run_id for r in runs}


async def test_the_embedded_servers_retention_is_raised(tmp_path: Path):
    """On a server of its own (a long retention slows explicit deletes, which the round trip above uses)."""
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
    from temporalio.testing import WorkflowEnvironment

    from tests.devserver.conftest import SEARCH_ATTRIBUTES

    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        search_attributes=SEARCH_ATTRIBUTES,
        ui=False,
        dev_server_extra_args=["--db-filename", str(tmp_path / "temporal.db")],
    ) as env:
        settings = Settings(temporal={"address": env.client.service_client.config.target_host})
        await Stack(settings).raise_retention(env.client)
        await Stack(settings).raise_retention(env.client)  # already raised: nothing to do
        described = await env.client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="default"))
        assert described.config.workflow_execution_retention_ttl.ToTimedelta() == timedelta(days=DEV_RETENTION_DAYS)
        # The namespace's other configuration is kept: sendclock's search attributes still answer queries.
        listed = await env.client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="default")
        )
        assert {a.name for a in SEARCH_ATTRIBUTES} <= set(listed.custom_attributes)
        assert [w async for w in env.client.list_workflows("SendclockProcess IS NOT NULL")] == []
