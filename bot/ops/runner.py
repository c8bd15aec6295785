"""Start the Rasa server, the action server, the web service and the mail sender together, in the
foreground.

`python -m bot run` (what `make run` ends with). One Ctrl-C stops them all: each child gets
SIGINT/SIGTERM, and any still alive after a grace period is killed. A child that dies is started
again after a pause that doubles with each quick failure (Supervisor), while the others keep
serving: visitors lose at most the turn in flight. A child that keeps failing right after its
start (a broken model, a port in use) stops everything, so a broken set-up does not loop forever.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.adapters.private_files import open_private
from bot.ops.secrets import ensure_dev_secrets
from bot.settings import MEMORY_STORE, PROJECT_ROOT, Settings, load_settings

GRACE_SECONDS = 10
RESTART_PAUSES = (1.0, 2.0, 4.0, 8.0, 16.0)  # seconds before the 1st, 2nd, ... restart in a row
STABLE_SECONDS = 60.0  # a child up this long starts its next failure from the first pause again
VENV_BIN = Path(sys.executable).parent


def child_environment(settings: Settings) -> Dict[str, str]:
    """The environment every child gets: the secrets (so all three agree on them; never on a
    command line, which `ps` shows to every user), values Rasa's YAML files refer to
    (endpoints.yml's ${ACTIONS_URL} and ${ACTIONS_TOKEN}), the action server's bind address,
    Rasa's telemetry off, and quieter TensorFlow logs."""
    env = dict(os.environ)
    env.update({
        "RASA_TOKEN": settings.require("rasa_token"),
        "SECRET_KEY": settings.require("secret_key"),
        "ACTIONS_TOKEN": settings.require("actions_token"),
        "DATA_KEYS": ",".join(settings.require("data_keys")),
        "LOOKUP_KEY": settings.require("lookup_key"),
        "ACTIONS_PORT": str(settings.actions_port),
        "ACTIONS_URL": settings.action_endpoint,
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


def rasa_server_command(port: int, model: Optional[str] = None) -> List[str]:
    return rasa_command(
        "run", "--enable-api",
        "-i", "127.0.0.1", "-p", str(port),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--model", model or "models",
    )


def actions_command(port: int) -> List[str]:
    return [str(VENV_BIN / "python"), "-m", "rasa_plugins.action_server", "--actions", "actions", "-p", str(port)]


def web_command(settings: Settings, workers: int = 1) -> List[str]:
    """The web service; several uvicorn workers share their limits and offers through Redis only."""
    if workers > 1 and settings.rate_limit_store == MEMORY_STORE:
        raise ValueError(f"WEB_WORKERS={workers} needs RATE_LIMIT_STORE (or REDIS_URL) set to a Redis URL: "
                         "in memory each worker would keep its own rate limits and offered buttons")
    return [str(VENV_BIN / "python"), "-m", "uvicorn", "bot.web.app:create_app", "--factory",
            "--host", settings.web_host, "--port", str(settings.web_port), "--ws", "none",
            *(["--workers", str(workers)] if workers > 1 else [])]


def server_commands(settings: Settings, model: Optional[str] = None) -> Dict[str, List[str]]:
    """The three services' command lines: every one binds to 127.0.0.1 except the web service
    (WEB_HOST), and none carries a secret."""
    return {"actions": actions_command(settings.actions_port),
            "rasa": rasa_server_command(settings.rasa_port, model),
            "web": web_command(settings, settings.web_workers or 1)}


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
                  log_dir: Optional[Path] = None, urls: Optional[Dict[str, str]] = None) -> float:
    """Poll each service's health URL (`urls`, default those of `python -m bot run`) until all answer
    200; seconds taken. A child that exits first, or a timeout, raises RuntimeError (with the end of
    its log when there is one)."""
    import httpx

    started = time.monotonic()
    pending = dict(urls or health_urls(settings))
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


class Supervisor:
    """Restarts the children that exit, each after a pause (RESTART_PAUSES) that grows while it
    keeps failing within STABLE_SECONDS of its start; gives up when a child has failed that often
    in a row. `check()` is called in a loop; it never blocks."""

    def __init__(self, commands: Dict[str, List[str]], children: Dict[str, subprocess.Popen],
                 launch: Callable[[str, List[str]], subprocess.Popen], clock: Callable[[], float] = time.monotonic):
        self.commands = commands
        self.children = children
        self.launch = launch
        self.clock = clock
        self.started = {name: clock() for name in children}
        self.failures = {name: 0 for name in children}
        self.due: Dict[str, float] = {}  # name -> when to start it again
        self.restarts = 0

    def check(self) -> Optional[str]:
        """Restart what is due; the reason to give up, or None."""
        now = self.clock()
        for name, child in self.children.items():
            if name in self.due or child.poll() is None:
                continue
            if now - self.started[name] >= STABLE_SECONDS:
                self.failures[name] = 0
            if self.failures[name] >= len(RESTART_PAUSES):
                return f"{name} exited {len(RESTART_PAUSES) + 1} times in a row (last code {child.returncode})"
            pause = RESTART_PAUSES[self.failures[name]]
            self.failures[name] += 1
            self.due[name] = now + pause
            print(f"{name} stopped unexpectedly (code {child.returncode}); restarting it in {pause:.0f} s",
                  file=sys.stderr, flush=True)
        for name, when in list(self.due.items()):
            if now >= when:
                del self.due[name]
                self.children[name] = self.launch(name, self.commands[name])
                self.started[name] = now
                self.restarts += 1
        return None


def run() -> int:
    settings = service_settings()
    commands, env = {**server_commands(settings), "outbox": outbox_command()}, child_environment(settings)
    return supervise(commands, {name: env for name in commands},
                     f"Starting: chat demo and staff dashboard on http://{settings.web_host}:{settings.web_port}/ "
                     f"(staff at /staff); Rasa on 127.0.0.1:{settings.rasa_port}; actions on "
                     f"127.0.0.1:{settings.actions_port}; the mail sender (outbox). Rasa takes about 30 s to load. "
                     "Ctrl-C stops everything.")


def supervise(commands: Dict[str, List[str]], envs: Dict[str, Dict[str, str]], banner: str) -> int:
    """Start every command (each with its environment) and keep them running until SIGINT/SIGTERM."""
    children = {name: subprocess.Popen(command, cwd=PROJECT_ROOT, env=envs[name]) for name, command in commands.items()}
    print(banner, flush=True)
    interrupted = False

    def on_signal(signum, _frame):
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    supervisor = Supervisor(commands, children,
                            lambda name, command: subprocess.Popen(command, cwd=PROJECT_ROOT, env=envs[name]))
    exit_code = 0
    try:
        while not interrupted:
            gave_up = supervisor.check()
            if gave_up:
                print(f"{gave_up}; stopping the rest", file=sys.stderr)
                exit_code = 1
                break
            time.sleep(0.5)
    finally:
        stop(supervisor.children)
    print("all services stopped")
    return exit_code


def run_rasa(args: List[str]) -> int:
    """Run a rasa CLI command with the project's environment (used by the Makefile)."""
    settings = service_settings()
    return subprocess.call(rasa_command(*args), cwd=PROJECT_ROOT, env=child_environment(settings))
