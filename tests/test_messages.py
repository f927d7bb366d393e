"""Every notice kind renders, for every step style and every rule, as staff should read it (issue 19): plain titles
(no rule id, no exemption ground in subject, heading or preview), a subject of at most 60 characters that leads
with the case reference, the action and a date, the SENCO's copy naming whose step it is, past dates said to be
past, and the target as the date to work to with the statutory date as the legal limit."""

from __future__ import annotations

import re
import typing
from datetime import UTC, date, datetime, timedelta

import pytest

from activities.messages import SUBJECT_MAX, MessageRenderer
from activities.planning import style_of
from statutory.clock import fmt
from statutory.rules import RULES
from workflows.models import NoticeContext, NoticeKind, NotifyInput, StepStyle

HOLDERS = {
    "duty": "school",
    "chase": "LA (school chases it)",
    "window": "parent / young person (school tracks it)",
    "prompt": "school",
}
KINDS = [k for k in typing.get_args(NoticeKind) if k != "closes"]
RULE_IDS = {rule.id for rule in RULES}
GROUNDS = {ground for rule in RULES for ground in rule.exemption_grounds} | {"reg8-2-a", "reg8-2-b", "reg8-2-c"}
STAFF = {"teacher": "Jo Example", "senco": "Sam Example (SENCO)"}
A_DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


RENDERER = MessageRenderer("http://127.0.0.1:8000", staff_names=STAFF)  # templates compiled once


def render(kind, context, *, audience="owner", renderer=None):
    renderer = renderer or RENDERER
    return renderer.message(
        NotifyInput(
            key="k",
            kind=kind,
            recipients=["teacher", "senco"],
            scheduled_for=datetime.combine(context.on, datetime.min.time(), UTC),
            context=context,
        ),
        audience=audience,
    )


def preview(message) -> str:
    """What a mail client shows before opening: the heading and the opening sentences."""
    return "\n".join(message.text.split("\n\n")[:2])


@pytest.mark.parametrize("style", typing.get_args(StepStyle))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders(kind, style):
    context = NoticeContext(
        workflow_id="wf",
        process_kind="annual-review",
        case_ref="EHC-0042",
        la="Kent",
        rule_id="review-report",
        rule_title="Review report to everyone invited",
        basis="reg 20",
        due=date(2026, 11, 18),
        target=date(2026, 11, 18),
        on=date(2026, 11, 20),
        days_to_target=3,
        days_overdue=2,
        exemption_ground="reg8-2-a",
        completed_on=date(2026, 11, 20),
        on_time=False,
        style=style,
        duty_holder=HOLDERS[style],
    )
    subject, body = MessageRenderer("http://127.0.0.1:8000").render(
        NotifyInput(
            key="k",
            kind=kind,
            recipients=["senco"],
            scheduled_for=datetime(2026, 11, 20, 8, tzinfo=UTC),
            context=context,
        )
    )
    # (was: a "[sendclock] " prefix; issue 19: no prefix unless configured, the reference first, <= 60 characters)
    assert subject.startswith("EHC-0042: ") and 20 < len(subject) <= SUBJECT_MAX
    assert "Case reference: EHC-0042" in body and "reg 20" in body


def test_a_configured_prefix_leads_and_the_subject_still_fits():
    context = NoticeContext(
        workflow_id="wf",
        process_kind="annual-review",
        case_ref="EHC-0042",
        la="Kent",
        rule_id="review-report",
        rule_title="Annual review report to everyone invited",
        basis="reg 20",
        due=date(2026, 11, 18),
        target=date(2026, 11, 18),
        on=date(2026, 11, 2),
        days_to_target=16,
    )
    message = render("reminder", context, renderer=MessageRenderer("http://x", subject_prefix="[sendclock]"))
    assert message.subject.startswith("[sendclock] EHC-0042: Target 18 Nov") and len(message.subject) <= SUBJECT_MAX


