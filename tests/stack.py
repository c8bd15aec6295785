"""The whole assistant, started for real for end-to-end tests: Rasa (the trained model in
models/), the action server and the web service, on free ports, with a fresh SQLite database.

Use the session-scoped fixture `stack` (re-exported by tests/conftest.py). Start-up takes about
30-60 s (Rasa loads TensorFlow), once per test session.
"""
from __future__ import annotations

import secrets
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import httpx
import pytest
import uvicorn

from bot.adapters.migrate import upgrade
from bot.ops.runner import child_environment, server_commands, start_logged, stop, wait_until_up
from bot.ops.training import MODEL_FILE
from bot.settings import Settings, load_settings

STARTUP_TIMEOUT_SECONDS = 180


@dataclass(frozen=True)
class Stack:
    web_url: str
    rasa_url: str
    database_url: str
    settings: Settings
    log_dir: Path

    def rest(self, sender: str, message: str) -> list:
        """Send one visitor message straight to Rasa's REST channel (tests only; visitors go
        through the gateway)."""
        response = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        response = httpx.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                             params={"token": self.settings.rasa_token}, timeout=30)
        response.raise_for_status()
        return response.json()


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


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    if not MODEL_FILE.exists():
        pytest.fail(f"{MODEL_FILE} is missing: run `make train` first (make test does)")
    workdir = tmp_path_factory.mktemp("stack")
    database_url = f"sqlite:///{workdir / 'clinic.db'}"
    upgrade(database_url)
    overrides = {
        "DATABASE_URL": database_url,
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "WEB_HOST": "127.0.0.1",
        "RASA_URL": "",
        "SMTP_HOST": "",
        "RASA_TOKEN": secrets.token_hex(16),
        "SECRET_KEY": secrets.token_hex(16),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in overrides.items():
            patch.setenv(key, value)
        settings = load_settings()
        env = child_environment(settings)
    children = start_logged(server_commands(settings, model=str(MODEL_FILE)), env, workdir)
    try:
        wait_until_up(settings, children, STARTUP_TIMEOUT_SECONDS, workdir)
        yield Stack(web_url=f"http://127.0.0.1:{settings.web_port}", rasa_url=settings.rasa_url,
                    database_url=database_url, settings=settings, log_dir=workdir)
    finally:
        stop(children)


__all__ = ["Stack", "free_port", "serve_in_thread", "stack"]
