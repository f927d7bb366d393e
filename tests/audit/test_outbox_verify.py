"""The outbox under a check (issue 21, finding 4). A real EHC advice request on the time-skipping server, with the
real activities, e-mail to a real SMTP peer on loopback and quiet hours on: the notify results in its history name
each notice and fingerprint the outbox rows it wrote (activities/notifier.py NoticeOutcome), the timeline lists every
notice with each recipient's channel and outcome, and `audit verify` (audit.verify.compare) names an outbox row
deleted, edited, inserted or sent back, while a held notice the dispatcher sent later is no finding."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from activities.notifier import Notifier
from activities.quiet_hours import next_window
from audit import history, timeline
from audit.converter import data_converter
from audit.verify import compare
from config.school_calendar import school_calendar
from config.settings import CalendarSettings, DigestOnly, NotificationSettings, Settings, StaffMember, TemporalSettings
from starter.advice import advice_sent, start_advice_request
from statutory.clock import fmt
from store.models import Outbox
from store.outbox_fingerprint import fingerprint
from tests.helpers import free_port
from tests.workflows import conftest as workflows
from tests.workflows.advice_flow import advice_request, london_today, outcome, sleep_until_day
from workflows.models import AdviceSent

# The workflow tests' time-skipping server, database and worker (tests/workflows/conftest.py).
env, sessions, worker, case_suffix = workflows.env, workflows.sessions, workflows.worker, workflows.case_suffix


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def settings(tmp_path, inbox, database_url) -> Settings:
    """Everyone has e-mail; quiet hours on; "done" and "assigned" notices are mailed (not left for the digest)."""
    return Settings(
        var_dir=tmp_path,
        database_url=database_url,
        temporal=TemporalSettings(task_queue=f"sendclock-test-{uuid.uuid4().hex[:8]}"),
        staff={
            "senco": StaffMember(name="Sam Example (SENCO)", role="senco", email="senco@example.org"),
            "head": StaffMember(name="Priya Example (Head)", role="head", email="head@example.org"),
            "teacher": StaffMember(name="Jo Example", role="staff", email="jo.teacher@example.org"),
        },
        notifications=NotificationSettings(
            smtp_url=f"mailto://127.0.0.1:{inbox[1]}?from=sendclock@example.org&mode=insecure",
            quiet_hours=True,
            digest_only=DigestOnly(completed=False, assigned_after_days=None),
            retry_initial_seconds=0.1,
            retry_max_seconds=0.2,
        ),
        calendar=CalendarSettings(),
    )


@pytest.fixture
async def ran(env, settings, sessions, worker):
    """An advice request: assigned, reminded, recorded sent at night (its "done" notices held for working hours),
    then the held notices dispatched when working hours open. Its history and its timeline."""
    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today, case_ref="EHC-0810"))
    workflow_id, plan = started.state.workflow_id, started.state.step.plan
    first = min(n.on for n in plan.notices if n.kind == "reminder")
    await sleep_until_day(env, first)  # 12:00 UTC: after that day's 08:00 reminder
    await sleep_until_day(env, first, hour=22)  # after working hours in GMT and BST
    await advice_sent(env.client, settings, workflow_id, AdviceSent(sent_on=first, by="head"))
    await outcome(env, workflow_id)
    runs = [history.from_workflow_history(await env.client.get_workflow_handle(workflow_id).fetch_history())]

    asked = await env.get_current_time()
    opens = next_window(asked, school_calendar(settings), time(8, 0), time(17, 30))
    await env.sleep(opens + timedelta(minutes=10) - asked)
    assert Notifier(settings, sessions).dispatch_held(await env.get_current_time()) >= 2
    return workflow_id, timeline.build(runs, data_converter())


def findings(sessions, t: timeline.Timeline) -> list:
    with sessions() as session:
        return compare(session, t)[1]


async def test_the_history_names_every_notice_with_each_recipients_channel_and_outcome(ran, sessions):
    workflow_id, t = ran
    kinds = [n.kind for n in t.notices]
    assert kinds[0] == "assigned" and "reminder" in kinds and kinds[-1] == "completed", kinds
    assert {n.source for n in t.notices} == {"result"}  # the result names its notice (NoticeOutcome)
    assigned, reminder, completed = t.notices[0], next(n for n in t.notices if n.kind == "reminder"), t.notices[-1]
    assert assigned.key == f"{workflow_id}/ehc-advice/assigned" and assigned.rule_id == "ehc-advice"
    assert [(d.recipient, d.channel) for d in assigned.told] == [("teacher", "email")]
    assert assigned.told[0].status in ("sent", "held")  # the test server starts at the real time of day
    assert [(d.recipient, d.channel, d.status) for d in reminder.told] == [("teacher", "email", "sent")]
    # "Done", recorded at night by the head: held for the owner and the SENCO; the head is not told of it twice.
    assert sorted((d.recipient, d.channel, d.status) for d in completed.told) == [
        ("senco", "email", "held"),
        ("teacher", "email", "held"),
    ]
    # Each result lists the outbox rows it wrote, as they were then, with their fingerprints.
    rows = {r.key: r for n in t.notices for r in n.rows}
    assert {r.status for r in completed.rows} == {"held"}
    with sessions() as session:
        now = {row.key: row for row in session.scalars(select(Outbox).where(Outbox.process_id == workflow_id))}
    assert set(now) == set(rows)
    assert all(fingerprint(now[key]) == seen.fingerprint for key, seen in rows.items())
    assert {now[r.key].status for r in completed.rows} == {"sent"}  # dispatched since


async def test_verify_ignores_held_then_sent_and_names_a_row_deleted_edited_inserted_or_sent_back(ran, sessions):
    workflow_id, t = ran
    assert findings(sessions, t) == []  # held -> sent (the dispatcher, later) is expected, not a finding

    reminder = next(n for n in t.notices if n.kind == "reminder")
    assigned, completed = t.notices[0], t.notices[-1]
    keys = {
        name: f"{notice.key}/{who}/email"
        for name, notice, who in (
            ("assigned", assigned, "teacher"),
            ("reminder", reminder, "teacher"),
            ("done-teacher", completed, "teacher"),
            ("done-senco", completed, "senco"),
        )
    }
    with sessions.begin() as session:
        ids = {name: session.scalar(select(Outbox.id).where(Outbox.key == key)) for name, key in keys.items()}
        session.execute(Outbox.__table__.delete().where(Outbox.key == keys["done-teacher"]))
        session.execute(update(Outbox).where(Outbox.key == keys["assigned"]).values(subject="Nothing to do"))
        session.execute(update(Outbox).where(Outbox.key == keys["done-senco"]).values(recipient="head"))
        session.execute(update(Outbox).where(Outbox.key == keys["reminder"]).values(status="held"))
        when = session.scalar(select(Outbox.scheduled_for).where(Outbox.key == keys["reminder"]))
        forged = f"{workflow_id}/ehc-advice/reminder/2027-01-01T08:00:00+00:00/senco"
        session.add(
            Outbox(
                key=f"{forged}/email",
                notice_key=forged,
                process_id=workflow_id,
                rule_id="ehc-advice",
                kind="reminder",
                recipient="senco",
                channel="email",
                subject="Reminder",
                body="b",
                status="sent",
                attempts=1,
                scheduled_for=when,
                created_at=when,
                sent_at=when,
            )
        )
        forged_id = session.scalar(select(Outbox.id).where(Outbox.key == f"{forged}/email"))

    found = findings(sessions, t)
    by_what = {}
    for f in found:
        by_what.setdefault(f.what, []).append(f.detail)
    text = "\n".join(f.detail for f in found)
    assert sorted(by_what) == ["outbox-deleted", "outbox-edited", "outbox-extra", "outbox-status"], text
    assert len(found) == 5, text
    assert by_what["outbox-deleted"] == [
        f"the completed notice of {fmt(completed.on)} has no outbox row "
        f"{keys['done-teacher']} (held when it was sent): deleted?"
    ]
    assert (
        f"outbox row {ids['assigned']} ({keys['assigned']}) was changed after the assigned notice of "
        f"{fmt(assigned.on)} wrote it: its subject, text or another field no longer matches the fingerprint in "
        "the history"
    ) in by_what["outbox-edited"]
    assert any(
        f"outbox row {ids['done-senco']} " in d and "recipient is 'head', the history's notice says 'senco'" in d
        for d in by_what["outbox-edited"]
    )
    assert by_what["outbox-status"] == [
        f"outbox row {ids['reminder']} ({keys['reminder']}) was sent when the "
        f"reminder notice of {fmt(reminder.on)} was sent, and is held now: the "
        "notifier never changes a sent row to held"
    ]
    assert by_what["outbox-extra"] == [
        f"outbox row {forged_id} (reminder notice to senco by email, key "
        f"{forged}/email) was written by no notice in the history (inserted, or moved "
        "from another process?)"
    ]
