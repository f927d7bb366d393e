"""Chasing the LA: a letter about one of its deadlines that has passed, sent once the SENCO confirms it, and what
sending it did."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, StringConstraints

from workflows.models.common import Model, RecordedBy, RuleId, StaffId, _plain_note, _shaped

__all__ = ["LaChase", "ChaseLetter", "ChaseSent", "MAILBOX_PATTERN"]

MAILBOX_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
Mailbox = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    *_shaped(MAILBOX_PATTERN, "not an e-mail address, e.g. sen.team@la.example.org"),
]
Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_plain_note)
]
Letter = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000), AfterValidator(_plain_note)
]


class LaChase(Model):
    """The SENCO's confirmed chase letter about the LA step `rule_id` (its open occurrence): to the LA's SEN team
    mailbox `to`, or, with none, recorded as sent by the SENCO from their own mailbox (`to` None)."""

    rule_id: RuleId
    to: Mailbox | None = None
    subject: Subject
    body: Letter
    by: StaffId
    recorded_by: RecordedBy | None = None


class ChaseLetter(Model):
    """The send-chase activity's input: one letter, sent once (`key` names it in the outbox)."""

    key: str
    workflow_id: str
    rule_id: str
    la: str
    to: str | None
    subject: str
    body: str
    by: str
    sent_at: datetime


class ChaseSent(Model):
    """What sending did: "sent" (e-mailed to the LA, the SENCO copied), "kept" (not e-mailed: no mailbox for the LA
    or no e-mail route for the school; the outbox row holds the letter to send by hand), or "failed" (with the
    reason). `on`: the school's date it went."""

    status: Literal["sent", "kept", "failed"]
    outbox_key: str
    on: date
    error: str | None = None
    reason: str | None = None  # why kept, in a sentence
