"""`sendclock key ...`: payload encryption keys (security/). A key is printed once and stored nowhere by sendclock:
the school puts it in its secret store (security.payload_keys) or the key file, and backs it up."""

from __future__ import annotations

from typing import Annotated

import typer

from starter.cli import fail, load_settings

key_app = typer.Typer(help="Payload encryption keys: make a new one, list the configured ones.", no_args_is_help=True)


@key_app.command("new")
def key_new_command(
    key_id: Annotated[str | None, typer.Option("--id", help="The key's id (default: k<UTC date and time>).")] = None,
) -> None:
    """Print a fresh AES-256 key as KEYID:BASE64 (standard output only; nothing is written)."""
    from security.keys import BadKey, new_key

    try:
        entry = new_key(key_id)
    except BadKey as err:
        fail(f"--id: {err}")
    typer.echo(entry)
    typer.echo("Add it LAST to security.payload_keys (or as the last line of the key file) and keep the older keys, "
               "so older histories stay readable; back it up apart from the databases.", err=True)


@key_app.command("list")
def key_list_command() -> None:
    """The configured key ids, oldest first, and which one encrypts (never the keys themselves)."""
    from security.keys import BadKey, configured_keys

    settings = load_settings()
    try:
        keys = configured_keys(settings)
    except (BadKey, OSError) as err:
        fail(f"security: {err}")
    if not keys:
        typer.echo("No payload keys configured: payloads are not encrypted.")
        return
    for index, (key_id, _) in enumerate(keys):
        typer.echo(f"{key_id}{'  (encrypts)' if index == len(keys) - 1 else ''}")
