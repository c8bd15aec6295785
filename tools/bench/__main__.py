"""`make bench` (python -m tools.bench): train the peer if needed, start the peer and the assistant
side by side on free ports (throw-away SQLite databases), then at each N run the bench conversation
through the peer's REST channel, the assistant's REST channel and its gateway, back to back, so
each N's ratios come from the same minutes. 127.0.0.1 only; every loop is bounded."""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List

import httpx

from bot.adapters.migrate import upgrade
from bot.ops.runner import child_environment, server_commands, service_settings, start_logged, stop
from bot.ops.training import MODEL_FILE, TRAIN_SECONDS_FILE
from bot.settings import PROJECT_ROOT
from tests.servers import free_port
from tools.bench import peer, report
from tools.bench.script import Channel, GatewayChannel, RestChannel, converse

STARTUP_TIMEOUT_S = 900  # Rasa loads TensorFlow and the model: minutes on a busy machine
TURN_TIMEOUT_S = 120


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM), read before it is stopped."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def wait_healthy(urls: Dict[str, str], children: Dict[str, subprocess.Popen], log_dir: Path) -> Dict[str, float]:
    """Seconds from now until each URL answers 200; a child that exits first raises."""
    started, up = time.monotonic(), {}
    while len(up) < len(urls):
        for name, child in children.items():
            if child.poll() is not None:
                tail = (log_dir / f"{name}.log").read_text()[-3000:]
                raise RuntimeError(f"{name} exited with {child.returncode} during start-up\n{tail}")
        for name, url in urls.items():
            if name not in up:
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        up[name] = round(time.monotonic() - started, 1)
                except httpx.HTTPError:
                    pass
        if time.monotonic() - started > STARTUP_TIMEOUT_S:
            raise RuntimeError(f"not up after {STARTUP_TIMEOUT_S} s: {sorted(set(urls) - set(up))}")
        time.sleep(0.25)
    return up


async def run_level(make_channel: Callable[[httpx.AsyncClient], Channel], visitors: int,
                    conversations: int) -> Dict[str, object]:
    """`conversations` bench conversations, at most `visitors` at once; the level's summary."""
    limits = httpx.Limits(max_connections=visitors + 5, max_keepalive_connections=visitors + 5)
    async with httpx.AsyncClient(timeout=TURN_TIMEOUT_S, limits=limits) as client:
        gate = asyncio.Semaphore(visitors)

        async def one():
            async with gate:
                return await converse(make_channel(client))

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(conversations)))
        wall = time.perf_counter() - started
    latencies = [ms for result in results for ms in result.latencies_ms]
    errors = [error for result in results for error in result.errors]
    return report.summary(latencies, errors, wall)


def processes(children: Dict[str, subprocess.Popen], up: Dict[str, float], trained: Dict[str, object],
              train_seconds: float | None) -> Dict[str, Dict[str, object]]:
    """Each process's start-up time, peak RSS so far and, for the two Rasa servers, training time."""
    found = {}
    for name, child in children.items():
        entry: Dict[str, object] = {"startup_s": up.get(name), "peak_rss_mb": peak_rss_mb(child.pid)}
        if name == "peer-rasa":
            entry["training_s"] = round(float(trained["seconds"]), 1)
        if name == "rasa" and train_seconds is not None:
            entry["training_s"] = train_seconds
        found[name] = entry
    return found


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_gb = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return (f"{os.cpu_count()} CPUs ({cpu}), {memory_gb:.0f} GB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load average at start {os.getloadavg()[0]:.2f}")


def start_assistant(workdir: Path):
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(database_url)
    os.environ.update({"DATABASE_URL": database_url, "RASA_PORT": str(free_port()),
                       "ACTIONS_PORT": str(free_port()), "WEB_PORT": str(free_port()), "WEB_HOST": "127.0.0.1",
                       "RASA_URL": "", "SMTP_HOST": "", "CHAT_RATE_PER_SESSION": "100000",
                       "CHAT_RATE_PER_IP": "100000",
                       # every simulated visitor comes from 127.0.0.1 with the script's phone number
                       "CHAT_SESSIONS_PER_IP": "0", "CHAT_BOOKINGS_PER_IP": "0",
                       "BOOKING_MAX_ACTIVE_PER_CONTACT": "0"})
    settings = service_settings()
    children = start_logged(server_commands(settings, model=str(MODEL_FILE)), child_environment(settings), workdir)
    urls = {"rasa": f"{settings.rasa_url}/status?token={settings.rasa_token}",
            "actions": f"http://127.0.0.1:{settings.actions_port}/health",
            "web": f"http://127.0.0.1:{settings.web_port}/health"}
    return settings, children, urls


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--levels", default="1,10,50", help="concurrent visitors per level (default 1,10,50)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "bench" / "results"))
    parser.add_argument("--keep-logs", action="store_true", help="keep the services' logs (the folder is printed)")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    if not MODEL_FILE.exists():
        print("no trained model: run `make train` first", file=sys.stderr)
        return 2
    begun = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    result: Dict[str, object] = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                                 "machine": machine(), "levels": {}, "processes": {}}
    print("training the peer (skipped when bench/peer is unchanged) ...", flush=True)
    trained = peer.train(workdir)
    peer_rasa, peer_actions = free_port(), free_port()
    children = peer.start(peer_rasa, peer_actions, workdir)
    settings, assistant, urls = start_assistant(workdir)
    children.update(assistant)
    try:
        up = wait_healthy({**peer.health_urls(peer_rasa, peer_actions), **urls}, children, workdir)
        print(f"up: {up}", flush=True)
        web, rasa, peer_url = (f"http://127.0.0.1:{settings.web_port}", settings.rasa_url,
                               f"http://127.0.0.1:{peer_rasa}")
        channels = {report.PEER: lambda client: RestChannel(client, peer_url),
                    report.REST: lambda client: RestChannel(client, rasa, settings.rasa_token),
                    report.GATEWAY: lambda client: GatewayChannel(client, web)}
        for make in channels.values():  # warm-up: one conversation each, not timed
            asyncio.run(run_level(make, 1, 1))
        train_seconds = float(TRAIN_SECONDS_FILE.read_text()) if TRAIN_SECONDS_FILE.exists() else None
        for level in levels:
            at = result["levels"][str(level)] = {}
            for name, make in channels.items():
                at[name] = asyncio.run(run_level(make, level, max(level, 2)))
                print(f"N={level:<3} {name:20} {at[name]}", flush=True)
            result["processes"] = processes(children, up, trained, train_seconds)
            result["wall_s"] = time.monotonic() - begun
            report.write(result, Path(args.out))  # after each level: a cut-short run still reports
    finally:
        stop(children)
    result["wall_s"] = time.monotonic() - begun
    written = report.write(result, Path(args.out))
    print((Path(args.out) / "latest.md").read_text())
    print("wrote " + ", ".join(str(path) for path in written))
    if args.keep_logs:
        print(f"logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
