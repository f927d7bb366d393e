"""The overdue notice of an LA's own deadline tells the reader a chase letter is ready (issue 25), in the plain text,
the HTML e-mail and the Teams card alike (lead.txt.j2), and its one button opens that letter, the chase page
/processes/ID/chase/RULE (dashboard/chase_view.py), not the record form. Only there: a school's own deadline, an LA
deadline's other notices, and a step given the "chase" style that the rule book does not give the LA (no letter is
drafted for it) keep their words and their link. Sent through the real peers, the e-mail parses under Python's strict
policy (the smtp fixture) and the card is valid against Microsoft's Adaptive Card 1.5 schema."""

from __future__ import annotations

import re
import typing
from datetime import UTC, date, datetime
from html import unescape

import pytest

from activities.messages import MessageRenderer
from activities.planning import style_of
from statutory.rules import RULES, get_rule
from tests.notifications.conftest import WORKFLOW_ID, notice, staff
from tests.notifications.test_card_schema import validator
from workflows.models import NoticeContext, NoticeKind, NotifyInput

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

DASHBOARD = "https://sendclock.example.org"
STAFF = {"teacher": "Jo Example", "senco": "Sam Example (SENCO)"}
RENDERER = MessageRenderer(DASHBOARD, staff_names=STAFF)
# The LA by its name, as the process gives it (typed in when it starts: body.html.j2 escapes the opening sentences).
LETTER = "A chase letter to {la} is ready in sendclock: read it, add {la}'s reference for the child and send it."
RULE_IDS = {rule.id for rule in RULES}


def context_of(rule_id: str, *, la: str = "Kent", workflow_id: str = "reassessment-RA-0042-20261001", **changes):
    """A notice about `rule_id` as the step workflow makes it: its title, basis, style and duty-holder from the rule
    book; due Wed 18 Nov 2026, sent Mon 23 Nov 2026 (5 days overdue)."""
    rule = get_rule(rule_id)
    values: dict[str, typing.Any] = dict(
        workflow_id=workflow_id,
        process_kind="reassessment",
        case_ref="RA-0042",
        la=la,
        rule_id=rule.id,
        rule_title=rule.title,
        basis=rule.basis,
        due=date(2026, 11, 18),
        target=date(2026, 11, 18),
        on=date(2026, 11, 23),
        days_overdue=5,
        style=style_of(rule),
        duty_holder=rule.duty_holder,
        owner="teacher",
    )
    values.update(changes)
    return NoticeContext(**values)


def render(kind: str, context: NoticeContext, audience: typing.Literal["owner", "copy"] = "owner"):
    return RENDERER.message(
        NotifyInput(
            key="k",
            kind=kind,
            recipients=["teacher", "senco"],
            scheduled_for=datetime.combine(context.on, datetime.min.time(), UTC),
            context=context,
        ),
        audience=audience,
    )


def words(message) -> dict[str, str]:
    """The notice as each reader sees it: the plain text, the HTML e-mail's text, the card's text blocks."""
    html = unescape(re.sub(r"<[^>]+>", " ", message.html))
    card = message.card["attachments"][0]["content"]
    return {
        "text": " ".join(message.text.split()),
        "html": " ".join(html.split()),
        "card": " ".join(block["text"] for block in card["body"] if block["type"] == "TextBlock"),
    }


def links(message) -> dict[str, list[str]]:
    """Every dashboard address in each form of the notice (the card's: its one action)."""
    card = message.card["attachments"][0]["content"]
    return {
        "text": re.findall(rf"{re.escape(DASHBOARD)}\S*", message.text),
        "html": sorted(set(re.findall(rf'href="({re.escape(DASHBOARD)}[^"]*)"', message.html))),
        "card": [action["url"] for action in card["actions"]],
    }


