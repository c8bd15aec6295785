"""The peer (bench/peer/): a bare Rasa 3.6 bot with the bench conversation's form and a no-op
rasa-sdk action server. Trained only when its files changed (a content hash beside the model, as
`make train` does for the assistant), started on free ports with a throw-away SQLite tracker store."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Dict, List

from bot.ops.runner import VENV_BIN
from bot.ops.training import content_hash
from bot.settings import PROJECT_ROOT

PEER_DIR = PROJECT_ROOT / "bench" / "peer"
MODEL_DIR = PEER_DIR / "models"
MODEL_FILE = MODEL_DIR / "peer.tar.gz"
HASH_FILE = MODEL_DIR / "peer.sha256"
TRAIN_SECONDS_FILE = MODEL_DIR / "peer.train_seconds"
INPUTS = ["bench/peer/config.yml", "bench/peer/domain.yml", "bench/peer/data", "requirements.lock"]


def bare_rasa(*args: str) -> List[str]:
    """Rasa's own CLI, as a bare bot runs it: the peer's path holds none of the project's packages,
    so the project's wrapper (rasa_plugins.rasa_server) is neither wanted nor importable there."""
    return [str(VENV_BIN / "rasa"), *args]


def peer_environment(actions_port: int, tracker_db: Path) -> Dict[str, str]:
    """The peer's own environment: its actions package first on the path, never the assistant's."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update({"PYTHONPATH": str(PEER_DIR), "PEER_ACTIONS_PORT": str(actions_port),
                "PEER_TRACKER_DB": str(tracker_db), "SANIC_HOST": "127.0.0.1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    return env


def train(log_dir: Path) -> Dict[str, object]:
    """Train the peer unless its model is current; {"seconds": Rasa's training time, "cached": bool}.
    A cached model reports the training time recorded when it was trained."""
    digest = content_hash(INPUTS)
    if MODEL_FILE.exists() and HASH_FILE.exists() and HASH_FILE.read_text().strip() == digest:
        return {"seconds": float(TRAIN_SECONDS_FILE.read_text()), "cached": True}
    started = time.monotonic()
    with open(log_dir / "peer-train.log", "w") as log:
        subprocess.run(bare_rasa("train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
                                    "--out", str(MODEL_DIR), "--fixed-model-name", "peer"),
                       cwd=PEER_DIR, env=peer_environment(0, log_dir / "unused.db"), stdout=log,
                       stderr=subprocess.STDOUT, check=True, timeout=1800)
    seconds = time.monotonic() - started
    HASH_FILE.write_text(digest + "\n")
    TRAIN_SECONDS_FILE.write_text(f"{seconds:.1f}\n")
    return {"seconds": seconds, "cached": False}


def commands(rasa_port: int, actions_port: int) -> Dict[str, List[str]]:
    return {
        "peer-actions": bare_rasa("run", "actions", "--actions", "actions", "-p", str(actions_port)),
        "peer-rasa": bare_rasa("run", "-i", "127.0.0.1", "-p", str(rasa_port), "--endpoints", "endpoints.yml",
                                  "--credentials", "credentials.yml", "--model", str(MODEL_FILE)),
    }


def health_urls(rasa_port: int, actions_port: int) -> Dict[str, str]:
    return {"peer-rasa": f"http://127.0.0.1:{rasa_port}/", "peer-actions": f"http://127.0.0.1:{actions_port}/health"}


def start(rasa_port: int, actions_port: int, log_dir: Path) -> Dict[str, subprocess.Popen]:
    env = peer_environment(actions_port, log_dir / "peer-tracker.db")
    children = {}
    for name, command in commands(rasa_port, actions_port).items():
        with open(log_dir / f"{name}.log", "w") as log:
            children[name] = subprocess.Popen(command, cwd=PEER_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    return children

