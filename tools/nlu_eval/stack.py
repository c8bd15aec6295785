"""The assistant as visitors meet it: the trained model in Rasa, the action server and the web
service started for real (bot.ops.runner, as tests/e2e and tools/bench do) on free ports with a
throw-away SQLite database. Each message is the first turn of a conversation of its own, sent to
the REST channel a few at a time; the tracker then says which concern and red flag the assistant
settled on (its `concern` and `safety_flag` slots). The Rasa server's memory is sampled meanwhile.
"""
from __future__ import annotations

import asyncio
import os
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import httpx
from cryptography.fernet import Fernet

from bot.adapters.migrate import upgrade
from bot.domain.concerns import read_concern
from bot.ops.runner import child_environment, server_commands, start_logged, stop, wait_until_up
from bot.ops.training import MODEL_FILE
from bot.settings import Settings, load_settings
from tests.servers import free_port
from tools.nlu_eval.messages import VisitorMessage
from tools.nlu_eval.metrics import ADVERSE_EFFECT, EMERGENCY

STARTUP_TIMEOUT_SECONDS = 900  # Rasa loads for minutes on a busy machine
REQUEST_TIMEOUT_SECONDS = 120
SAMPLE_EVERY_SECONDS = 0.5
RED_FLAG_INTENTS = {"report_emergency": EMERGENCY, "report_adverse_effect": ADVERSE_EFFECT}  # domain.yml


@dataclass
class Turn:
    """What one first turn left in the tracker."""

    id: str
    concern: Optional[str] = None
    safety_flag: Optional[str] = None
    concerns: Optional[List[str]] = None
    intent: Optional[str] = None
    confidence: Optional[float] = None
    nlu_concern: Optional[str] = None  # the NLU parse alone, read as the actions read it
    nlu_flag: Optional[str] = None
    seconds: Optional[float] = None
    error: Optional[str] = None


@dataclass
class StackRun:
    turns: List[Turn]
    startup_seconds: float
    send_seconds: float
    memory: Dict[str, Dict[str, Optional[int]]] = field(default_factory=dict)  # service -> bytes
    log_dir: Optional[str] = None


def _status_bytes(pid: int, field_name: str) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class MemorySampler:
    """Samples each service's VmRSS in a thread; `finish()` adds the kernel's peak (VmHWM)."""

    def __init__(self, pids: Dict[str, int]):
        self.pids = pids
        self.peak_sampled: Dict[str, int] = {name: 0 for name in pids}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            for name, pid in self.pids.items():
                rss = _status_bytes(pid, "VmRSS") or 0
                self.peak_sampled[name] = max(self.peak_sampled[name], rss)
            self._done.wait(SAMPLE_EVERY_SECONDS)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def finish(self) -> Dict[str, Dict[str, Optional[int]]]:
        self._done.set()
        self._thread.join()
        return {name: {"vm_hwm": _status_bytes(pid, "VmHWM"), "vm_rss_peak_sampled": self.peak_sampled[name]}
                for name, pid in self.pids.items()}


