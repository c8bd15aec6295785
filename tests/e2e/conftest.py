"""End-to-end tests: the whole assistant, started for real: Rasa (the trained model in models/),
the action server and the web service, on free ports, with a fresh SQLite database; and the
browser tests (headless Chromium).

The session-scoped fixture `stack` starts it; start-up takes about 30-60 s (Rasa loads
TensorFlow), once per test session. The database fixtures (tests/fixtures.py) are re-exported for
the staff browser tests.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

import httpx
import pytest

from bot.adapters.migrate import upgrade
from bot.ops.runner import child_environment, server_commands, start_logged, stop, wait_until_up
from bot.ops.training import MODEL_FILE
from bot.settings import Settings, load_settings
from tests.fixtures import app, database_url, db, engine  # noqa: F401  (the database fixtures)
from tests.servers import free_port
from tests.support import TEST_DATA_KEYS, TEST_LOOKUP_KEY

STARTUP_TIMEOUT_SECONDS = 900  # Rasa loads TensorFlow: minutes on a busy shared machine


@dataclass(frozen=True)
class Stack:
    web_url: str
    rasa_url: str
    database_url: str
    settings: Settings
    log_dir: Path
    pids: Dict[str, int]

    def rest(self, sender: str, message: str) -> list:
        """Send one visitor message straight to Rasa's REST channel (tests only; visitors go
        through the gateway)."""
        response = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message}, timeout=60,
                              headers={"Authorization": f"Bearer {self.settings.rasa_token}"})
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        response = httpx.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                             params={"token": self.settings.rasa_token}, timeout=30)
        response.raise_for_status()
        return response.json()


@contextmanager
def running_stack(workdir: Path, extra_env: Dict[str, str]) -> Iterator[Stack]:
    """The whole assistant on free ports over a fresh SQLite database in `workdir`, with the
    test settings below plus `extra_env`."""
    if not MODEL_FILE.exists():
        pytest.fail(f"{MODEL_FILE} is missing: run `make train` first (make test does)")
    stack_database = f"sqlite:///{workdir / 'clinic.db'}"
    upgrade(stack_database)
    overrides = {
        "DATABASE_URL": stack_database,
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "WEB_HOST": "127.0.0.1",
        "RASA_URL": "",
        "SMTP_HOST": "",
        "RASA_TOKEN": secrets.token_hex(16),
        "SECRET_KEY": secrets.token_hex(16),
        "ACTIONS_TOKEN": secrets.token_hex(16),
        "DATA_KEYS": ",".join(TEST_DATA_KEYS),
        "LOOKUP_KEY": TEST_LOOKUP_KEY,
        **extra_env,
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
                    database_url=stack_database, settings=settings, log_dir=workdir,
                    pids={name: child.pid for name, child in children.items()})
    finally:
        stop(children)


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    # The e2e tier and the scenario suite are many visitors from one address, several booking
    # with the same test phone numbers: the abuse limits (tested in tests/integration:
    # test_gateway_abuse.py, test_booking_limits.py) are off for this shared stack. Live takeover
    # (bot.services.live) is off too: "talk to a person" files a callback whatever the time of day;
    # tests/e2e/test_live_takeover_browser.py starts a stack of its own with it on.
    with running_stack(tmp_path_factory.mktemp("stack"), {
            "CHAT_SESSIONS_PER_IP": "0", "CHAT_BOOKINGS_PER_IP": "0", "BOOKING_MAX_ACTIVE_PER_CONTACT": "0",
            "LIVE_CHAT": "false"}) as running:
        yield running