@pytest.mark.parametrize("audience", ["owner", "copy"])
@pytest.mark.parametrize("rule_id", [r.id for r in RULES if style_of(r) == "chase"])
def test_an_overdue_la_deadline_says_a_chase_letter_is_ready_and_links_to_it(rule_id, audience) -> None:
    """Every LA deadline, to its owner and in the SENCO's escalation copy."""
    context = context_of(rule_id, la="Brighton & Hove")
    message = render("overdue", context, audience)
    chase = f"{DASHBOARD}/processes/reassessment-RA-0042-20261001/chase/{rule_id}"
    for form, said in words(message).items():
        assert LETTER.format(la="Brighton & Hove") in said, form
        assert "legal deadline" in said and "has passed" in said, form  # after the sentence that says why
    assert links(message) == {"text": [chase], "html": [chase], "card": [chase]}
    assert "Read the chase letter: " + chase in message.text
    assert "<strong>Local authority:</strong> Brighton &amp; Hove" in message.html
    assert "A chase letter to Brighton &amp; Hove is ready" in message.html and "Brighton & Hove" not in message.html
    card = message.card["attachments"][0]["content"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Read the chase letter", "url": chase}]
    assert not list(validator(card["version"]).iter_errors(card))
    # the house style: whole sentences in the preview, and no rule id where it is read without signing in
    preview = "\n".join([message.subject, *message.text.split("\n\n")[:2]])
    assert not [i for i in RULE_IDS if re.search(rf"(?<![\w/=-]){re.escape(i)}(?![\w-])", preview)]
    if audience == "copy":
        assert "You are told as the escalation contact" in message.text and "Jo Example" in message.text
    else:
        assert "Please chase them" in message.text


def test_the_chase_link_escapes_a_school_prefixed_workflow_id() -> None:
    """A school other than the default prefixes its workflow ids with "id~" (workflows/registry.py): the link keeps
    it whole as one path segment, as the record form's link does."""
    context = context_of("reassessment-decision", workflow_id="north~reassessment-RA-0042-20261001")
    [url] = links(render("overdue", context))["card"]
    assert url == f"{DASHBOARD}/processes/north~reassessment-RA-0042-20261001/chase/reassessment-decision"


@pytest.mark.parametrize("audience", ["owner", "copy"])
def test_a_school_deadline_overdue_has_no_chase_letter(audience) -> None:
    context = context_of("ehc-advice", workflow_id=WORKFLOW_ID, process_kind="ehc-advice-request")
    assert context.style == "duty"
    message = render("overdue", context, audience)
    record = f"{DASHBOARD}/processes/{WORKFLOW_ID}/step-done?rule=ehc-advice"
    for form, said in words(message).items():
        assert "chase letter" not in said.lower(), form
    assert links(message) == {"text": [record], "html": [record], "card": [record]}
    assert "/chase/" not in message.text + message.html + str(message.card)
    assert message.card["attachments"][0]["content"]["actions"][0]["title"] == "Record it as done"


@pytest.mark.parametrize("kind", [k for k in typing.get_args(NoticeKind) if k != "overdue"])
def test_an_la_deadlines_other_notices_have_no_chase_letter(kind) -> None:
    """Before its date (the look-out, the day it falls due), and every other kind: no letter is drafted yet, or none
    is wanted; the sentence and the link are the overdue notice's only."""
    message = render(kind, context_of("reassessment-decision", on=date(2026, 11, 18), days_overdue=None))
    assert "chase letter" not in message.text.lower() + message.html.lower() + str(message.card).lower()
    assert "/chase/" not in message.text + message.html + str(message.card)


def test_a_chase_style_step_the_rule_book_gives_the_school_keeps_its_record_link() -> None:
    """The chase page drafts a letter only for an LA deadline (commands/chase.py): a notice that calls a school step
    "chase" is not sent there, and does not promise a letter."""
    context = context_of("review-report", style="chase", duty_holder="LA (school chases it)")
    message = render("overdue", context, "copy")
    assert "chase letter" not in message.text.lower()
    record = f"{DASHBOARD}/processes/reassessment-RA-0042-20261001/step-done?rule=review-report"
    assert links(message)["card"] == [record]


def test_the_overdue_la_deadline_goes_out_by_e_mail_and_teams_with_the_letter_and_its_link(
    make_notifier, smtp, smtp_url, teams, teams_url
) -> None:
    """Through the notifier to the real peers: the owner's e-mail, the SENCO's copy by e-mail and on Teams. Every
    e-mail parses under the strict policy (checked by the smtp fixture after the test)."""
    inbox, _ = smtp
    hook, _ = teams
    notifier = make_notifier(smtp_url=smtp_url, staff_directory=staff(senco_notify=["email", teams_url]))
    rule = get_rule("ehc-final-plan")
    overdue = notice(
        "overdue",
        ("teacher", "senco"),
        key=f"{WORKFLOW_ID}/ehc-final-plan/overdue/2026-11-23T08:00:00+00:00",
        rule_id=rule.id,
        rule_title=rule.title,
        basis=rule.basis,
        style=style_of(rule),
        duty_holder=rule.duty_holder,
        due=date(2026, 11, 18),
        target=date(2026, 11, 18),
        on=date(2026, 11, 23),
        days_to_target=None,
        days_overdue=5,
    )
    result = notifier.notify(overdue)

    assert sorted((d.recipient, d.status) for d in result.deliveries) == [("senco", "sent"), ("teacher", "sent")]
    chase = f"{DASHBOARD}/processes/{WORKFLOW_ID}/chase/ehc-final-plan"
    assert sorted(m.rcpt_tos[0] for m in inbox.mails) == ["jo.teacher@example.org", "senco@example.org"]
    for mail in inbox.mails:
        plain = mail.message.get_body(preferencelist=("plain",)).get_content()
        html = mail.message.get_body(preferencelist=("html",)).get_content()
        assert LETTER.format(la="Brighton & Hove") in " ".join(plain.split()), mail.rcpt_tos
        assert LETTER.format(la="Brighton & Hove") in unescape(" ".join(html.split())), mail.rcpt_tos
        assert chase in plain and f'href="{chase}"' in html
        assert "step-done" not in plain + html
    [post] = hook.posts
    card = post["attachments"][0]["content"]
    said = " ".join(block["text"] for block in card["body"] if block["type"] == "TextBlock")
    assert LETTER.format(la="Brighton & Hove") in said
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Read the chase letter", "url": chase}]
    assert not list(validator(card["version"]).iter_errors(card))
