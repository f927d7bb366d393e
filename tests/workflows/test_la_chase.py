"""Chasing the LA (issue 25) on the time-skipping server: an overdue LA decision gets a chase letter with the right
citation and days overdue; the sent letter reaches the LA's SEN team mailbox on a real SMTP server (the SENCO
copied, replies to the SENCO) and opens its follow-up N school working days later; the LA's answer closes the
follow-up; a second chase closes the first follow-up; a letter with nowhere to go is recorded as sent by hand."""

from __future__ import annotations

import email.policy
from collections.abc import Iterator

import pytest

from commands.chase import YOUR_REFERENCE, draft
from config.school_calendar import school_calendar
from config.settings import LaPractice
from starter.processes import cancel_step, process_state, update
from starter.requests import RequestError
from statutory.conventions import w1_working_days
from tests.notifications.peers import Inbox, smtp_server
from tests.workflows.advice_flow import days, events, london_today, outbox, process_row, sleep_until_day, steps
from tests.workflows.test_email_delivery import settled
from tests.workflows.test_reassessment import close, decided, opened, sent, start
from workflows.chase import FOLLOW_UP
from workflows.models import Cancellation, LaChase, ProcessState, StepStatus
from workflows.process import StatutoryProcess
from workflows.reassessment import DECISION

pytestmark = pytest.mark.usefixtures("worker")
MAILBOX = "sen.team@kent.example.org"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def smtp_url(inbox) -> str:
    return f"mailto://127.0.0.1:{inbox[1]}?from=sendclock@example.org&mode=insecure"


@pytest.fixture
def settings(settings):
    """Kent has a profile: its SEN team's mailbox and five working days to answer a chase. No quiet hours: the
    test server's clock runs at the real time of day."""
    return settings.model_copy(
        update={
            "las": {"Kent": LaPractice(mailbox=MAILBOX, chase_follow_up_working_days=5)},
            "notifications": settings.notifications.model_copy(update={"quiet_hours": False}),
        }
    )


async def overdue_decision(env, settings, case_ref: str) -> tuple[str, ProcessState]:
    """A re-assessment request sent to Kent, and its 15-day decision three days overdue."""
    today = await london_today(env)
    started = await start(env, settings, case_ref, today, today - days(400))
    workflow_id = started.state.workflow_id
    state = await sent(env, settings, workflow_id)
    due = state.step(DECISION).plan.due
    await sleep_until_day(env, due + days(3))
    return workflow_id, await opened(env, workflow_id, DECISION)


def letter(settings, sessions, workflow_id: str, today):
    process, rows = process_row(sessions, workflow_id)
    return draft(settings, process, rows, DECISION, today)


async def chase(env, workflow_id: str, body: str, subject: str, to: str | None = MAILBOX) -> ProcessState:
    return await update(
        env.client,
        workflow_id,
        StatutoryProcess.chase_la,
        LaChase(rule_id=DECISION, to=to, subject=subject, body=body, by="senco", recorded_by="web:sam"),
    )


