"""Shared types: the base model, opaque references, channels and statuses."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

__all__ = ['CASE_REF_PATTERN', 'STAFF_ID_PATTERN', 'CaseRef', 'StaffId', 'ShortText', 'Note', 'Model', 'Channel', 'StepStatus', 'NoticeKind', 'StepStyle']


CASE_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
STAFF_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_chars(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


CaseRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=CASE_REF_PATTERN),
    Field(description="The school's opaque case reference (letters, digits, '.', '_', '-'; never a name)"),
]
StaffId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=STAFF_ID_PATTERN)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), AfterValidator(_no_control_chars)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


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


NoticeKind = Literal["assigned", "reminder", "overdue", "asap", "exemption", "completed", "withdrawn", "cancelled",
                     "rescheduled", "prompt", "closes"]

# How a step behaves, from its rule (the planning activity decides):
#   duty   - the school's own deadline: reminders before the target, escalation after the due date
#   chase  - another body's deadline (the LA's): a look-out on the target, then "chase them" after the due date
#   window - a period given to someone else (a parent's 15 days): reminders, then it closes by itself
#   prompt - an earliest date (C7): a prompt when it arrives, then nudges until the step is done
StepStyle = Literal["duty", "chase", "window", "prompt"]