@pytest.mark.parametrize("style", typing.get_args(StepStyle))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_as_html_and_a_teams_card(kind, style):
    """The HTML is escaped and the card is JSON whatever an LA is called (quotes, ampersands, angle brackets)."""
    la = 'Brighton & Hove "<LA>"'
    context = NoticeContext(
        workflow_id="wf",
        process_kind="annual-review",
        case_ref="EHC-0042",
        la=la,
        rule_id="review-report",
        rule_title="Review report to everyone invited",
        basis="reg 20",
        due=date(2026, 11, 18),
        target=date(2026, 11, 18),
        on=date(2026, 11, 20),
        days_to_target=3,
        days_overdue=2,
        exemption_ground="reg8-2-a",
        completed_on=date(2026, 11, 20),
        on_time=False,
        style=style,
        duty_holder=HOLDERS[style],
    )
    message = MessageRenderer("http://127.0.0.1:8000").message(
        NotifyInput(
            key="k",
            kind=kind,
            recipients=["senco"],
            scheduled_for=datetime(2026, 11, 20, 8, tzinfo=UTC),
            context=context,
        )
    )
    assert "Brighton &amp; Hove &#34;&lt;LA&gt;&#34;" in message.html and la not in message.html
    assert f"Local authority: {la}" in message.text
    [attachment] = message.card["attachments"]
    card = attachment["content"]
    # (was: the card's first line was the subject, its facts "Rule" with the rule id, and the link the case page's
    # #anchor; issue 19: a plain heading, the LA and the owner among the facts, one button to the record form)
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == message.text.split("\n")[0]
    facts = {f["title"]: f["value"] for e in card["body"] if e["type"] == "FactSet" for f in e["facts"]}
    assert set(facts) == {
        "Case reference",
        "Local authority",
        "Step",
        "Legal basis",
        "Target",
        "Legal limit",
        "Days left",
    }  # no owner given here: no "Owner" fact
    assert facts["Case reference"] == "EHC-0042" and facts["Legal limit"] == "Wed 18 Nov 2026, 2 days ago"
    assert facts["Local authority"] == la
    [action] = card["actions"]
    if kind in ("completed", "withdrawn", "cancelled") or style == "window":
        assert action["url"] == "http://127.0.0.1:8000/cases/EHC-0042"
    else:
        assert action["url"] == "http://127.0.0.1:8000/processes/wf/step-done?rule=review-report"


def test_a_plain_message_has_subject_and_text_only():
    """For staff with no channel (the outbox row is the delivery) the HTML and the card are not rendered."""
    context = NoticeContext(
        workflow_id="wf",
        process_kind="ehc-advice-request",
        case_ref="EHC-0042",
        la="Kent",
        rule_id="ehc-advice",
        rule_title="Advice to the LA",
        basis="reg 8",
        due=date(2026, 11, 18),
        target=date(2026, 11, 18),
        on=date(2026, 11, 18),
        days_to_target=0,
    )
    notice = NotifyInput(
        key="k",
        kind="reminder",
        recipients=["senco"],
        scheduled_for=datetime(2026, 11, 18, 8, tzinfo=UTC),
        context=context,
    )
    renderer = MessageRenderer("http://127.0.0.1:8000")
    plain, rich = renderer.message(notice, rich=False), renderer.message(notice)
    assert (plain.subject, plain.text) == (rich.subject, rich.text)
    assert (plain.html, plain.card) == (None, None) and rich.html and rich.card


# --- every notice kind for every rule, as staff read it (issue 19) ------------------------------------------------

SCENARIOS = {
    # name: (on, target, due) relative to a fixed statutory date
    "ahead": (date(2026, 11, 2), date(2026, 11, 16), date(2026, 11, 18)),
    "already-overdue": (date(2026, 12, 2), date(2026, 11, 20), date(2026, 11, 24)),  # assigned 8 days late
    "moved-into-the-past": (date(2026, 12, 2), date(2026, 11, 18), date(2026, 11, 18)),
}


def contexts():
    seen = set()
    for rule in RULES:
        if rule.id in seen:
            continue
        seen.add(rule.id)
        for scenario, (on, target, due) in SCENARIOS.items():
            yield (
                scenario,
                rule,
                NoticeContext(
                    workflow_id=f"wf-{rule.id}",
                    process_kind="ehc-advice-request",
                    case_ref="EHC-0042",
                    la="Brighton & Hove",
                    rule_id=rule.id,
                    rule_title=rule.title,
                    basis=rule.basis,
                    due=due,
                    target=target,
                    on=on,
                    style=style_of(rule),
                    duty_holder=rule.duty_holder,
                    days_to_target=(target - on).days if target >= on else None,
                    days_overdue=(on - due).days if on > due else None,
                    exemption_ground=(rule.exemption_grounds or ("reg8-2-c",))[-1],
                    completed_on=on,
                    on_time=on <= due,
                    owner="teacher",
                    actor=None,
                ),
            )


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_for_every_rule_reads_as_staff_should(kind):
    checked = 0
    for scenario, rule, context in contexts():
        for audience in ("owner", "copy"):
            message = render(kind, context, audience=audience)
            where = f"{kind}/{rule.id}/{scenario}/{audience}"
            heading = message.text.split("\n")[0]
            shown = "\n".join([message.subject, heading, preview(message)])
            # no jargon: neither a rule id nor an exemption ground where it is read without signing in
            assert not [i for i in RULE_IDS if re.search(rf"(?<![\w/=-]){re.escape(i)}(?![\w-])", shown)], where
            assert not [g for g in GROUNDS if g in shown], where
            # the ground is nowhere in the message at all (it can say why the pupil missed an appointment)
            assert not [g for g in GROUNDS if g in message.text or g in message.html or g in str(message.card)], where
            # a subject a phone shows: the reference first, a date, at most 60 characters, no "[sendclock]"
            assert len(message.subject) <= SUBJECT_MAX, (where, message.subject)
            assert message.subject.startswith("EHC-0042: ") and A_DATE.search(message.subject), where
            assert "[sendclock]" not in message.subject
            # no sentences built from the duty-holder's text: "the LA (school chases it)'s", "(school tracks it)"
            assert ")'s" not in message.text and "(school chases it)" not in message.text, where
            assert "(school tracks it)" not in message.text, where
            # the SENCO's copy says whose step it is, and does not tell them to "complete it today"
            if audience == "copy":
                assert "Jo Example" in preview(message), where
                assert "complete it today" not in message.text.lower(), where
            # past dates are said to be past
            if context.target < context.on:
                assert f"{fmt(context.target)}, {(context.on - context.target).days} days ago" in message.text, where
                if kind == "rescheduled":
                    assert "which has already passed" in preview(message), where
                if kind == "assigned" and context.due < context.on:
                    assert "has already passed" in preview(message), where
            # which date to work to, and which is the legal limit
            if kind not in ("completed", "withdrawn", "cancelled"):
                assert "Work to" in preview(message) and "legal limit" in preview(message), where
            checked += 1
    assert checked == len({r.id for r in RULES}) * len(SCENARIOS) * 2


