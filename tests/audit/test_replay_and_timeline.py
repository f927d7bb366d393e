"""Replay verdicts and statutory timelines from the committed histories alone (no server)."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from audit import history, render, replay, timeline
from audit.converter import EncryptedHistoryError, data_converter, decode_events
from tests.audit.changed_workflows import AdvicePlansFirst, AdviceWaitsBeforeClosing
from tests.audit.conftest import HISTORIES, history_path
from workflows.models import SCHOOL_DUTIES
from workflows.registry import PROCESS_KINDS

ALL = sorted(HISTORIES.glob("*.json"))
REPO = Path(__file__).resolve().parents[2]


def load(name: str) -> list[history.RunHistory]:
    return history.load(history_path(name))


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
async def test_every_committed_history_replays_and_has_a_timeline(path: Path):
    runs = history.load(path)
    assert runs[0].workflow_id.startswith(tuple(f"{kind}-" for kind in PROCESS_KINDS))  # from its records
    verdict = await replay.verdict(runs)
    assert verdict.reproduced and not verdict.divergences, verdict.text()
    assert "reproduces every recorded decision" in verdict.text()
    t = timeline.build(runs, data_converter())
    # the recordings' fictional cases (tests/replay/record_histories.py), or a school duty's own reference
    assert t.case_ref and (t.case_ref.startswith(("EHC-H", "SUP-H", "PEP-H")) or t.case_ref.lower() in SCHOOL_DUTIES)
    assert t.steps and t.entries
    assert [e.at for e in t.entries] == sorted(e.at for e in t.entries)


def test_the_late_advice_timeline_from_history_alone(settings):
    t = timeline.build(load("ehc_advice_late"), data_converter())
    assert (t.case_ref, t.process_kind, t.la, t.received_on) == (
        "EHC-H001",
        "ehc-advice-request",
        "Kent",
        date(2026, 11, 22),
    )
    assert t.closed and t.status == "completed" and t.outcome == "sent 9 day(s) late"
    [step] = t.steps
    assert (step.rule_id, step.due, step.target) == ("ehc-advice", date(2027, 1, 3), date(2026, 12, 31))
    assert step.basis.startswith("SEND Regulations 2014 reg 8(1)")
    assert (step.completed_on, step.on_time, step.days_late) == (date(2027, 1, 12), False, 9)
    assert [r.data["kind"] for r in step.reminders] == ["reminder"] * 4 + ["overdue"] * 2
    assert step.reminders[-1].data["recipients"] == ["teacher", "senco"]
    kinds = [e.kind for e in t.entries]
    assert kinds[:2] == ["request-received", "step-opened"] and kinds[-2:] == ["completed", "process-closed"]

    text = render.timeline_text(t, render.Roles(settings.staff))
    assert "Case EHC-H001: EHC advice request, LA Kent" in text
    assert "due Sun 3 Jan 2027, target Thu 31 Dec 2026" in text
    assert (
        "Overdue escalation for 'Advice to the LA for an EHC needs assessment' sent to a member of staff "
        "('teacher') and the SENCO." in text
    )
    assert "done on Tue 12 Jan 2027, late by 9 days" in text
    assert "Kent" in text and "teacher@" not in text  # roles, not names or addresses


def test_an_exemption_and_its_ground_are_in_the_timeline(settings):
    t = timeline.build(load("ehc_advice_exemption"), data_converter())
    [exemption] = [e for e in t.entries if e.kind == "exemption-recorded"]
    assert exemption.data["ground"] == "reg8-2-c" and exemption.actor == "senco"
    assert t.steps[0].exempt and t.steps[0].exemption_ground == "reg8-2-c"
    text = render.timeline_text(t, render.Roles(settings.staff))
    assert "Exemption recorded on 'Advice to the LA for an EHC needs assessment' by the SENCO: ground reg8-2-c" in text


async def test_a_non_deterministic_change_is_caught_at_the_diverging_event():
    runs = load("ehc_advice_late")
    verdict = await replay.verdict(runs, workflows=[AdviceWaitsBeforeClosing])
    assert not verdict.reproduced
    [divergence] = verdict.divergences
    # The event where history recorded the close (the `record` of process-closed), not the new timer.
    closing = next(e for e in timeline.build(runs, data_converter()).entries if e.kind == "process-closed")
    assert divergence.event_id == closing.event_id
    assert divergence.event_type == "ActivityTaskScheduled"
    assert "Nondeterminism" in divergence.message
    assert (
        f"diverges at event {closing.event_id} (ActivityTaskScheduled, the history schedules activity 'record'"
        in verdict.text()
    )


async def test_a_different_first_activity_is_named_even_when_the_sdk_does_not_say_which_event():
    verdict = await replay.verdict(load("ehc_advice_late"), workflows=[AdvicePlansFirst])
    [divergence] = verdict.divergences
    assert "HistoryEvent(id:" not in divergence.message  # located by bisection over workflow tasks
    assert (divergence.event_id, divergence.event_type) == (6, "ActivityTaskScheduled")
    assert "activity 'record'" in divergence.detail


def test_export_formats_round_trip(tmp_path: Path):
    runs = load("ehc_advice_late")
    document = history.to_document(runs)
    assert document == json.loads(history_path("ehc_advice_late").read_text())  # one run: `temporal workflow show`
    two = runs + load("ehc_advice_withdrawn")
    (tmp_path / "bundle.json").write_text(history.dumps(two))
    again = history.load(tmp_path / "bundle.json")
    assert [(r.workflow_id, r.run_id, len(r.events)) for r in again] == [
        (r.workflow_id, r.run_id, len(r.events)) for r in two
    ]
    (tmp_path / "bad.json").write_text('{"runs": []}')
    with pytest.raises(history.HistoryFormatError):
        history.load(tmp_path / "bad.json")


async def test_encrypted_payloads_without_a_key_say_so():
    events = json.loads(history_path("ehc_advice_withdrawn").read_text())["events"]
    for event in events:
        for attrs in event.values():
            if isinstance(attrs, dict) and "input" in attrs:
                for payload in attrs["input"].get("payloads", []):
                    payload["metadata"]["encoding"] = base64.b64encode(b"binary/encrypted").decode()
    with pytest.raises(EncryptedHistoryError, match="encrypted .*no key is configured"):
        await decode_events(events, data_converter())


def cli(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`sendclock audit ...` as an auditor runs it, with settings of its own: not the checkout's var/ (where `make
    up` keeps the embedded stack's payload keys) nor the caller's SENDCLOCK_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")} | {"SENDCLOCK_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "sendclock"), "audit", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_the_cli_replays_a_file_and_explains_bad_input(tmp_path: Path):
    done = cli(tmp_path, "replay", str(history_path("ehc_advice_late")))
    assert done.returncode == 0, done.stderr
    assert "Replay: the current code reproduces every recorded decision (1 run, 160 events)." in done.stdout
    assert "late by 9 days" in done.stdout

    as_json = json.loads(cli(tmp_path, "replay", str(history_path("ehc_advice_late")), "--json").stdout)
    assert as_json["processes"][0]["verdict"]["reproduced"] is True
    assert as_json["processes"][0]["timeline"]["steps"][0]["days_late"] == 9

    (tmp_path / "notes.json").write_text("[1, 2]")
    bad = cli(tmp_path, "replay", str(tmp_path / "notes.json"))
    assert bad.returncode == 2 and "FILE|WORKFLOW_ID:" in bad.stderr and "not a Temporal history" in bad.stderr
    missing = cli(tmp_path, "replay", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "no such file" in missing.stderr

    encrypted = json.loads(history_path("ehc_advice_withdrawn").read_text())
    encrypted["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]["metadata"][
        "encoding"
    ] = base64.b64encode(b"binary/encrypted").decode()
    (tmp_path / "enc.json").write_text(json.dumps(encrypted))
    refused = cli(tmp_path, "replay", str(tmp_path / "enc.json"))
    assert (
        refused.returncode == 2 and "encrypted (encoding binary/encrypted) and no key is configured" in refused.stderr
    )


@pytest.mark.parametrize("name", [p.stem for p in ALL if "@" not in p.stem])
def test_both_generations_tell_the_same_story(name: str):
    """A scenario recorded with ordinary activities and again with local ones (workflows/calls.py): the timeline
    read from the scheduled events' inputs and the one read from the markers' echoed results agree (dates and the
    number of reminders aside: recorded on different days, the calendar moves targets and working days; records made
    at one workflow time by concurrent handlers may land in either order)."""
    later = HISTORIES / f"{name}@local-activities.json"
    assert later.exists(), f"record it: python -m tests.replay.record_histories {name}"
    before, after = timeline.build(load(name), data_converter()), timeline.build(history.load(later), data_converter())

    def story(t: timeline.Timeline) -> tuple:
        shift = lambda d: (d - t.received_on).days if d else None  # noqa: E731 - recorded on different days
        outcome = re.sub(r"\d{4}-\d{2}-\d{2}", lambda m: f"day {shift(date.fromisoformat(m[0]))}", t.outcome or "")
        sent = ("reminder-sent", "escalation-sent")
        return (
            t.case_ref,
            t.process_kind,
            t.status,
            outcome,
            t.closed,
            [e.kind for e in sorted(t.entries, key=lambda e: (e.at, e.kind)) if e.kind not in sent],
            [
                (
                    s.rule_id,
                    s.instance,
                    s.status,
                    s.completed_on is not None,
                    s.on_time,
                    s.title,
                    s.basis,
                    sorted({r.data["kind"] for r in s.reminders}),
                )
                for s in t.steps
            ],
        )

    assert story(after) == story(before)
    assert after.events < before.events  # the markers ride on workflow tasks: no activity task events


@pytest.mark.parametrize("changed", [AdviceWaitsBeforeClosing, AdvicePlansFirst], ids=["timer", "plans-first"])
async def test_a_change_is_caught_in_a_history_of_local_activities(changed):
    """Local activities are matched to their markers by sequence: a change is caught all the same."""
    verdict = await replay.verdict(load("ehc_advice_late@local-activities"), workflows=[changed])
    assert not verdict.reproduced
    [divergence] = verdict.divergences  # located: the first command event of the workflow task that diverges
    assert divergence.event_id and divergence.event_type and "diverges at event" in verdict.text()
