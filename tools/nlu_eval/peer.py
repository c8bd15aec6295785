"""The peer: Rasa's `rasa init` NLU pipeline (peer_config.yml) trained on the project's data/.

The model is cached as models/peer/peer-<hash>.tar.gz, the hash taken over the NLU data and the
peer config, so a re-run trains only when either changed. The peer is parsed in-process
(rasa.core.agent.Agent) and read the way a `rasa init` bot would: the concern from a
`concern_<key>` intent or a `concern` entity, a red flag from report_emergency /
report_adverse_effect (the red-flag intents of domain.yml).
"""
from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.domain.concerns import CONCERN_INTENT_PREFIX, CONCERN_KEYS
from bot.ops.runner import rasa_command
from bot.ops.training import MODEL_DIR, content_hash
from bot.settings import PROJECT_ROOT
from tools.nlu_eval.stack import RED_FLAG_INTENTS

PEER_CONFIG = Path(__file__).with_name("peer_config.yml")
PEER_DIR = MODEL_DIR / "peer"
# Only the NLU data: the peer is trained with `rasa train nlu`, so rules and stories don't change it.
PEER_INPUTS = ["data/nlu.yml", "data/nlu", str(PEER_CONFIG.relative_to(PROJECT_ROOT))]


@dataclass(frozen=True)
class PeerModel:
    path: Path
    train_seconds: Optional[float]  # when it was trained (this run or an earlier one)
    trained_now: bool


def peer_model() -> PeerModel:
    """The cached peer model for today's data/ and peer config; trains it (NLU only) if missing."""
    name = f"peer-{content_hash(PEER_INPUTS)[:16]}"
    path = PEER_DIR / f"{name}.tar.gz"
    seconds_file = PEER_DIR / f"{name}.train_seconds"
    if path.exists():
        seconds = float(seconds_file.read_text()) if seconds_file.exists() else None
        return PeerModel(path=path, train_seconds=seconds, trained_now=False)
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    for stale in PEER_DIR.glob("peer-*"):
        stale.unlink()
    print(f"training the peer ({PEER_CONFIG.relative_to(PROJECT_ROOT)}) on data/ into {path.relative_to(PROJECT_ROOT)}",
          flush=True)
    started = time.monotonic()
    command = rasa_command("train", "nlu", "--config", str(PEER_CONFIG), "--nlu", "data",
                           "--out", str(PEER_DIR), "--fixed-model-name", name)
    subprocess.run(command, cwd=PROJECT_ROOT, check=True)
    seconds = time.monotonic() - started
    seconds_file.write_text(f"{seconds:.1f}\n")
    return PeerModel(path=path, train_seconds=seconds, trained_now=True)


def given_peer_model(path: Path) -> PeerModel:
    """A peer model trained earlier (--peer-model), used as it is: its NLU data may be older than
    today's, which the report then says."""
    seconds_file = path.with_name(path.name.replace(".tar.gz", ".train_seconds"))
    seconds = float(seconds_file.read_text()) if seconds_file.exists() else None
    return PeerModel(path=path, train_seconds=seconds, trained_now=False)


def is_current(model: PeerModel) -> bool:
    """Whether the model is the one today's NLU data and peer config would train."""
    return model.path.name == f"peer-{content_hash(PEER_INPUTS)[:16]}.tar.gz"


def parse_all(model: Path, texts: Sequence[str]) -> List[Dict]:
    """Rasa's NLU parse of each text by the model at `model`, in this process."""
    from rasa.core.agent import Agent  # TensorFlow: only when the peer is parsed
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # else every parse is logged
    logging.getLogger("rasa").setLevel(logging.ERROR)
    agent = Agent.load(str(model))

    async def parse() -> List[Dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


def peer_reading(parse: Dict) -> Tuple[Optional[str], Optional[str]]:
    """The concern and red flag a `rasa init` bot takes from a parse: the `concern_<key>` intent,
    else the first `concern` entity naming a key; the red flag from the red-flag intents."""
    intent = (parse.get("intent") or {}).get("name") or ""
    concern = intent[len(CONCERN_INTENT_PREFIX):] if intent.startswith(CONCERN_INTENT_PREFIX) else None
    if concern not in CONCERN_KEYS:
        concern = next((str(e.get("value")) for e in parse.get("entities") or []
                        if e.get("entity") == "concern" and e.get("value") in CONCERN_KEYS), None)
    return concern, RED_FLAG_INTENTS.get(intent)