@contextmanager
def running_stack(workdir: Path) -> Iterator[Tuple[Settings, Dict, float]]:
    """The three services on free ports (logs in workdir); yields settings, children, start-up s."""
    database_url = f"sqlite:///{workdir / 'clinic.db'}"
    upgrade(database_url)
    overrides = {
        "DATABASE_URL": database_url, "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
        "WEB_PORT": str(free_port()), "WEB_HOST": "127.0.0.1", "RASA_URL": "", "SMTP_HOST": "",
        "RASA_TOKEN": secrets.token_hex(16), "SECRET_KEY": secrets.token_hex(16),
        "ACTIONS_TOKEN": secrets.token_hex(16),
        "DATA_KEYS": Fernet.generate_key().decode(), "LOOKUP_KEY": secrets.token_hex(16),
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        settings = load_settings()
        env = child_environment(settings)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    children = start_logged(server_commands(settings, model=str(MODEL_FILE)), env, workdir)
    try:
        startup = wait_until_up(settings, children, STARTUP_TIMEOUT_SECONDS, workdir)
        yield settings, children, startup
    finally:
        stop(children)


def nlu_reading(parse: dict) -> Tuple[Optional[str], Optional[str]]:
    """The concern and red flag in an NLU parse alone, read as the actions read them
    (bot.domain.concerns.read_concern; a safety_flag entity or a red-flag intent, emergency first)."""
    intent = parse.get("intent") or {}
    entities = parse.get("entities") or []
    concern = read_concern(entities, intent.get("name"), intent.get("confidence") or 0.0).single
    kinds = {e.get("value") for e in entities if e.get("entity") == "safety_flag"}
    kinds.add(RED_FLAG_INTENTS.get(intent.get("name")))
    flag = next((kind for kind in (EMERGENCY, ADVERSE_EFFECT) if kind in kinds), None)
    return concern, flag


async def _first_turn(client: httpx.AsyncClient, settings: Settings, sender: str, message: VisitorMessage) -> Turn:
    started = time.perf_counter()
    reply = await client.post(f"{settings.rasa_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message.text},
                              headers={"Authorization": f"Bearer {settings.rasa_token}"})
    reply.raise_for_status()
    seconds = time.perf_counter() - started
    response = await client.get(f"{settings.rasa_url}/conversations/{sender}/tracker",
                                params={"token": settings.rasa_token})
    response.raise_for_status()
    tracker = response.json()
    slots = tracker.get("slots") or {}
    parse = tracker.get("latest_message") or {}
    nlu_concern, nlu_flag = nlu_reading(parse)
    return Turn(id=message.id, concern=slots.get("concern"), safety_flag=slots.get("safety_flag"),
                concerns=slots.get("concerns"), intent=(parse.get("intent") or {}).get("name"),
                confidence=(parse.get("intent") or {}).get("confidence"), nlu_concern=nlu_concern,
                nlu_flag=nlu_flag, seconds=seconds)


async def send_all(settings: Settings, messages: Sequence[VisitorMessage], concurrency: int,
                   run_tag: str, progress_every: int = 100) -> List[Turn]:
    """Every message as the first turn of a fresh conversation, `concurrency` in flight. A failed
    turn is tried once more in another fresh conversation, then recorded with its error."""
    gate = asyncio.Semaphore(concurrency)
    done = 0
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, limits=limits) as client:

        async def one(message: VisitorMessage) -> Turn:
            nonlocal done
            async with gate:
                error = None
                for attempt in (1, 2):
                    try:
                        turn = await _first_turn(client, settings, f"nlu-eval-{run_tag}-{message.id}-{attempt}",
                                                 message)
                        break
                    except (httpx.HTTPError, ValueError) as exc:
                        error = f"{type(exc).__name__}: {exc}"
                else:
                    turn = Turn(id=message.id, error=error)
            done += 1
            if done % progress_every == 0 or done == len(messages):
                print(f"  {done}/{len(messages)} messages", flush=True)
            return turn

        return list(await asyncio.gather(*(one(m) for m in messages)))


def run(messages: Sequence[VisitorMessage], workdir: Path, concurrency: int) -> StackRun:
    """Start the stack, send every message, read the trackers, stop the stack."""
    if not MODEL_FILE.exists():
        raise SystemExit(f"{MODEL_FILE} is missing: run `make train` first")
    with running_stack(workdir) as (settings, children, startup):
        print(f"stack up in {startup:.0f} s; sending {len(messages)} messages, {concurrency} in flight", flush=True)
        sampler = MemorySampler({name: child.pid for name, child in children.items()}).start()
        started = time.monotonic()
        turns = asyncio.run(send_all(settings, messages, concurrency, secrets.token_hex(4)))
        send_seconds = time.monotonic() - started
        memory = sampler.finish()
    return StackRun(turns=turns, startup_seconds=startup, send_seconds=send_seconds, memory=memory,
                    log_dir=str(workdir))