def test_the_escalation_copy_says_what_the_senco_is_asked_to_do():
    _, _, context = next(c for c in contexts() if c[0] == "already-overdue" and c[1].id == "review-report")
    owner, senco = render("overdue", context), render("overdue", context, audience="copy")
    assert owner.text != senco.text
    assert "owned by Jo Example" in preview(senco) and "check with Jo Example" in preview(senco)
    assert "You are told as the escalation contact" in preview(senco)
    assert "Owner: Jo Example" in senco.text


def test_an_overdue_assignment_says_so_in_the_e_mail_as_the_card_does():
    """Defect 9: "New statutory step ... target Tue 24 Nov" with no word that it is 8 days overdue."""
    _, _, context = next(c for c in contexts() if c[0] == "already-overdue" and c[1].id == "review-report")
    message = render("assigned", context)
    assert "Tue 24 Nov 2026, 8 days ago, has already passed" in preview(message)
    assert "overdue" in message.subject
    assert "Fri 20 Nov 2026, 12 days ago" in message.html


def test_duty_holder_sentences_read_as_english():
    """Defect 8: "The duty is the LA (school chases it)'s: ..."."""
    _, _, chase = next(c for c in contexts() if c[1].id == "review-la-decision")
    _, _, window = next(c for c in contexts() if c[1].id == "draft-plan-representations")
    assert "The deadline is the LA's, not the school's" in preview(render("assigned", chase))
    assert "a period given to the parent or young person:" in preview(render("assigned", window))


def test_initials_change_the_footer():
    _, _, context = next(contexts())
    context = context.model_copy(update={"initials": "AB"})
    message = render("reminder", context, renderer=MessageRenderer("http://x", include_initials=True))
    assert "Case reference: EHC-0042 (AB)" in message.text
    assert "by its reference only" not in message.text and "reference and the pupil's initials only" in message.text
    assert render("reminder", context).text.count("(AB)") == 0  # off by default


def test_dates_are_relative_to_the_day_the_message_is_about():
    _, _, context = next(contexts())
    assert "Mon 16 Nov 2026" in render("reminder", context).text  # ahead: no "ago"
    today = context.model_copy(update={"on": context.target, "days_to_target": 0})
    assert "Mon 16 Nov 2026, today" in render("reminder", today).text
    later = context.model_copy(update={"on": context.target + timedelta(days=1), "days_to_target": None})
    assert "Mon 16 Nov 2026, 1 day ago" in render("rescheduled", later).text


def test_a_catch_up_reminder_after_the_target_says_it_passed_and_gives_the_legal_limit():
    """A step that catches up (workflows/step.py, CATCH_UP) between its target and its statutory date: the reminder
    is recounted for today, so its days to the target are negative. It says the target passed, never "in -3 days"."""
    context = NoticeContext(
        workflow_id="ehc-advice-request-EHC-0042-20261001",
        process_kind="ehc-advice-request",
        case_ref="EHC-0042",
        la="Kent",
        rule_id="ehc-advice",
        rule_title="Advice to the LA for an EHC needs assessment",
        basis="SEND Regulations 2014 reg 8(1)",
        due=date(2026, 11, 22),
        target=date(2026, 11, 20),
        on=date(2026, 11, 21),
        days_to_target=-1,
        owner="teacher",
    )
    message = render("reminder", context)
    assert "-1" not in message.subject and "-1" not in message.text
    assert message.subject.startswith("EHC-0042: Target passed, due ") and len(message.subject) <= SUBJECT_MAX
    assert "passed 1 day ago" in message.text and fmt(date(2026, 11, 22)) in message.text
