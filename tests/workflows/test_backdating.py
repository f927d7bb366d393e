"""Issue 21, finding 3, reproduced on the time-skipping server: a request started 50 days late got its overdue
escalation, then was recorded "sent" through the dashboard on a date before its due date. It still counts on time
(by the date given), and now says so: the case page shows the flag, the compliance figures count it as recorded late
(backdated), the CSV carries the sentence, the auditor's timeline (from history alone) has it on the step, and the
record keeps which signed-in account recorded it (web:NAME) beside `by`, the staff id of who did it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx
import pytest

from audit import timeline
from audit.backdating import backdated
from audit.converter import data_converter
from config.school_calendar import school_calendar
from dashboard.app import create_app
from dashboard.web_settings import WebSettings
from starter.advice import start_advice_request
from starter.client.histories import fetch_run
from store.accounts_queries import add_account
from store.compliance import academic_year_of
from store.credentials import hash_password
from tests.workflows.advice_flow import advice_request, days, events, london_today, outcome, sleep_until_day

PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def dashboard(app) -> httpx.AsyncClient:
    """The dashboard in this event loop (the worker and the time-skipping server's client run in it too)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def sign_in(http: httpx.AsyncClient, username: str) -> None:
    token = csrf_of((await http.get("/login")).text)
    r = await http.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text


@pytest.mark.usefixtures("worker")
async def test_a_request_started_50_days_late_and_recorded_sent_before_its_due_date_is_flagged(env, settings, sessions):
    today = await london_today(env)
    started = await start_advice_request(
        env.client, settings, advice_request(today - days(50), case_ref="EHC-BACKDATE", owner="teacher")
    )
    workflow_id, plan = started.state.workflow_id, started.state.step.plan
    assert plan.due < today  # six weeks from receipt: 8 days ago
    # Still the day it was entered: to 20:00 UTC (that day in London too), or, when the tests run later than that,
    # half a minute on (the catch-up goes at once).
    now = await env.get_current_time()
    if now.hour < 20:
        await sleep_until_day(env, today, hour=20)
    else:
        await env.sleep(timedelta(seconds=30))
    [escalation] = [e for e in events(sessions, workflow_id) if e.kind == "escalation-sent"]
    assert escalation.data["on"] == today.isoformat()  # the catch-up: "overdue by 8 days", to the owner and SENCO

    with sessions.begin() as session:  # the SENCO's dashboard account: its user name is not a staff id
        add_account(session, username="alice", password_hash=hash_password(PASSWORD), role="senco", staff_id="senco")

    async def temporal():
        return env.client

    app = create_app(
        settings,
        sessionmaker=sessions,
        today=lambda: today,
        client_factory=temporal,
        web_settings=WebSettings(session_secret="b" * 40),
    )
    given = plan.due - timedelta(days=2)
    async with dashboard(app) as http:
        await sign_in(http, "alice")
        form = await http.get(f"/processes/{workflow_id}/advice-sent")
        r = await http.post(
            f"/processes/{workflow_id}/advice-sent",
            data={"csrf_token": csrf_of(form.text), "sent_on": given.isoformat(), "method": "email", "note": ""},
        )
        assert r.status_code == 303, r.text
        result = await outcome(env, workflow_id)
        assert result.on_time is True and result.completed_on == given  # counted by the date given, as the law does

        [completed] = [e for e in events(sessions, workflow_id) if e.kind == "completed"]
        assert completed.actor == "senco"  # by: who sent it (the account's staff id)
        assert completed.data["recorded_by"] == "web:alice"  # who recorded it: the signed-in account
        recorded_on = today  # the record's own time is workflow time, today
        sentence = backdated(
            given, recorded_on, [today], school_calendar(settings), settings.audit.backdating_working_days
        )
        assert sentence is not None
        assert sentence.startswith(f"Recorded {(today - given).days} days after the date given")
        assert sentence.endswith(f"after an overdue notice was sent on {today:%a} {today.day} {today:%b %Y}.")

        page = (await http.get("/cases/EHC-BACKDATE")).text
        assert '<span class="tag backdated">backdated</span>' in page and sentence in page
        assert "Completed on time" in page  # still on time by the date given, visibly marked
        assert "Entered in the dashboard by the account alice." in page  # the event says who recorded it

        year = academic_year_of(plan.due)
        figures = (await http.get("/api/compliance", params={"year": year})).json()
        assert (
            figures["total"]["on_time"],
            figures["total"]["recorded_late_backdated"],
            figures["total"]["backdated_counted_on_time"],
        ) == (1, 1, 1)
        [advice] = [r for r in figures["by_rule"] if r["key"] == "ehc-advice"]
        [kent] = figures["by_la"]
        assert advice["recorded_late_backdated"] == kent["recorded_late_backdated"] == 1
        html = (await http.get("/compliance", params={"year": year})).text
        assert '<dd id="backdated">1, of which 1 counted on time</dd>' in html

        rows = list(csv.DictReader(io.StringIO((await http.get("/steps.csv")).text)))
        [row] = [r for r in rows if r["workflow_id"] == workflow_id]
        assert (row["result"], row["done_by"], row["recorded_by"], row["backdated"]) == (
            "on time",
            "senco",
            "web:alice",
            sentence,
        )

    # The auditor's timeline, from the history alone: the same sentence on the step (weekends and bank holidays
    # by default; the school's calendar here has no closures either).
    summary = timeline.build([await fetch_run(env.client, workflow_id)], data_converter()).steps[0]
    assert summary.rule_id == "ehc-advice" and summary.on_time is True and summary.backdated == sentence
    # Whatever the limit, a date given before an overdue notice sent before the record is flagged.
    lenient = (
        timeline.build(
            [await fetch_run(env.client, workflow_id)],
            data_converter(),
            calendar=school_calendar(settings),
            working_days=60,
        )
        .steps[0]
        .backdated
    )
    assert lenient == backdated(given, recorded_on, [today], school_calendar(settings), 60)
    assert "over the limit" not in lenient and "after an overdue notice was sent" in lenient


@pytest.mark.usefixtures("worker")
async def test_a_request_recorded_on_the_day_it_was_sent_is_not_flagged(env, settings, sessions):
    """The usual case: no flag, nothing counted apart; the starter's own callers pass the account too."""
    from starter.advice import advice_sent
    from workflows.models import AdviceSent

    today = await london_today(env)
    started = await start_advice_request(env.client, settings, advice_request(today - days(3), case_ref="EHC-SAMEDAY"))
    workflow_id = started.state.workflow_id
    await advice_sent(
        env.client, settings, workflow_id, AdviceSent(sent_on=today, by="teacher", recorded_by="cli:os:jsmith")
    )
    await outcome(env, workflow_id)
    [completed] = [e for e in events(sessions, workflow_id) if e.kind == "completed"]
    assert (completed.actor, completed.data["recorded_by"]) == ("teacher", "cli:os:jsmith")
    assert timeline.build([await fetch_run(env.client, workflow_id)], data_converter()).steps[0].backdated is None
