"""`sendclock key ...`: payload encryption keys (security/) and the school's signing key. A payload key is printed
once and stored nowhere by sendclock: the school puts it in its secret store (security.payload_keys) or the key file,
and backs it up. The signing key (security/signing.py) is written to <var_dir>/signing-key, or printed for a secret
store with --print."""

from __future__ import annotations

from typing import Annotated

import typer

from starter.cli.common import fail, load_settings

key_app = typer.Typer(
    help="Payload encryption keys and the signing key: make a new one, list the configured ones.", no_args_is_help=True
)


@key_app.command("new")
def key_new_command(
    key_id: Annotated[
        str | None,
        typer.Option(
            "--id", help="The key's id (default: k<UTC date and time>, or s<UTC date and time> for a signing key)."
        ),
    ] = None,
    signing: Annotated[
        bool,
        typer.Option(
            "--signing", help="Make the school's Ed25519 signing key (for evidence bundles) instead of a payload key."
        ),
    ] = False,
    print_: Annotated[
        bool,
        typer.Option(
            "--print",
            help="With --signing: print the key (PEM) for a secret store "
            "instead of writing it to <var_dir>/signing-key.",
        ),
    ] = False,
) -> None:
    """Print a fresh AES-256 key as KEYID:BASE64 (standard output only; nothing is written). With --signing, make
    the signing key instead."""
    if signing:
        _new_signing_key(key_id, print_)
        return
    if print_:
        fail("--print: only with --signing (a payload key is always printed, never written)")
    from security.keys import BadKey, new_key

    try:
        entry = new_key(key_id)
    except BadKey as err:
        fail(f"--id: {err}")
    typer.echo(entry)
    typer.echo(
        "Add it LAST to security.payload_keys (or as the last line of the key file) and keep the older keys, "
        "so older histories stay readable; back it up apart from the databases.",
        err=True,
    )


def _new_signing_key(key_id: str | None, print_: bool) -> None:
    from security import signing

    try:
        key = signing.new_signing_key(key_id)
    except signing.SigningKeyError as err:
        fail(f"--id: {err}")
    if print_:
        typer.echo(key.pem(), nl=False)
        typer.echo(
            f"Signing key {key.key_id}, public key fingerprint {key.fingerprint}. Nothing was written: put it "
            f"in the school's secret store, name the file it is mounted as in {signing.FILE_ENV}, and back "
            "it up.",
            err=True,
        )
        return
    settings = load_settings()
    path = signing.key_path(settings)
    try:
        signing.write_new(path, key)
    except FileExistsError:
        fail(
            f"--signing: a signing key already exists at {path}: sendclock never overwrites it (bundles signed "
            "with it are checked against its public key). Move it away first only if you mean to replace it."
        )
    except OSError as err:
        fail(f"--signing: cannot write {path} ({err.strerror})")
    typer.echo(f"Signing key {key.key_id} written to {path} (readable only by this account).")
    typer.echo(f"Public key fingerprint: {key.fingerprint}")
    typer.echo(f"Public key: {key.public_b64}")
    typer.echo(
        "Back the file up apart from the databases (without it, new bundles cannot be signed with this key), "
        "and publish the fingerprint where people checking a bundle can compare it.",
        err=True,
    )


@key_app.command("list")
def key_list_command() -> None:
    """The configured key ids, oldest first, and which one encrypts (never the keys themselves); then the signing
    key's id and fingerprint, if there is one."""
    from security.keys import BadKey, configured_keys

    settings = load_settings()
    try:
        keys = configured_keys(settings)
    except (BadKey, OSError) as err:
        fail(f"security: {err}")
    if not keys:
        typer.echo("No payload keys configured: payloads are not encrypted.")
    for index, (key_id, _) in enumerate(keys):
        typer.echo(f"{key_id}{'  (encrypts)' if index == len(keys) - 1 else ''}")
    signing_line = _signing_line(settings)
    if signing_line:
        typer.echo(signing_line)


def load_signing_key(settings):
    """The school's signing key (None if there is none); one that cannot be read exits 2 with the reason."""
    from security import signing

    try:
        return signing.load(settings)
    except signing.SigningKeyError as err:
        fail(f"signing key: {err}")
    except OSError as err:
        fail(f"signing key: cannot read {signing.key_path(settings)} ({err.strerror})")


def _signing_line(settings) -> str | None:
    from security import signing

    key = load_signing_key(settings)
    if key is None:
        return None
    return f"Signing key {key.key_id} (Ed25519), fingerprint {key.fingerprint}, in {signing.key_path(settings)}"
