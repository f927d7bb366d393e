"""Where people open the Temporal Web UI, for the dashboard's links and the CLI's output.

With `temporal.ui_proxy` (the default) the UI is reached only through the dashboard, at /temporal/ (signed-in SENCOs
and auditors, read-only: dashboard/temporal_proxy.py); the UI itself listens on `temporal.ui_url`, on loopback for
`sendclock up`. Without it (Temporal Cloud, a self-hosted UI with its own sign-in) links go to `temporal.ui_url`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

PUBLIC_PATH = "/temporal"  # the UI's public base path: `temporal server start-dev --ui-public-path /temporal`


def ui_base(settings: Any, *, absolute: bool = True) -> str:
    """The UI's address without a trailing slash: <dashboard_url>/temporal (or just /temporal when not `absolute`,
    for links inside the dashboard), or temporal.ui_url without the proxy."""
    if settings.temporal.ui_proxy:
        return (settings.dashboard_url.rstrip("/") if absolute else "") + PUBLIC_PATH
    return settings.temporal.ui_url.rstrip("/")


def workflow_link(settings: Any, workflow_id: str, *, absolute: bool = True) -> str:
    """A workflow's page in the UI (its latest run)."""
    namespace = quote(settings.temporal.namespace, safe="")
    return f"{ui_base(settings, absolute=absolute)}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"
