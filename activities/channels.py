"""Sending one notice on one channel through apprise, and saying exactly what happened.

apprise does not raise when delivery fails: `notify()` returns something falsy. Each channel is sent on its own
Apprise object, so each has its own outcome, and the warnings apprise records on that call's result (e.g. "Failed
to send Workflows notification: Internal server error., error=500.") are kept as the error text. Sending is
synchronous in the calling thread (async_mode off): the activity's own timeout covers it.

E-mail (SMTP or Microsoft 365 Graph) goes as HTML when there is an HTML body: apprise's e-mail plugin then sends a
multipart/alternative message, whose text/plain part apprise derives from the HTML. A Teams "Workflows" webhook is
given sendclock's own Adaptive Card through the plugin's template mechanism (a JSON file named by `?template=`);
Power Automate answers 202 Accepted, which says the flow took the message, not that anyone saw it: "accepted".
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Literal

import apprise

from config.channels import is_email, kind_of, with_param


@dataclass(frozen=True)
class Outcome:
    status: Literal["sent", "accepted", "failed"]
    error: str | None = None


def send(url: str, *, subject: str, text: str, html: str | None = None, card: dict[str, Any] | None = None) -> Outcome:
    sender = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
    card_file = None
    try:
        if kind_of(url) == "teams" and card:
            card_file = _card_file(card)
            url = with_param(url, "template", card_file)
        if not sender.add(url):
            return Outcome("failed", "apprise cannot use this channel URL")
        if is_email(url) and html:
            body, body_format = html, apprise.NotifyFormat.HTML
        else:
            body, body_format = text, apprise.NotifyFormat.TEXT
        result = sender.notify(body=body, title=subject, body_format=body_format)
        try:
            if not result:
                return Outcome("failed", _reason(result))
        finally:
            getattr(result, "close", lambda: None)()
        return Outcome("accepted" if kind_of(url) == "teams" else "sent")
    finally:
        if card_file:
            os.unlink(card_file)


def _reason(result: Any) -> str:
    """The warnings apprise recorded for this call (apprise >= 2 returns them on the result)."""
    logs = getattr(result, "logs", None)
    lines = [
        str(entry.message)
        for entry in (logs() if logs else ())
        if str(getattr(entry, "level", "")).upper() in ("WARNING", "ERROR", "CRITICAL")
    ]
    return ("; ".join(dict.fromkeys(lines)) or "the channel refused the message or could not be reached")[:1000]


def _card_file(card: dict[str, Any]) -> str:
    handle, path = tempfile.mkstemp(prefix="sendclock-card-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(card, out)
    return path
