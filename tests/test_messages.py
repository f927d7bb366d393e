"""Every notice kind renders, for every step style, with the case reference and never an empty subject."""

from __future__ import annotations

import typing
from datetime import date, datetime, timezone

import pytest

from activities.messages import MessageRenderer
from workflows.models import NoticeContext, NoticeKind, NotifyInput, StepStyle

HOLDERS = {"duty": "school", "chase": "LA (school chases it)", "window": "parent / young person", "prompt": "school"}


@pytest.mark.parametrize("style", typing.get_args(StepStyle))
@pytest.mark.parametrize("kind", [k for k in typing.get_args(NoticeKind) if k != "closes"])
def test_every_kind_renders(kind, style):
    context = NoticeContext(
        workflow_id="wf", process_kind="annual-review", case_ref="EHC-0042", la="Kent", rule_id="review-report",
        rule_title="Review report to everyone invited", basis="reg 20", due=date(2026, 11, 18),
        target=date(2026, 11, 18), on=date(2026, 11, 20), days_to_target=3, days_overdue=2,
        exemption_ground="reg8-2-a", completed_on=date(2026, 11, 20), on_time=False, style=style,
        duty_holder=HOLDERS[style])
    subject, body = MessageRenderer("http://127.0.0.1:8000").render(NotifyInput(
        key="k", kind=kind, recipients=["senco"], scheduled_for=datetime(2026, 11, 20, 8, tzinfo=timezone.utc),
        context=context))
    assert subject.startswith("[sendclock] ") and len(subject) > len("[sendclock] ") + 10
    assert "EHC-0042" in subject and "Case reference: EHC-0042" in body and "reg 20" in body


@pytest.mark.parametrize("style", typing.get_args(StepStyle))
@pytest.mark.parametrize("kind", [k for k in typing.get_args(NoticeKind) if k != "closes"])
def test_every_kind_renders_as_html_and_a_teams_card(kind, style):
    """The HTML is escaped and the card is JSON whatever an LA is called (quotes, ampersands, angle brackets)."""
    la = 'Brighton & Hove "<LA>"'
    context = NoticeContext(
        workflow_id="wf", process_kind="annual-review", case_ref="EHC-0042", la=la, rule_id="review-report",
        rule_title="Review report to everyone invited", basis="reg 20", due=date(2026, 11, 18),
        target=date(2026, 11, 18), on=date(2026, 11, 20), days_to_target=3, days_overdue=2,
        exemption_ground="reg8-2-a", completed_on=date(2026, 11, 20), on_time=False, style=style,
        duty_holder=HOLDERS[style])
    message = MessageRenderer("http://127.0.0.1:8000").message(NotifyInput(
        key="k", kind=kind, recipients=["senco"], scheduled_for=datetime(2026, 11, 20, 8, tzinfo=timezone.utc),
        context=context))
    assert "Brighton &amp; Hove &#34;&lt;LA&gt;&#34;" in message.html and la not in message.html
    assert f"Local authority: {la}" in message.text
    [attachment] = message.card["attachments"]
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == message.subject
    facts = {f["title"]: f["value"] for e in card["body"] if e["type"] == "FactSet" for f in e["facts"]}
    assert set(facts) == {"Rule", "Case reference", "Due", "Target", "Days left"}
    assert facts["Case reference"] == "EHC-0042" and facts["Due"] == "Wed 18 Nov 2026"
    assert card["actions"][0]["url"] == "http://127.0.0.1:8000/cases/EHC-0042#review-report"


def test_a_plain_message_has_subject_and_text_only():
    """For staff with no channel (the outbox row is the delivery) the HTML and the card are not rendered."""
    context = NoticeContext(
        workflow_id="wf", process_kind="ehc-advice-request", case_ref="EHC-0042", la="Kent", rule_id="ehc-advice",
        rule_title="Advice to the LA", basis="reg 8", due=date(2026, 11, 18), target=date(2026, 11, 18),
        on=date(2026, 11, 18), days_to_target=0)
    notice = NotifyInput(key="k", kind="reminder", recipients=["senco"],
                         scheduled_for=datetime(2026, 11, 18, 8, tzinfo=timezone.utc), context=context)
    renderer = MessageRenderer("http://127.0.0.1:8000")
    plain, rich = renderer.message(notice, rich=False), renderer.message(notice)
    assert (plain.subject, plain.text) == (rich.subject, rich.text)
    assert (plain.html, plain.card) == (None, None) and rich.html and rich.card
