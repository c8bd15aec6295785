"""Train the Rasa model only when its inputs changed (a content hash of config, domain, training
data, the concern lexicon and the NLU plugins), and build the spaCy pipeline it loads.

`python -m bot train [--force]`; the model is models/clinic.tar.gz, its hash models/clinic.sha256,
and the seconds Rasa's training took models/clinic.train_seconds.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Iterable, List

from bot.adapters.spacy_pipeline import DEFAULT_OUTPUT as SPACY_MODEL_DIR
from bot.adapters.spacy_pipeline import build as build_spacy_pipeline
from bot.ops.runner import run_rasa
from bot.settings import PROJECT_ROOT

MODEL_DIR = PROJECT_ROOT / "models"
MODEL_NAME = "clinic"
MODEL_FILE = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
HASH_FILE = MODEL_DIR / f"{MODEL_NAME}.sha256"
TRAIN_SECONDS_FILE = MODEL_DIR / f"{MODEL_NAME}.train_seconds"
INPUTS = ["config.yml", "domain.yml", "data", "clinic/concern_lexicon.yml", "clinic/concern_areas.yml",
          "clinic/red_flags.yml",
          "rasa_plugins", "bot/adapters/spacy_pipeline.py", "bot/domain/safety", "requirements.lock"]


def _files(paths: Iterable[str]) -> List[Path]:
    found: List[Path] = []
    for name in paths:
        path = PROJECT_ROOT / name
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            found.append(path)
    return sorted(found)


def content_hash(paths: Iterable[str]) -> str:
    """A SHA-256 over the files under `paths` (relative to the project root): names and contents."""
    digest = hashlib.sha256()
    for path in _files(paths):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_hash() -> str:
    return content_hash(INPUTS)


def model_is_current() -> bool:
    return MODEL_FILE.exists() and HASH_FILE.exists() and HASH_FILE.read_text().strip() == inputs_hash()


def ensure_spacy_pipeline() -> None:
    marker = SPACY_MODEL_DIR / "meta.json"
    lexicon = PROJECT_ROOT / "clinic" / "concern_lexicon.yml"
    builder = PROJECT_ROOT / "bot" / "adapters" / "spacy_pipeline.py"
    if not marker.exists() or marker.stat().st_mtime < max(lexicon.stat().st_mtime, builder.stat().st_mtime):
        print(f"building the spaCy pipeline in {build_spacy_pipeline()}")


def train(force: bool = False) -> int:
    ensure_spacy_pipeline()
    if not force and model_is_current():
        print(f"{MODEL_FILE.relative_to(PROJECT_ROOT)} is up to date with its training data")
        return 0
    digest = inputs_hash()
    started = time.monotonic()
    code = run_rasa(["train", "--fixed-model-name", MODEL_NAME, "--out", str(MODEL_DIR)])
    if code == 0:
        HASH_FILE.write_text(digest + "\n")
        TRAIN_SECONDS_FILE.write_text(f"{time.monotonic() - started:.1f}\n")
    return code