async def test_overdue_decision_chased_by_e_mail_with_citation_and_days_then_answered(env, settings, sessions, inbox):
    mail, _ = inbox
    workflow_id, state = await overdue_decision(env, settings, "RA-7001")
    today = await london_today(env)
    due = state.step(DECISION).plan.due
    draft_letter = letter(settings, sessions, workflow_id, today)

    # The draft: the LA's mailbox, the regulation, the dates and the days overdue, in the SENCO's words.
    assert draft_letter.to == MAILBOX and draft_letter.days_overdue == (today - due).days == 3
    assert "reg 25" in draft_letter.body and "RA-7001" in draft_letter.body and "3 days overdue" in draft_letter.body
    assert "Dear Kent SEN team" in draft_letter.body and "Sam Example (SENCO)" in draft_letter.body
    assert f"was due by {due.strftime('%a %-d %b %Y')}" in draft_letter.body
    reply_by = w1_working_days(today, 5, school_calendar(settings))
    assert draft_letter.reply_by == reply_by and reply_by.strftime("%a %-d %b %Y") in draft_letter.body
    assert YOUR_REFERENCE in draft_letter.body  # the SENCO replaces it before sending

    body = draft_letter.body.replace(YOUR_REFERENCE, "KCC/SEN/0042")
    state = await chase(env, workflow_id, body, draft_letter.subject)
    [entry] = state.facts["la_chases"]
    assert entry["status"] == "sent" and entry["days_overdue"] == 3 and entry["to"] == MAILBOX
    follow = state.step(FOLLOW_UP)
    assert follow.status == StepStatus.OPEN and follow.owner == "senco" and follow.anchor == today
    assert follow.plan.due == reply_by  # Kent's five school working days, not the rule book's ten

    await settled(lambda: bool(mail.to(MAILBOX)))
    [sent_mail] = mail.to(MAILBOX)
    message = sent_mail.message
    assert "senco@example.org" in sent_mail.rcpt_tos  # the SENCO copied
    assert message["Reply-To"].addresses[0].addr_spec == "senco@example.org"
    assert message["Subject"] == draft_letter.subject
    assert "KCC/SEN/0042" in message.get_body(preferencelist=("plain",)).get_content()
    assert message.get("Auto-Submitted") is None  # a letter that wants an answer
    email.message_from_bytes(sent_mail.raw, policy=email.policy.strict)  # RFC 5322, parsed strictly
    [row] = outbox(sessions, workflow_id, "la-chase")
    assert row.recipient == "la" and row.status == "sent" and row.body == body.strip()
    [chased] = [e for e in events(sessions, workflow_id) if e.kind == "la-chased"]
    assert chased.data["rule_id"] == DECISION and chased.data["recorded_by"] == "web:sam"
    assert len(chased.data["body_sha256"]) == 64 and "body" not in chased.data
    assert steps(sessions, workflow_id)[FOLLOW_UP].status == "open"

    # The LA answers: its decision is recorded, and the follow-up closes with it.
    await sleep_until_day(env, today + days(2))
    await decided(env, settings, workflow_id, reassess=False)
    for _ in range(100):
        state = await process_state(env.client, workflow_id)
        if state.step(FOLLOW_UP).status != StepStatus.OPEN:
            break
        await sleep_until_day(env, await london_today(env))
    follow = state.step(FOLLOW_UP)
    assert follow.status == StepStatus.COMPLETED and follow.completed_on == today + days(2) and follow.on_time
    await close(env, settings, workflow_id)


async def test_a_chase_before_the_la_date_has_passed_is_refused(env, settings, sessions):
    today = await london_today(env)
    started = await start(env, settings, "RA-7002", today, today - days(400))
    workflow_id = started.state.workflow_id
    state = await sent(env, settings, workflow_id)
    with pytest.raises(RequestError) as refused:
        await chase(env, workflow_id, "Dear Kent SEN team, ...", "Overdue")
    assert refused.value.first.field == "rule_id"
    assert "chase it after that date" in refused.value.first.reason
    assert state.step(DECISION).plan.due.strftime("%a %-d %b %Y") in refused.value.first.reason
    assert outbox(sessions, workflow_id, "la-chase") == []
    await close(env, settings, workflow_id)


async def test_chased_again_by_hand_then_the_chased_step_cancelled(env, settings, sessions):
    workflow_id, _ = await overdue_decision(env, settings, "RA-7003")
    first = await chase(env, workflow_id, "Dear Kent SEN team, where is the decision?", "Overdue: decision", to=None)
    [entry] = first.facts["la_chases"]
    assert entry["status"] == "kept" and "own mailbox" in entry["kept_because"]
    [row] = outbox(sessions, workflow_id, "la-chase")
    assert row.status == "kept" and row.channel == "by-hand"

    await sleep_until_day(env, await london_today(env) + days(7))
    second = await chase(env, workflow_id, "Dear Kent SEN team, a second time.", "Overdue: decision (2)", to=None)
    follow_ups = [s for s in second.steps if s.rule_id == FOLLOW_UP]
    assert [s.status for s in follow_ups] == [StepStatus.COMPLETED, StepStatus.OPEN]
    assert [e["n"] for e in second.facts["la_chases"]] == [1, 2]

    today = await london_today(env)
    await cancel_step(
        env.client,
        settings,
        workflow_id,
        Cancellation(rule_id=DECISION, cancelled_on=today, by="senco", reason="the request was withdrawn"),
    )
    for _ in range(100):
        state = await process_state(env.client, workflow_id)
        if all(s.status != StepStatus.OPEN for s in state.steps if s.rule_id == FOLLOW_UP):
            break
        await sleep_until_day(env, today)
    assert [s.status for s in state.steps if s.rule_id == FOLLOW_UP] == [StepStatus.COMPLETED, StepStatus.CANCELLED]
    await close(env, settings, workflow_id)
