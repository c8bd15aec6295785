"""The scale-out test of issue #12 (`make cluster-test`, not part of `make test`): `python -m bot
run-cluster` on free ports (two Rasa replicas, two action servers, two gateway workers) over a
fresh PostgreSQL schema and Redis, with RASA_ROUTING=turn so that each conversation's turns move
from one replica to the other. PostgreSQL (TEST_POSTGRES_URL) and Redis (TEST_REDIS_URL) must run."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from bot.adapters.db import make_engine
from bot.adapters.migrate import upgrade
from bot.ops.cluster import REPLICAS, health_urls
from bot.ops.runner import GRACE_SECONDS, child_environment, wait_until_up
from bot.ops.training import MODEL_FILE
from bot.settings import PROJECT_ROOT, Settings, load_settings
from tests.fixtures import POSTGRES_URL, _postgres_schema_url
from tests.servers import free_port
from tests.support import TEST_KEY_ENV, fixed_cipher

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
STARTUP_TIMEOUT_SECONDS = 900


def free_port_pair() -> int:
    """A port whose next port is free too (run-cluster's replicas take PORT and PORT + 1)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


@dataclass
class Cluster:
    process: subprocess.Popen
    settings: Settings
    database_url: str
    log: Path

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Cluster:
    if not MODEL_FILE.exists():
        pytest.fail(f"{MODEL_FILE} is missing: run `make train` first")
    redis.Redis.from_url(REDIS_URL).ping()  # a clear failure when Redis is not running
    workdir = tmp_path_factory.mktemp("cluster")
    schema = f"cluster_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    database_url = _postgres_schema_url(schema)
    upgrade(database_url, cipher=fixed_cipher())
    overrides = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "LOCK_STORE_URL": "", "RATE_LIMIT_STORE": "",
                 "RASA_PORT": str(free_port_pair()), "ACTIONS_PORT": str(free_port_pair()),
                 "WEB_PORT": str(free_port()), "WEB_HOST": "127.0.0.1", "WEB_WORKERS": "2",
                 "RASA_URL": "", "RASA_URLS": "", "RASA_ROUTING": "turn", "SMTP_HOST": "",
                 "CHAT_SESSIONS_PER_IP": "0", "CHAT_BOOKINGS_PER_IP": "0", "CHAT_RATE_PER_IP": "0",
                 "CHAT_RATE_PER_SESSION": "0", "BOOKING_MAX_ACTIVE_PER_CONTACT": "0",
                 # fifty visitors at once on two cores shared with other test runs: a turn may wait minutes
                 "RASA_TIMEOUT_SECONDS": "600",
                 "RASA_TOKEN": secrets.token_hex(16), "SECRET_KEY": secrets.token_hex(16),
                 "ACTIONS_TOKEN": secrets.token_hex(16), **TEST_KEY_ENV}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in overrides.items():
            patch.setenv(key, value)
        settings = load_settings()
        env = child_environment(settings)
    log = workdir / "cluster.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run-cluster"], cwd=PROJECT_ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            wait_until_up(settings, {"run-cluster": process}, STARTUP_TIMEOUT_SECONDS,
                          urls=health_urls(settings, REPLICAS))
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{log.read_text()[-4000:]}") from None
        yield Cluster(process=process, settings=settings, database_url=database_url, log=log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=GRACE_SECONDS + 20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
