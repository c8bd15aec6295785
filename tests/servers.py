"""Local servers for the tests: a free port, an ASGI app served by uvicorn in a thread, and a real
SMTP server (aiosmtpd) whose inbox the tests read."""
from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from contextlib import contextmanager
from email import policy
from typing import Iterator, List, Optional

import uvicorn
from aiosmtpd.controller import Controller


@contextmanager
def serve_in_thread(app, port: Optional[int] = None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free local port; yields its base URL.
    ws="none": the websockets version Rasa pins is too old for uvicorn's websocket support."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What a local SMTP server received, parsed (email.policy.default)."""

    def __init__(self):
        self.messages: List[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 10.0):
        """Mail goes out in the background (the visitor's reply never waits for SMTP)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} e-mails arrived"
            await asyncio.sleep(0.05)
        return self.messages

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_inbox(port: Optional[int] = None) -> Iterator[Inbox]:
    """A real SMTP server on localhost (`port`, or a free one: inbox.port) for as long as the block runs."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()
