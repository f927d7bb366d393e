"""Notification channels as apprise URLs: what kind each is, how to show it without its secrets, and whether
apprise accepts it. Used when settings load (every URL is checked then) and by the notifier.

A staff member's channels are apprise URLs, or the word "email": the member's own address through the school's
e-mail URL (`notifications.smtp_url`, an SMTP mailto:// or mailtos:// URL, or `notifications.graph_url`, a
Microsoft 365 Graph o365:// or azure:// URL for tenants that block SMTP basic auth). Teams is a Power Automate
"Workflows" webhook (workflows://); the retired Office 365 connector webhooks (msteams://) are refused.

apprise is imported lazily: the dashboard and the CLI load settings too, and most of them never send anything.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

ChannelKind = Literal["email", "o365", "teams", "other"]

EMAIL_SCHEMES = {"mailto", "mailtos"}
GRAPH_SCHEMES = {"o365", "azure"}
TEAMS_SCHEMES = {"workflows", "workflow"}
RETIRED_SCHEMES = {"msteams"}  # Office 365 connector webhooks, retired by Microsoft
SECRET_QUERY_KEYS = {"pass", "password", "secret", "sig", "token", "key", "apikey", "client_secret"}


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def kind_of(url: str) -> ChannelKind:
    scheme = scheme_of(url)
    if scheme in EMAIL_SCHEMES:
        return "email"
    if scheme in GRAPH_SCHEMES:
        return "o365"
    if scheme in TEAMS_SCHEMES:
        return "teams"
    return "other"


def is_email(url: str) -> bool:
    return kind_of(url) in ("email", "o365")


def mask(url: str) -> str:
    """The URL with its secrets hidden, for logs and error messages: the password (also in a URL too broken to
    parse), query values that look like secrets, and every longer path segment of a Graph or Teams URL (client
    secrets and webhook signatures live there)."""
    url = re.sub(r"(?<=:)[^:/@?#]+(?=@)", "****", url)  # user:password@ -> user:****@
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path
    if scheme_of(url) in GRAPH_SCHEMES | TEAMS_SCHEMES:
        path = "/".join(
            segment[:1] + "****" if len(segment) > 4 and "@" not in segment else segment for segment in path.split("/")
        )
    query = urlencode(
        [
            (k, "****" if k.lower() in SECRET_QUERY_KEYS else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="@/:*",
    )
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def with_param(url: str, name: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{name}={quote(value, safe='@/')}"


def email_url_for(base: str, address: str) -> str:
    """The school's e-mail URL addressed to one person: SMTP takes ?to=, Graph takes the address as a path target."""
    if scheme_of(base) in GRAPH_SCHEMES:
        path, sep, query = base.partition("?")
        return f"{path.rstrip('/')}/{quote(address, safe='@')}{sep}{query}"
    return with_param(base, "to", address)


# Every notice is machine-generated: no out-of-office or other auto-reply to it (RFC 3834; Exchange/Outlook's own).
AUTO_REPLY_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def with_sender(url: str, *, from_name: str | None = None, reply_to: str | None = None, machine: bool = True) -> str:
    """An SMTP (mailto/mailtos) URL with the sender's display name (apprise `name=`), a Reply-To (`reply=`) and the
    auto-reply suppression headers (apprise `+Header=value`); what the URL already sets is kept. Other URLs as
    they are: apprise's Graph plugin takes neither custom headers nor a display name from the URL. `machine` False:
    a letter a person confirmed (a chase to the LA), which wants an answer: no auto-reply suppression."""
    if kind_of(url) != "email":
        return url
    query = url.partition("?")[2]
    keys = {unquote(pair.partition("=")[0]).lower() for pair in query.split("&") if pair}
    if from_name and "name" not in keys:
        url = with_param(url, "name", from_name)
    if reply_to and "reply" not in keys:
        url = with_param(url, "reply", reply_to)
    for header, value in AUTO_REPLY_HEADERS.items() if machine else ():
        if f"+{header.lower()}" not in keys:
            url = f"{url}{'&' if '?' in url else '?'}+{header}={quote(value)}"
    return url


def problem(url: str, *, expect: set[str] | None = None) -> str | None:
    """Why apprise cannot use `url` (None when it can). `expect`: the schemes allowed here."""
    scheme = scheme_of(url)
    if scheme in RETIRED_SCHEMES:
        return "Office 365 connector webhooks (msteams://) are retired: use a Teams Workflows webhook (workflows://)"
    if expect is not None and scheme not in expect:
        return f"expected a {' or '.join(sorted(s + '://' for s in expect))} URL"
    import apprise  # lazily: see the module docstring

    if not apprise.Apprise().add(url):
        return "apprise cannot use this URL"
    return None
