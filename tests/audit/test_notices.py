"""Who was told what, and how it went, from history alone (issue 21, finding 4): every notice of every kind, with each
recipient's channel and delivery outcome, in the timeline and the CLI timeline text. From the committed histories:
ordinary activities (the notify input names the notice) and local ones from before the result did (paired with the
record the step wrote beside it). tests/audit/test_outbox_verify.py runs a process whose results name their notices
and their outbox rows."""

from __future__ import annotations

import re

import pytest

from audit import history, render, timeline
from audit.converter import data_converter
from tests.audit.conftest import HISTORIES, history_path

WID = "ehc-advice-request-EHC-H001-20261122"


def build(name: str) -> timeline.Timeline:
    return timeline.build(history.load(history_path(name)), data_converter())


@pytest.mark.parametrize("name", ["ehc_advice_late", "ehc_advice_late@local-activities"])
def test_assigned_reminder_overdue_and_completed_notices_have_each_recipients_channel_and_outcome(name):
    t = build(name)
    assert [n.kind for n in t.notices] == ["assigned"] + ["reminder"] * 4 + ["overdue"] * 2 + ["completed"]
    assigned, reminder, overdue, completed = t.notices[0], t.notices[1], t.notices[5], t.notices[-1]
    step = f"{t.workflow_id}/ehc-advice"
    assert assigned.key == f"{step}/assigned" and completed.key == f"{step}/completed"
    assert reminder.key.startswith(f"{step}/reminder/") and overdue.key.startswith(f"{step}/overdue/")
    assert [(d.recipient, d.channel, d.status) for d in reminder.told] == [("teacher", "outbox", "kept")]
    assert [(d.recipient, d.channel, d.status) for d in overdue.told] == [
        ("teacher", "outbox", "kept"),
        ("senco", "outbox", "kept"),
    ]
    assert {n.rule_id for n in t.notices} == {"ehc-advice"} and not any(n.failed or n.rewritten for n in t.notices)
    # The notice's own time: the reminders at 08:00 London, in order with the records that name them.
    assert reminder.at.astimezone().hour in (7, 8) and [n.at for n in t.notices] == sorted(n.at for n in t.notices)
    assert {n.source for n in t.notices} == ({"input"} if "@" not in name else {"record"})
    # Each reminder and escalation record names the notice it went with.
    sent = [e for e in t.entries if e.kind in ("reminder-sent", "escalation-sent")]
    assert [e.key for e in sent] == [n.key for n in t.notices if n.kind in ("reminder", "overdue")]


@pytest.mark.parametrize("name", sorted(p.stem for p in HISTORIES.glob("*.json") if "@" not in p.stem))
def test_both_generations_name_the_same_notices(name: str):
    """Recorded with ordinary activities (the input names each notice) and again with local ones from before the
    result named it (paired with the step's record): the same notices, to the same people, by the same keys (times
    aside: recorded on different days)."""

    def notices(t: timeline.Timeline) -> list[tuple]:
        return sorted(
            {
                (
                    n.kind,
                    re.sub(r"\d{4}-\d{2}-\d{2}T[0-9:.+]+", "T", n.key.split("/", 1)[1]),
                    tuple(sorted((d.recipient, d.channel, d.status) for d in n.told)),
                )
                for n in t.notices
            }
        )

    before, after = build(name), build(f"{name}@local-activities")
    assert all(n.kind and n.key for n in after.notices)
    assert notices(after) == notices(before)


def test_exemption_dates_changed_and_reassigned_notices_are_named_too():
    exempt = build("ehc_advice_exemption@local-activities")
    assert {"assigned", "exemption", "asap", "completed"} <= {n.kind for n in exempt.notices}
    [exemption] = [n for n in exempt.notices if n.kind == "exemption"]
    recorded = next(e for e in exempt.entries if e.kind == "exemption-recorded")
    assert exemption.key == recorded.key and {d.recipient for d in exemption.told} == {"teacher", "senco"}
    cycle = build("annual_review_cycle@local-activities")
    rescheduled = [n for n in cycle.notices if n.kind == "rescheduled"]
    assert rescheduled and all("/rescheduled/" in n.key for n in rescheduled)
    draft = build("draft_consultation@local-activities")
    handed = next(e for e in draft.entries if e.kind == "reassigned")
    [notice] = [n for n in draft.notices if n.key == handed.key]
    assert notice.kind == "assigned" and [d.recipient for d in notice.told] == [handed.data["to"]]


def test_the_cli_timeline_text_says_who_was_told_and_how_it_went(settings):
    text = render.timeline_text(build("ehc_advice_late@local-activities"), render.Roles(settings.staff))
    assert "Who was told, and how it went then (times in Europe/London):" in text
    assert (
        "Assignment notice about \u2018Advice to the LA for an EHC needs assessment\u2019. To a member of staff "
        "('teacher'): kept in the outbox (no e-mail or Teams set up for them)."
    ) in text
    assert re.search(
        r"\n  \w{3} \d+ \w{3} 2027 08:00  Overdue escalation about .* To a member of staff \('teacher'\): "
        r"kept in the outbox .*; the SENCO: kept in the outbox",
        text,
    )
    assert "\u2018Done\u2019 confirmation about" in text


def test_delivery_outcomes_in_words():
    told = render.Told
    assert render.outcome_words(told("t", "email+teams", "sent")) == "sent by e-mail and in Teams"
    assert render.outcome_words(told("t", "teams", "accepted")) == "accepted in Teams"
    assert render.outcome_words(told("t", "email", "held")).startswith("held until working hours")
    assert "sent to the SENCO by e-mail instead" in render.outcome_words(told("t", "fallback:email", "fallback"))
    assert render.outcome_words(told("t", "own-action", "kept")).startswith("not sent: they made the change")
    assert render.outcome_words(told("t", "digest", "kept")) == "left for the weekly digest (kept in the outbox)"
    assert render.outcome_words(told("t", "email", "skipped")) == "already delivered before (not sent twice)"
