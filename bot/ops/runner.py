"""Start the Rasa server, the action server and the web service together, in the foreground.

`python -m bot run` (what `make run` ends with). One Ctrl-C stops all three: each child gets
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

from bot.ops.secrets import ensure_dev_secrets
from bot.settings import PROJECT_ROOT, Settings, load_settings

GRACE_SECONDS = 10
VENV_BIN = Path(sys.executable).parent


def child_environment(settings: Settings) -> Dict[str, str]:
    """The environment every child gets: the secrets (so all three agree on them), values Rasa's
    YAML files refer to (endpoints.yml's ${ACTIONS_PORT}), the action server's bind address, and
    quieter TensorFlow logs."""
    env = dict(os.environ)
    env.update({
        "RASA_TOKEN": settings.require("rasa_token"),
        "SECRET_KEY": settings.require("secret_key"),
        "DATA_KEYS": ",".join(settings.require("data_keys")),
        "LOOKUP_KEY": settings.require("lookup_key"),
        "ACTIONS_PORT": str(settings.actions_port),
        "SANIC_HOST": "127.0.0.1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
    })
    return env


def rasa_command(*args: str) -> List[str]:
    return [str(VENV_BIN / "rasa"), *args]


def server_commands(settings: Settings, model: Optional[str] = None) -> Dict[str, List[str]]:
    rasa = rasa_command(
        "run", "--enable-api", "--auth-token", settings.rasa_token,
        "-i", "127.0.0.1", "-p", str(settings.rasa_port),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--model", model or "models",
    )
    actions = rasa_command("run", "actions", "--actions", "actions", "-p", str(settings.actions_port))
    web = [str(VENV_BIN / "python"), "-m", "uvicorn", "bot.web.app:create_app", "--factory",
           "--host", settings.web_host, "--port", str(settings.web_port), "--ws", "none"]
    return {"actions": actions, "rasa": rasa, "web": web}


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
        "rasa": f"{settings.rasa_url}/status?token={settings.rasa_token}",
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
        with open(log_dir / f"{name}.log", "w") as log:
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
        return subprocess.call(rasa_command("shell", "--endpoints", "endpoints.yml", "--model", "models"),
                               cwd=PROJECT_ROOT, env=env)
    finally:
        stop(actions)


def run() -> int:
    settings = service_settings()
    children = start(server_commands(settings), child_environment(settings))
    print(f"Starting: chat demo and staff dashboard on http://{settings.web_host}:{settings.web_port}/ "
          f"(staff at /staff); Rasa on 127.0.0.1:{settings.rasa_port}; actions on "
          f"127.0.0.1:{settings.actions_port}. Rasa takes about 30 s to load. Ctrl-C stops everything.",
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
