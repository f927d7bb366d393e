"""A stand-in for Temporal Cloud's front door, in front of a real dev server: TLS (a certificate from a test CA),
and every gRPC request must carry `authorization: Bearer <API key>`, as Temporal Cloud's API-key authentication asks.

A connection whose first request carries the key is passed through, bytes unchanged, to the plain dev server; each
later request on it is checked as it goes by (one without the key ends the connection). A connection whose first
request lacks the key is answered here, as the Cloud answers it: gRPC status 16 (UNAUTHENTICATED), "Request
unauthorized". The headers are read with h2 (the HTTP/2 state machine of the Python HTTP/2 project), fed a copy of
what the client sends. The front runs on its own thread and event loop: the tests block in subprocess.run while the
worker and the CLI, separate processes, talk through it.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import trustme

SERVER_NAME = "school.a1b2c.tmprl.example.org"  # the name in the front's certificate (settings: tls_server_name)
UNAUTHORIZED = "Request unauthorized"


@dataclass
class Seen:
    """One request as it reached the front: its method path, and whether it carried the key."""

    path: str
    authorized: bool
    stream_id: int


@dataclass
class CloudFront:
    upstream: str  # the plain dev server, host:port
    api_key: str
    ca: trustme.CA = field(default_factory=trustme.CA)
    seen: list[Seen] = field(default_factory=list)
    address: str = ""

    def start(self) -> CloudFront:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=self._context())
            )
            self.address = f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="cloud-front", daemon=True)
        self._thread.start()
        assert ready.wait(10), "the front did not start"
        return self

    def stop(self) -> None:
        """Close the listener and every connection, and end the thread."""

        async def shut() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def _context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert(SERVER_NAME).configure_cert(context)
        context.set_alpn_protocols(["h2"])
        return context

    # --- one client connection --------------------------------------------------------------------------------

    def _read(self, connection: h2.connection.H2Connection, data: bytes, *, passive: bool = False) -> list[Seen]:
        """The requests that begin in `data`. A `passive` connection only reads a copy of what goes by (the dev
        server answers): what it would send is dropped, and each request's stream is forgotten once it is read."""
        requests = []
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                headers = dict(event.headers)
                requests.append(
                    Seen(
                        headers.get(":path", ""),
                        headers.get("authorization") == f"Bearer {self.api_key}",
                        event.stream_id,
                    )
                )
            elif isinstance(event, h2.events.DataReceived):  # keep the flow-control windows open
                connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded) and passive:
                connection.reset_stream(event.stream_id)
        if passive:
            connection.data_to_send()
        return requests

    async def _connection(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        reader = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        reader.initiate_connection()
        try:
            first, requests = b"", []
            while not requests:  # up to the first request: pass the connection through, or answer it here
                data = await client_reader.read(65536)
                if not data:
                    return
                first += data
                requests = self._read(reader, data, passive=True)
            self.seen += requests
            if not requests[0].authorized:
                await self._refuse(first, client_reader, client_writer)
                return
            if not all(request.authorized for request in requests):
                return
            host, port = self.upstream.rsplit(":", 1)
            upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
            upstream_writer.write(first)
            try:
                await asyncio.gather(
                    self._to_server(reader, client_reader, upstream_writer), _pipe(upstream_reader, client_writer)
                )
            finally:
                upstream_writer.close()
        except (ConnectionError, ssl.SSLError, h2.exceptions.ProtocolError):
            pass
        finally:
            client_writer.close()

    async def _to_server(
        self,
        reader: h2.connection.H2Connection,
        client_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> None:
        try:
            while data := await client_reader.read(65536):
                requests = self._read(reader, data, passive=True)
                self.seen += requests
                if not all(request.authorized for request in requests):
                    return  # nothing more goes through
                upstream_writer.write(data)
                await upstream_writer.drain()
        finally:
            upstream_writer.close()  # the server's side ends too, and with it _pipe

    async def _refuse(
        self, first: bytes, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        """Answer every request on this connection as the Cloud answers a missing or wrong key, until the client
        hangs up: a trailers-only gRPC response with status 16 (UNAUTHENTICATED). `first` is what the client sent so
        far (its requests are already in `seen`)."""
        answer = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        answer.initiate_connection()
        streams = [request.stream_id for request in self._read(answer, first)]
        while True:
            for stream_id in streams:
                answer.send_headers(
                    stream_id,
                    [
                        (":status", "200"),
                        ("content-type", "application/grpc"),
                        ("grpc-status", "16"),
                        ("grpc-message", UNAUTHORIZED),
                    ],
                    end_stream=True,
                )
            client_writer.write(answer.data_to_send())
            await client_writer.drain()
            data = await client_reader.read(65536)
            if not data:
                return  # the caller closes the connection
            requests = self._read(answer, data)
            self.seen += requests
            streams = [request.stream_id for request in requests]


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    finally:
        sink.close()


def cloud_env(stack_env: dict[str, str], front: CloudFront, tmp_path: Path, api_key: str | None) -> dict[str, str]:
    """SENDCLOCK_* for a process that reaches Temporal through `front`, as through Temporal Cloud."""
    front.ca.cert_pem.write_to_path(str(tmp_path / "cloud-ca.pem"))
    env = dict(
        stack_env,
        SENDCLOCK_TEMPORAL__ADDRESS=front.address,
        SENDCLOCK_TEMPORAL__TLS_SERVER_ROOT_CA=str(tmp_path / "cloud-ca.pem"),
        SENDCLOCK_TEMPORAL__TLS_SERVER_NAME=SERVER_NAME,
    )
    if api_key is not None:
        env["SENDCLOCK_TEMPORAL__API_KEY"] = api_key
    return env
