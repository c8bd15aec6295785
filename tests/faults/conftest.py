"""The slow faults of issue #12 (`make faults`, not part of `make test`): the assistant started the
way `make run` starts it (`python -m bot run`, its Supervisor restarting what dies), on free ports
with a fresh SQLite database; the tests kill one of its services in the middle of a conversation.

The database faults (PostgreSQL unreachable while saving, twenty conversations racing for one
time) are quick and live in tests/integration/test_database_faults.py."""
from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pytest

from bot.adapters.migrate import upgrade
from bot.ops.runner import GRACE_SECONDS, child_environment, wait_until_up
from bot.ops.training import MODEL_FILE
from bot.settings import PROJECT_ROOT, Settings, load_settings
from tests.servers import free_port
from tests.support import TEST_KEY_ENV

STARTUP_TIMEOUT_SECONDS = 900
SERVICE_MARKS = {"actions": "rasa_plugins.action_server", "rasa": "--enable-api", "web": "uvicorn"}


def service_pids(run_pid: int) -> Dict[str, int]:
    """The running services of `python -m bot run` (its children), by name."""
    found = {}
    children = Path(f"/proc/{run_pid}/task/{run_pid}/children").read_text().split()
    for pid in map(int, children):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except FileNotFoundError:
            continue
        for name, mark in SERVICE_MARKS.items():
            if mark in command:
                found[name] = pid
    return found


@dataclass
class Supervised:
    """`python -m bot run` and a visitor's way in: the gateway, as the widget uses it."""
    process: subprocess.Popen
    settings: Settings
    database_url: str
    log: Path

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def session(self) -> Dict[str, str]:
        token = httpx.post(f"{self.web_url}/api/session", timeout=30).json()["session"]
        return {"Authorization": f"Bearer {token}"}

    def chat(self, headers: Dict[str, str], message: str) -> httpx.Response:
        return httpx.post(f"{self.web_url}/api/chat", json={"message": message}, headers=headers, timeout=120)

    def say(self, headers: Dict[str, str], message: str) -> List[Dict[str, Any]]:
        response = self.chat(headers, message)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def services(self) -> Dict[str, int]:
        return service_pids(self.process.pid)

    def healthy(self, name: str) -> bool:
        url = {"actions": f"http://127.0.0.1:{self.settings.actions_port}/health",
               "rasa": f"{self.settings.rasa_url}/status?token={self.settings.rasa_token}",
               "web": f"{self.web_url}/health"}[name]
        try:
            return httpx.get(url, timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_restarted(self, name: str, old_pid: int, timeout: float) -> float:
        """Seconds until `name` runs again under a new pid and answers its health check."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            assert self.process.poll() is None, f"make run stopped:\n{self.log.read_text()[-3000:]}"
            pid = self.services().get(name)
            if pid and pid != old_pid and self.healthy(name):
                return time.monotonic() - began
            time.sleep(0.5)
        raise AssertionError(f"{name} was not restarted within {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def supervised(tmp_path_factory) -> Supervised:
    if not MODEL_FILE.exists():
        pytest.fail(f"{MODEL_FILE} is missing: run `make train` first")
    workdir = tmp_path_factory.mktemp("supervised")
    database_url = f"sqlite:///{workdir / 'clinic.db'}"
    upgrade(database_url)
    overrides = {"DATABASE_URL": database_url, "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
                 "WEB_PORT": str(free_port()), "WEB_HOST": "127.0.0.1", "RASA_URL": "", "SMTP_HOST": "",
                 "RASA_TOKEN": secrets.token_hex(16), "SECRET_KEY": secrets.token_hex(16),
                 "ACTIONS_TOKEN": secrets.token_hex(16), **TEST_KEY_ENV}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in overrides.items():
            patch.setenv(key, value)
        settings = load_settings()
        env = child_environment(settings)
    log = workdir / "run.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=PROJECT_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_up(settings, {"run": process}, STARTUP_TIMEOUT_SECONDS, workdir)
        yield Supervised(process=process, settings=settings, database_url=database_url, log=log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=GRACE_SECONDS + 20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
