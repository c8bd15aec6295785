"""`python -m tools.bench.profile`: the assistant's three services, each under cProfile (py-spy is
not installed), driven by the bench conversation at N visitors through the gateway; prints each
service's top functions by cumulative and by own time and keeps the .prof files (snakeviz/pstats).

cProfile writes its file when the profiled program returns: the services are stopped with SIGINT,
which Rasa, rasa-sdk (Sanic) and uvicorn all answer by shutting down cleanly."""
from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from bot.adapters.migrate import upgrade
from bot.ops.runner import VENV_BIN, child_environment, server_commands, service_settings
from bot.ops.training import MODEL_FILE
from bot.settings import PROJECT_ROOT
from tests.servers import free_port
from tools.bench import __main__ as bench
from tools.bench.script import GatewayChannel


def profiled(command: List[str], output: Path) -> List[str]:
    """`command` (a venv script such as rasa, or `python -m module ...`) under cProfile."""
    python = str(VENV_BIN / "python")
    if command[0] == python and command[1] == "-m":
        return [python, "-m", "cProfile", "-o", str(output), "-m", *command[2:]]
    return [python, "-m", "cProfile", "-o", str(output), *command]


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.profile", description=__doc__)
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--out", help="folder for the profiles and logs (default: a new temporary one)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{out / 'profile.db'}"
    upgrade(database_url)
    os.environ.update({"DATABASE_URL": database_url, "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
                       "WEB_PORT": str(free_port()), "WEB_HOST": "127.0.0.1", "RASA_URL": "", "SMTP_HOST": "",
                       "CHAT_RATE_PER_SESSION": "100000", "CHAT_RATE_PER_IP": "100000"})
    settings = service_settings()
    commands = {name: profiled(command, out / f"{name}.prof")
                for name, command in server_commands(settings, model=str(MODEL_FILE)).items()}
    env = child_environment(settings)
    children: Dict[str, subprocess.Popen] = {}
    for name, command in commands.items():
        with open(out / f"{name}.log", "w") as log:
            children[name] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                              cwd=PROJECT_ROOT)
    try:
        urls = {"rasa": f"{settings.rasa_url}/status?token={settings.rasa_token}",
                "actions": f"http://127.0.0.1:{settings.actions_port}/health",
                "web": f"http://127.0.0.1:{settings.web_port}/health"}
        print("up:", bench.wait_healthy(urls, children, out), flush=True)
        web = f"http://127.0.0.1:{settings.web_port}"
        summary = asyncio.run(bench.run_level(lambda client: GatewayChannel(client, web), args.visitors,
                                              args.conversations))
        print(summary, flush=True)
    finally:
        for child in children.values():
            child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 60
        for child in children.values():
            try:
                child.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    for name in commands:
        path = out / f"{name}.prof"
        if not path.exists():
            print(f"{name}: no profile written (see {out / (name + '.log')})")
            continue
        for order in ("cumulative", "tottime"):
            print(f"\n===== {name} by {order} =====")
            pstats.Stats(str(path)).sort_stats(order).print_stats(args.top)
    print(f"profiles in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
