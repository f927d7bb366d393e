"""Shared types: the base model, opaque references, channels and statuses."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

__all__ = [
    "CASE_REF_PATTERN",
    "STAFF_ID_PATTERN",
    "RULE_ID_PATTERN",
    "SCHOOL_ID_PATTERN",
    "DEFAULT_SCHOOL",
    "RECORDED_BY_PATTERN",
    "CaseRef",
    "StaffId",
    "ShortText",
    "Note",
    "RuleId",
    "SendDate",
    "Initials",
    "RecordedBy",
    "FIRST_DATE",
    "LAST_DATE",
    "Model",
    "Channel",
    "StepStatus",
    "NoticeKind",
    "StepStyle",
]


CASE_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
STAFF_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9.-]{0,39}$"  # rule ids and exemption grounds: ehc-advice, reg8-2-a
# A school's id in a trust's deployment (settings `schools.<id>`): opaque, in workflow ids and the SendclockSchool
# search attribute. The top-level school (a single-school install) is DEFAULT_SCHOOL, and its ids carry no prefix.
SCHOOL_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,23}$"
DEFAULT_SCHOOL = "default"
# Which account recorded a change (docs/auditing.md, "Who recorded it"): the door it came through, then the account.
#   web:NAME     signed in to the dashboard (its pages) as the account NAME
#   api:NAME     through the JSON API, as the account NAME (an API key, or a signed-in session)
#   cli:as:NAME  on the command line with --as NAME (an account of the dashboard, checked to exist)
#   cli:os:USER  on the command line without --as: the operating-system user who ran it
# NAME is a sign-in name (letters, digits, '.', '_', '@', '-'), never a pupil's name. `by` stays who did the thing.
RECORDED_BY_PATTERN = r"^(web|api|cli:as|cli:os):[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Bidirectional overrides and isolates: they make text display in another order than it is stored.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _no_control_chars(value: str) -> str:
    """One line of plain text: no control characters (C0, DEL, C1), no invisible format characters (bidi
    overrides, zero-width), no line or paragraph separators, no lone surrogates (not encodable)."""
    if _CONTROL.search(value) or any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in value):
        raise ValueError("must not contain control characters, invisible formatting characters or line breaks")
    return value


def _plain_note(value: str) -> str:
    """Free text: line breaks and tabs allowed; NUL and other control characters, lone surrogates and bidi
    overrides not (PostgreSQL refuses NUL in text; a lone surrogate cannot be encoded)."""
    if any(c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cs") for c in value) or _BIDI.search(value):
        raise ValueError("must not contain control characters (other than line breaks and tabs) or bidi overrides")
    return value


# Every date sendclock is given is in the SEND era: from the day the SEND Regulations 2014 came into force (no EHC
# process exists before it) to the end of 2099 (a bound far beyond any plan, so date arithmetic never overflows).
FIRST_DATE = date(2014, 9, 1)
LAST_DATE = date(2099, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_input(value: Any) -> Any:
    """A date, or text YYYY-MM-DD: never a number (pydantic would read it as a Unix timestamp) or a date-time."""
    if isinstance(value, (bool, int, float)) or (isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip())):
        raise ValueError("Input should be a valid date, YYYY-MM-DD")
    return value.strip() if isinstance(value, str) else value


def _in_send_era(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(
            f"{value} is outside the dates sendclock accepts: from {FIRST_DATE} (the SEND Regulations "
            f"2014 came into force) to {LAST_DATE}"
        )
    return value


def _shaped(pattern: str, reason: str) -> tuple[AfterValidator, FieldInfo]:
    """Check `pattern` with a plain reason (pydantic's own says "String should match pattern '^[A-Za-z0-9]...'"),
    and keep the pattern in the JSON schema for API clients."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(reason)  # not the value: a name typed into the wrong field must not reach a log
        return value

    return AfterValidator(check), Field(json_schema_extra={"pattern": pattern})


CaseRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    *_shaped(
        CASE_REF_PATTERN,
        "not a case reference: 1 to 40 letters, digits, '.', '_' or '-', starting with a "
        "letter or digit (the school's reference, never a name)",
    ),
    Field(description="The school's opaque case reference (letters, digits, '.', '_', '-'; never a name)"),
]
StaffId = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    *_shaped(
        STAFF_ID_PATTERN, "not a staff id: 1 to 32 lower-case letters, digits, '_' or '-', as in the staff directory"
    ),
]


def _initials(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{1,3}", value):
        raise ValueError("initials are one to three capital letters, e.g. AB (never a name)")
    return value


# A pupil's initials, for staff to recognise a case in a notice; shown only when the school turns
# notifications.include_initials on, and kept only in (encrypted) payloads: never in IDs, search attributes or logs.
Initials = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_initials),
    Field(description="The pupil's initials, one to three capital letters (optional)"),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), AfterValidator(_no_control_chars)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(_plain_note)]
RuleId = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    *_shaped(RULE_ID_PATTERN, "not a rule id: lower-case letters, digits, '.' and '-', e.g. ehc-advice"),
]
SendDate = Annotated[date, BeforeValidator(_date_input), AfterValidator(_in_send_era)]
RecordedBy = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    *_shaped(
        RECORDED_BY_PATTERN,
        "not an account: web:, api:, cli:as: or cli:os: and a sign-in name (letters, digits, '.', '_', '@', '-')",
    ),
    Field(
        description="Which account recorded the change (web:NAME, api:NAME, cli:as:NAME, "
        "cli:os:USER); set by sendclock, not by the caller"
    ),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Channel(StrEnum):
    """How a document was received or sent."""

    EMAIL = "email"
    POST = "post"
    HAND = "hand"
    PORTAL = "portal"


class StepStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


NoticeKind = Literal[
    "assigned",
    "reminder",
    "overdue",
    "asap",
    "exemption",
    "completed",
    "withdrawn",
    "cancelled",
    "rescheduled",
    "prompt",
    "closes",
]

# How a step behaves, from its rule (the planning activity decides):
#   duty   - the school's own deadline: reminders before the target, escalation after the due date
#   chase  - another body's deadline (the LA's): a look-out on the target, then "chase them" after the due date
#   window - a period given to someone else (a parent's 15 days): reminders, then it closes by itself
#   prompt - an earliest date (C7): a prompt when it arrives, then nudges until the step is done
StepStyle = Literal["duty", "chase", "window", "prompt"]
