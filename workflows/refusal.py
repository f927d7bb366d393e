"""How a process refuses a change it cannot accept: an ApplicationError of type InvalidRequest whose message is the
reason and whose details name the field and a short code ({"field": "done_on", "code": "in_future"}), the same words
as the command layer's Problem (commands/errors.py). starter/requests.py turns it into that Problem.

Only update validators raise it: a rejected update leaves nothing in the history, so replays are unaffected.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

INVALID_REQUEST = "InvalidRequest"


def refusal(field: str | None, reason: str, code: str = "invalid") -> ApplicationError:
    """The error a validator raises to refuse an update: about `field` (None: the change as a whole)."""
    return ApplicationError(reason, {"field": field or "form", "code": code}, type=INVALID_REQUEST, non_retryable=True)
