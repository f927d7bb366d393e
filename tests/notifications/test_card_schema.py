"""Every Teams card sendclock can send is valid against Microsoft's official Adaptive Card schema for the version
it declares (an outside reference: tests/notifications/schema/README.md says where it comes from). Our own shape
checks (test_teams.py) once passed a 1.4 card that used a 1.5-only property; this test would not have.

The card is rendered by the same code path the notifier uses (MessageRenderer.message), for every notice kind,
every step style, both audiences (the owner, the SENCO's copy), with initials on and off, an LA name full of
JSON and HTML metacharacters, and past and future dates."""

from __future__ import annotations

import copy
import hashlib
import json
import typing
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import jsonschema

from activities.messages import MessageRenderer
from workflows.models import NoticeContext, NoticeKind, NotifyInput, StepStyle

SCHEMA_DIR = Path(__file__).parent / "schema"
HOLDERS = {
    "duty": "school",
    "chase": "LA (school chases it)",
    "window": "parent / young person (school tracks it)",
    "prompt": "school",
}
# The Teams host extension on the card (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/
# cards/cards-format#full-width-adaptive-card): not in Microsoft's generic schema, which forbids unknown properties
# on AdaptiveCard. Allowed explicitly, and only in this shape.
MSTEAMS = {"type": "object", "properties": {"width": {"enum": ["Full", "full"]}}, "additionalProperties": False}


@cache
def validator(version: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / f"adaptive-card-{version}.0.json").read_text(encoding="utf-8"))
    schema = copy.deepcopy(schema)
    schema["definitions"]["AdaptiveCard"]["properties"]["msteams"] = MSTEAMS
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_the_vendored_schema_is_microsofts_and_unedited():
    raw = (SCHEMA_DIR / "adaptive-card-1.5.0.json").read_bytes()
    schema = json.loads(raw)
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert "heading" in json.dumps(schema["definitions"]["TextBlockStyle"])  # a 1.5 value the card uses
    readme = (SCHEMA_DIR / "README.md").read_text(encoding="utf-8")
    assert "github.com/microsoft/AdaptiveCards" in readme and "MIT" in readme
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()  # git's blob id, as named in the README
    assert blob in readme


def cards():
    renderer = {
        initials: MessageRenderer(
            "https://sendclock.example.org", include_initials=initials, staff_names={"teacher": 'Jo "JJ" Example & co'}
        )
        for initials in (False, True)
    }
    for kind in typing.get_args(NoticeKind):
        for style in typing.get_args(StepStyle):
            for audience in ("owner", "copy"):
                for on in (date(2026, 3, 2), date(2026, 12, 2)):  # before the dates, and long after them
                    context = NoticeContext(
                        workflow_id="ehc-advice-request-EHC-0042-20260202",
                        process_kind="ehc-advice-request",
                        case_ref="EHC-0042",
                        la='Brighton & Hove "<LA>"',
                        rule_id="ehc-advice",
                        rule_title="Advice to the LA",
                        basis="reg 8(1)",
                        due=date(2026, 3, 16),
                        target=date(2026, 3, 13),
                        on=on,
                        days_to_target=(date(2026, 3, 13) - on).days,
                        days_overdue=max(0, (on - date(2026, 3, 16)).days) or None,
                        exemption_ground="reg8-2-c",
                        completed_on=on,
                        on_time=on <= date(2026, 3, 16),
                        style=style,
                        duty_holder=HOLDERS[style],
                        initials="AB",
                        owner="teacher",
                    )
                    for initials in (False, True):
                        notice = NotifyInput(
                            key="k",
                            kind=kind,
                            recipients=["teacher", "senco"],
                            scheduled_for=datetime.combine(on, datetime.min.time(), UTC),
                            context=context,
                        )
                        yield (
                            f"{kind}-{style}-{audience}-{on}-{initials}",
                            renderer[initials].message(notice, audience=audience).card,
                        )


def test_every_card_is_valid_against_the_schema_of_the_version_it_declares():
    checked = 0
    for name, post in cards():
        [attachment] = post["attachments"]
        card = attachment["content"]
        assert card["version"] == "1.5", name  # Teams' Workflows renders up to 1.5
        errors = sorted(validator(card["version"]).iter_errors(card), key=lambda e: list(e.path))
        assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        checked += 1
    assert checked == len(typing.get_args(NoticeKind)) * len(typing.get_args(StepStyle)) * 2 * 2 * 2


def test_the_schema_catches_what_it_should():
    """The check has teeth: a 1.5 schema rejects an unknown property and a wrong enum value."""
    _, post = next(cards())
    card = copy.deepcopy(post["attachments"][0]["content"])
    card["body"][0]["style"] = "title"
    card["surprise"] = True
    assert len(list(validator("1.5").iter_errors(card))) >= 1
