"""Real peers on loopback for the notification tests: an SMTP server (aiosmtpd) that keeps what it receives, and an
HTTPS server with a self-signed certificate (trustme) standing in for a Power Automate "Workflows" webhook."""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme
from aiosmtpd.controller import Controller

from tests.helpers import free_port


@dataclass
class Mail:
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    raw: bytes


class Inbox:
    """An aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(Mail(list(envelope.rcpt_tos), message, envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.mails if address in m.rcpt_tos]


# What every notice e-mail carries (issue 19): no auto-replies (RFC 3834 Auto-Submitted; Exchange's own header).
AUTO_REPLY_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def strict_problems(raw: bytes) -> list[str]:
    """What Python's strict e-mail policy finds wrong with a message as it went over the wire (RFC 5322 / MIME):
    parse errors, defects on any part or header, and missing auto-reply headers. Empty: it is fine."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.strict)
        problems = []
        for part in message.walk():
            problems += [f"{part.get_content_type()}: {defect!r}" for defect in part.defects]
            for name, value in part.items():  # headers are parsed when read: strict raises on a defect
                problems += [f"{name}: {defect!r}" for defect in getattr(value, "defects", ())]
        problems += [
            f"{name}: {message.get(name)!r}, expected {value!r}"
            for name, value in AUTO_REPLY_HEADERS.items()
            if message.get(name) != value
        ]
        return problems
    except Exception as err:  # noqa: BLE001 (strict raises on the first defect)
        return [f"{type(err).__name__}: {err}"]


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Webhook:
    """What the Teams webhook received, and how it answers: `answers` is consumed one status a post, then 202."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def teams_server() -> Iterator[tuple[Webhook, int]]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with hook.lock:
                hook.posts.append(json.loads(body))
                hook.paths.append(self.path)
                status = hook.answers.pop(0) if hook.answers else 202
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield hook, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
