"""What every command shares: the input model's base, what a command runs with (settings, the clock, the Temporal
client), who makes a change, a change checked and ready to send, and sending it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from commands.clock import Clock
from commands.errors import Refused, Unavailable


class Command(BaseModel):
    """A command's input: the same model for a form, a JSON body and the CLI's flags (the API's schema is its JSON
    schema). Unknown fields are refused; text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class Context:
    """What a command runs with: the settings, the school's clock, and the Temporal client (connected on first use;
    the CLI connects per command, the dashboard once per process)."""

    settings: Any  # config.settings.Settings
    clock: Clock
    client: Callable[[], Awaitable[Any]]

    def today(self) -> date:
        return self.clock.today()


@dataclass(frozen=True)
class Actor:
    """Who makes a change: `by`, the staff id of who did it; `recorded_by`, the account that told sendclock (the door
    and the sign-in name: workflows/models/common.py, RecordedBy)."""

    by: str
    recorded_by: str | None = None


@dataclass(frozen=True)
class Change:
    """A change checked and ready to send: the workflow's own model of it, and the starter function that sends it to
    a process (`send(client, settings, workflow_id, request)`)."""

    request: Any
    send: Callable[[Any, Any, str, Any], Awaitable[Any]]
    # The workflow model's fields as the command's (its problems are said on the command's fields).
    names: Mapping[str, str] | None = None


def unreachable(err: BaseException) -> bool:
    """Whether an error of the Temporal client means it could not reach the server."""
    text = str(err).lower()
    return isinstance(err, RuntimeError) and ("connect" in text or "transport" in text)


async def call(ctx: Context, work: Callable[[Any], Awaitable[Any]], names: Mapping[str, str] | None = None) -> Any:
    """Run `work(client)` against Temporal: its refusals said on the command's fields (`names`), an unreachable server
    as Unavailable."""
    try:
        client = await ctx.client()
        return await work(client)
    except Refused as err:
        raise (err.renamed(names) if names else err) from err.__cause__
    except RuntimeError as err:
        if unreachable(err):
            raise Unavailable(str(err)) from err
        raise


async def send(ctx: Context, workflow_id: str, change: Change) -> Any:
    """Send a checked change to the process `workflow_id`; the process's state after it."""
    return await call(ctx, lambda client: change.send(client, ctx.settings, workflow_id, change.request), change.names)
