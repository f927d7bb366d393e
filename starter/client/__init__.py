"""The one way the CLI, the dashboard and the worker reach Temporal.

`connect_options(settings)` is everything `Client.connect` is given, built without connecting: the pydantic data
converter (with the payload encryption codec when keys are configured, see security/), the namespace, and TLS,
mTLS or a Temporal Cloud API key when the settings ask for them (the embedded dev server needs none).

What is read through the connection for the audit and the activities lives beside it, so that outside this package
(and the rest of starter/, activities/, worker.py, bench/) nothing imports Temporal's client or its errors:

    histories.py  a process's histories (every run of a continue-as-new chain, every child workflow)
    visibility.py what Temporal says about a process the database holds open (running, or ended outside sendclock)
    archiving.py  archiving closed runs' histories (the ArchiveClosedRuns activities, `sendclock audit archive`)

An error Temporal answers with leaves this package as a TemporalError (its status name and message).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from temporalio.client import Client, TLSConfig
from temporalio.service import RPCError

from config.settings import Settings, TemporalSettings
from security.converter import data_converter


class TemporalConfigError(RuntimeError):
    """A TLS file named in the settings cannot be read (the message says which setting)."""


class TemporalError(Exception):
    """Temporal answered, with an error (an RPC status such as UNAVAILABLE or PERMISSION_DENIED): said by the
    gateway's functions in place of temporalio's RPCError, so their callers need not import temporalio.service.
    `status` is the status's name ("NOT_FOUND"), `message` Temporal's; str() is the message, as RPCError's was."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def status_words(self) -> str:
        """The status in words: "not found", "unavailable"."""
        return self.status.lower().replace("_", " ")


@contextmanager
def temporal_errors() -> Iterator[None]:
    """Turns an RPCError raised inside into a TemporalError (a caller that handles a status itself, e.g. NOT_FOUND,
    catches RPCError first)."""
    try:
        yield
    except RPCError as err:
        raise TemporalError(err.status.name, err.message) from err


def _read(setting: str, path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise TemporalConfigError(
            f"cannot connect to Temporal: temporal.{setting}: cannot read {path} ({err.strerror})"
        ) from None


def tls_options(temporal: TemporalSettings) -> bool | TLSConfig:
    """False (plain, the dev server), True (TLS with the system's root CAs) or a TLSConfig."""
    if not temporal.uses_tls:
        return False
    if not (temporal.tls_server_root_ca or temporal.tls_client_cert or temporal.tls_server_name):
        return True
    return TLSConfig(
        server_root_ca_cert=_read("tls_server_root_ca", temporal.tls_server_root_ca),
        client_cert=_read("tls_client_cert", temporal.tls_client_cert),
        client_private_key=_read("tls_client_key", temporal.tls_client_key),
        domain=temporal.tls_server_name,
    )


def connect_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of Client.connect (after the address) for these settings."""
    temporal = settings.temporal
    options: dict[str, Any] = {"namespace": temporal.namespace, "data_converter": data_converter(settings)}
    tls = tls_options(temporal)
    if tls:
        options["tls"] = tls
    if temporal.api_key:
        options["api_key"] = temporal.api_key.get_secret_value()
    return options


def refused(err: BaseException) -> bool:
    """Temporal answered, and said no to these credentials (an API key missing, wrong or revoked; a client
    certificate it does not accept; a namespace this client may not use): trying again will not help."""
    return any(status in str(err) for status in ("Unauthenticated", "PermissionDenied"))


def tls_to_a_plain_server(err: BaseException) -> bool:
    """This client spoke TLS (temporal.tls, temporal.api_key or a temporal.tls_* setting turns it on) and the server
    answered in plain text: a setting is wrong, and trying again will not help."""
    return "InvalidContentType" in str(err)


def wrong_settings(err: BaseException, settings: Settings) -> str | None:
    """Why connecting failed, when waiting cannot mend it (the settings must change); None otherwise."""
    if refused(err):
        return (
            f"Temporal at {settings.temporal.address} refused this client ({err}); check temporal.api_key "
            "(SENDCLOCK_TEMPORAL__API_KEY), the TLS client certificate and temporal.namespace"
        )
    if tls_to_a_plain_server(err):
        return (
            f"Temporal at {settings.temporal.address} does not speak TLS, and this client does (temporal.tls, "
            "temporal.api_key or a temporal.tls_* setting is set): check the address and those settings"
        )
    return None


async def connect(settings: Settings) -> Client:
    """A client with the pydantic converter (dates cross workflow boundaries only with it), encrypting payloads when
    keys are configured, over TLS when configured."""
    return await Client.connect(settings.temporal.address, **connect_options(settings))


class Temporal:
    """One connection, made when first needed, for many look-ups; a failure to connect is remembered."""

    def __init__(self, settings: Any, client: Client | None = None) -> None:
        self.settings, self._client = settings, client
        self._error: RuntimeError | None = None

    async def client(self) -> Client:
        if self._client is None:
            if self._error is not None:
                raise self._error
            try:
                self._client = await connect(self.settings)
            except RuntimeError as err:
                self._error = err
                raise
        return self._client
