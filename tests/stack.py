"""The whole assistant, started for real for end-to-end tests: Rasa (the trained model in
models/), the action server and the web service, on free ports, with a fresh SQLite database.

Use the session-scoped fixture `stack` (re-exported by tests/conftest.py). Start-up takes about
30-60 s (Rasa loads TensorFlow), once per test session.
"""
from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import httpx
import pytest

from bot.migrate import upgrade
from bot.runner import child_environment, server_commands, stop
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.training import MODEL_FILE

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(urls: Dict[str, str], children: Dict[str, subprocess.Popen], log_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    pending = dict(urls)
    while pending:
        for name, child in children.items():
            if child.poll() is not None:
                log = (log_dir / f"{name}.log").read_text()[-3000:]
                raise RuntimeError(f"{name} exited with {child.returncode} during start-up:\n{log}")
        for name, url in list(pending.items()):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"not up after {STARTUP_TIMEOUT_SECONDS} s: {sorted(pending)}")
        time.sleep(1)


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
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in overrides.items():
            patch.setenv(key, value)
        settings = load_settings()
        env = child_environment(settings)
    commands = server_commands(settings, model=str(MODEL_FILE))
    children = {}
    for name, command in commands.items():
        log = open(workdir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        children[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT)
    try:
        _wait_until_up({
            "rasa": f"{settings.rasa_url}/status?token={settings.rasa_token}",
            "actions": f"http://127.0.0.1:{settings.actions_port}/health",
            "web": f"http://127.0.0.1:{settings.web_port}/health",
        }, children, workdir)
        yield Stack(web_url=f"http://127.0.0.1:{settings.web_port}", rasa_url=settings.rasa_url,
                    database_url=database_url, settings=settings, log_dir=workdir)
    finally:
        stop(children)


__all__ = ["Stack", "free_port", "stack"]
