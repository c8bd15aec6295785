"""Start the Rasa server, the action server, the web service and the mail sender together, in the
foreground.

`python -m bot run` (what `make run` ends with). One Ctrl-C stops them all: each child gets
SIGINT/SIGTERM, and any still alive after a grace period is killed. If one child dies, the
others are stopped too, so a half-running assistant never stays up.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from bot.adapters.private_files import open_private
from bot.ops.secrets import ensure_dev_secrets
from bot.settings import PROJECT_ROOT, Settings, load_settings

GRACE_SECONDS = 10
VENV_BIN = Path(sys.executable).parent


def child_environment(settings: Settings) -> Dict[str, str]:
    """The environment every child gets: the secrets (so all three agree on them; never on a
    command line, which `ps` shows to every user), values Rasa's YAML files refer to
    (endpoints.yml's ${ACTIONS_PORT} and ${ACTIONS_TOKEN}), the action server's bind address,
    Rasa's telemetry off, and quieter TensorFlow logs."""
    env = dict(os.environ)
    env.update({
        "RASA_TOKEN": settings.require("rasa_token"),
        "SECRET_KEY": settings.require("secret_key"),
        "ACTIONS_TOKEN": settings.require("actions_token"),
        "DATA_KEYS": ",".join(settings.require("data_keys")),
        "LOOKUP_KEY": settings.require("lookup_key"),
        "ACTIONS_PORT": str(settings.actions_port),
        "SANIC_HOST": "127.0.0.1",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
    })
    return env


def rasa_command(*args: str) -> List[str]:
    """The rasa CLI through rasa_plugins.rasa_server, which adds RASA_TOKEN from the environment."""
    return [str(VENV_BIN / "python"), "-m", "rasa_plugins.rasa_server", *args]


def server_commands(settings: Settings, model: Optional[str] = None) -> Dict[str, List[str]]:
    """The three services' command lines: every one binds to 127.0.0.1 except the web service
    (WEB_HOST), and none carries a secret."""
    rasa = rasa_command(
        "run", "--enable-api",
        "-i", "127.0.0.1", "-p", str(settings.rasa_port),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--model", model or "models",
    )
    actions = [str(VENV_BIN / "python"), "-m", "rasa_plugins.action_server",
               "--actions", "actions", "-p", str(settings.actions_port)]
    web = [str(VENV_BIN / "python"), "-m", "uvicorn", "bot.web.app:create_app", "--factory",
           "--host", settings.web_host, "--port", str(settings.web_port), "--ws", "none"]
    return {"actions": actions, "rasa": rasa, "web": web}


def shell_command(settings: Settings) -> List[str]:
    """`rasa shell`, on 127.0.0.1 like the services (Rasa's default is every interface)."""
    return rasa_command("shell", "-i", "127.0.0.1", "-p", str(settings.rasa_port),
                        "--endpoints", "endpoints.yml", "--model", "models")


def start(commands: Dict[str, List[str]], env: Dict[str, str]) -> Dict[str, subprocess.Popen]:
    return {name: subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env) for name, cmd in commands.items()}


def stop(children: Dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def health_urls(settings: Settings) -> Dict[str, str]:
    return {
        "rasa": f"{settings.rasa_url}/status?token={settings.rasa_token}",  # Rasa's API takes no header
        "actions": f"http://127.0.0.1:{settings.actions_port}/health",
        "web": f"http://127.0.0.1:{settings.web_port}/health",
    }


def wait_until_up(settings: Settings, children: Dict[str, subprocess.Popen], timeout: float,
                  log_dir: Optional[Path] = None) -> float:
    """Poll each service's health URL until all answer 200; seconds taken. A child that exits
    first, or a timeout, raises RuntimeError (with the end of its log when there is one)."""
    import httpx

    started = time.monotonic()
    pending = health_urls(settings)
    while pending:
        for name, child in children.items():
            if child.poll() is not None:
                log = (log_dir / f"{name}.log").read_text()[-3000:] if log_dir else ""
                raise RuntimeError(f"{name} exited with {child.returncode} during start-up\n{log}")
        for name, url in list(pending.items()):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"not up after {timeout:.0f} s: {sorted(pending)}")
        time.sleep(0.5)
    return time.monotonic() - started


def start_logged(commands: Dict[str, List[str]], env: Dict[str, str], log_dir: Path) -> Dict[str, subprocess.Popen]:
    """Start the services with each one's output in log_dir/<name>.log (tests and benchmark)."""
    children = {}
    for name, command in commands.items():
        with open_private(log_dir / f"{name}.log", "w") as log:
            children[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                              stderr=subprocess.STDOUT)
    return children


def service_settings() -> Settings:
    """The settings services start with: from the environment, development secrets filled in."""
    return ensure_dev_secrets(load_settings())


def shell() -> int:
    """Chat in the terminal: the action server in the background, `rasa shell` in front."""
    settings = service_settings()
    env = child_environment(settings)
    actions = start({"actions": server_commands(settings)["actions"]}, env)
    try:
        return subprocess.call(shell_command(settings), cwd=PROJECT_ROOT, env=env)
    finally:
        stop(actions)


def outbox_command() -> List[str]:
    """The mail sender: sends the outbox and queues reminders every OUTBOX_POLL_SECONDS."""
    return [str(VENV_BIN / "python"), "-m", "bot", "outbox", "run"]


def run() -> int:
    settings = service_settings()
    children = start({**server_commands(settings), "outbox": outbox_command()}, child_environment(settings))
    print(f"Starting: chat demo and staff dashboard on http://{settings.web_host}:{settings.web_port}/ "
          f"(staff at /staff); Rasa on 127.0.0.1:{settings.rasa_port}; actions on "
          f"127.0.0.1:{settings.actions_port}; the mail sender (outbox). Rasa takes about 30 s to load. "
          "Ctrl-C stops everything.",
          flush=True)
    interrupted = False

    def on_signal(signum, _frame):
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    exit_code = 0
    try:
        while not interrupted:
            dead = {name: c.returncode for name, c in children.items() if c.poll() is not None}
            if dead:
                print(f"stopped unexpectedly: {dead}; stopping the rest", file=sys.stderr)
                exit_code = 1
                break
            time.sleep(0.5)
    finally:
        stop(children)
    print("all services stopped")
    return exit_code


def run_rasa(args: List[str]) -> int:
    """Run a rasa CLI command with the project's environment (used by the Makefile)."""
    settings = service_settings()
    return subprocess.call(rasa_command(*args), cwd=PROJECT_ROOT, env=child_environment(settings))
