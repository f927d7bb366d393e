"""starter.client.connect over real TLS and mTLS: a TLS-terminating proxy (its certificate from a test CA made with
trustme) in front of a real dev server, as a Temporal cluster's front end or Temporal Cloud would be. The settings
temporal.tls_server_root_ca, tls_server_name and tls_client_cert/key are what a school's deployment sets."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme
from temporalio.testing import WorkflowEnvironment

from config.settings import Settings
from starter.binaries import temporal_cli
from starter.client import connect


@pytest.fixture(scope="module")
async def plain_server() -> AsyncIterator[str]:
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=str(temporal_cli()), ui=False)
    async with env:
        yield env.client.service_client.config.target_host


async def tls_proxy(target: str, context: ssl.SSLContext) -> asyncio.Server:
    """Terminate TLS, pass the bytes (HTTP/2, gRPC) on to the plain server."""
    host, port = target.rsplit(":", 1)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    return await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)


def server_context(ca: trustme.CA, *, client_certificates: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("temporal.school.example.org").configure_cert(context)
    context.set_alpn_protocols(["h2"])
    if client_certificates:
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    return context


def tls_settings(tmp_path: Path, address: str, ca: trustme.CA, *, client_cert: bool) -> Settings:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    temporal = {
        "address": address,
        "tls_server_root_ca": tmp_path / "ca.pem",
        "tls_server_name": "temporal.school.example.org",
    }
    if client_cert:
        issued = ca.issue_cert("sendclock-worker")
        issued.cert_chain_pems[0].write_to_path(str(tmp_path / "client.pem"))
        issued.private_key_pem.write_to_path(str(tmp_path / "client.key"))
        temporal |= {"tls_client_cert": tmp_path / "client.pem", "tls_client_key": tmp_path / "client.key"}
    return Settings(var_dir=tmp_path, temporal=temporal)


async def reachable(settings: Settings) -> bool:
    client = await asyncio.wait_for(connect(settings), timeout=15)
    return await client.count_workflows() is not None


async def test_tls_with_the_schools_ca(plain_server: str, tmp_path: Path) -> None:
    ca = trustme.CA()
    proxy = await tls_proxy(plain_server, server_context(ca, client_certificates=False))
    address = f"127.0.0.1:{proxy.sockets[0].getsockname()[1]}"
    try:
        assert await reachable(tls_settings(tmp_path, address, ca, client_cert=False))
        (tmp_path / "other").mkdir()
        with pytest.raises(RuntimeError, match="Failed client connect"):
            # a CA the client does not trust (UnknownIssuer): refused, never silently plain
            await reachable(tls_settings(tmp_path / "other", address, trustme.CA(), client_cert=False))
    finally:
        proxy.close()


async def test_mtls_needs_the_client_certificate(plain_server: str, tmp_path: Path) -> None:
    ca = trustme.CA()
    proxy = await tls_proxy(plain_server, server_context(ca, client_certificates=True))
    address = f"127.0.0.1:{proxy.sockets[0].getsockname()[1]}"
    try:
        assert await reachable(tls_settings(tmp_path, address, ca, client_cert=True))
        with pytest.raises(RuntimeError, match="Failed client connect"):
            # no client certificate: the server refuses the handshake
            await reachable(tls_settings(tmp_path, address, ca, client_cert=False))
    finally:
        proxy.close()
