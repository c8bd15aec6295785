"""`make bench`: start the whole assistant on free ports with a throw-away SQLite database and
measure start-up time, reply latency (Rasa's REST channel and the visitor gateway) and memory.
Exits non-zero when a target is missed. Traffic goes to 127.0.0.1 only; loops are bounded."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

import httpx

from bot.adapters.migrate import upgrade
from bot.ops.runner import child_environment, server_commands, service_settings, start_logged, stop, wait_until_up
from bot.ops.training import MODEL_FILE
from tests.servers import free_port

MESSAGES = ["hi", "my armpits sweat through every shirt", "how long does it last", "does it hurt",
            "what are your hours", "is it safe", "how much does it cost", "where are you"]
ROUNDS = 5  # each round sends every message once: 40 timed requests per channel
TARGETS = {  # measured value must be at most this
    "startup_s": 120.0,
    "rest_p50_ms": 250.0,
    "rest_p95_ms": 600.0,
    "gateway_p50_ms": 300.0,
    "gateway_p95_ms": 700.0,
    "rasa_rss_mb": 1800.0,
    "actions_rss_mb": 400.0,
    "web_rss_mb": 300.0,
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(call: Callable[[], httpx.Response]) -> float:
    started = time.perf_counter()
    call().raise_for_status()
    return (time.perf_counter() - started) * 1000


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    if not MODEL_FILE.exists():
        print("no trained model: run `make train` first", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(database_url)
    os.environ.update({"DATABASE_URL": database_url, "RASA_PORT": str(free_port()),
                       "ACTIONS_PORT": str(free_port()), "WEB_PORT": str(free_port()), "RASA_URL": "",
                       "SMTP_HOST": "", "CHAT_RATE_PER_SESSION": "1000", "CHAT_RATE_PER_IP": "1000",
                       "CHAT_SESSIONS_PER_IP": "1000"})
    settings = service_settings()
    started = time.monotonic()
    children = start_logged(server_commands(settings, model=str(MODEL_FILE)),
                            child_environment(settings), workdir)
    try:
        results: Dict[str, float] = {"startup_s": wait_until_up(settings, children, 300, workdir)}
        with httpx.Client(timeout=30) as client:
            rest = [timed(lambda m=m, r=r: client.post(
                        f"{settings.rasa_url}/webhooks/rest/webhook",
                        json={"sender": f"bench-rest-{r}", "message": m},
                        headers={"Authorization": f"Bearer {settings.rasa_token}"}))
                    for r in range(ROUNDS) for m in MESSAGES]
            web = f"http://127.0.0.1:{settings.web_port}"
            gateway = []
            for _ in range(ROUNDS):
                token = client.post(f"{web}/api/session").json()["session"]
                headers = {"Authorization": f"Bearer {token}"}
                gateway += [timed(lambda m=m, h=headers: client.post(f"{web}/api/chat", json={"message": m},
                                                                     headers=h)) for m in MESSAGES]
        results.update({
            "rest_p50_ms": statistics.median(rest), "rest_p95_ms": percentile(rest, 0.95),
            "gateway_p50_ms": statistics.median(gateway), "gateway_p95_ms": percentile(gateway, 0.95),
            "rasa_rss_mb": rss_mb(children["rasa"].pid), "actions_rss_mb": rss_mb(children["actions"].pid),
            "web_rss_mb": rss_mb(children["web"].pid),
        })
    finally:
        stop(children)
    print(f"{'measure':16} {'value':>9} {'target':>9}")
    missed = []
    for name, target in TARGETS.items():
        value = results[name]
        ok = value <= target
        missed += [] if ok else [name]
        print(f"{name:16} {value:9.1f} {target:9.1f} {'ok' if ok else 'MISSED'}")
    print(f"({len(MESSAGES) * ROUNDS} requests per channel; total wall time {time.monotonic() - started:.0f} s)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
