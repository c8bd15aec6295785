"""Local servers for the tests: a free port, and an ASGI app served by uvicorn in a thread."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

import uvicorn


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
