"""A visitor message set (tests/nlu/visitor_heldout.yml, dev/visitor_dev.yml): read and checked,
never changed. Each message has id, text, concern (a key or null), also (a second key or null),
red_flag (emergency | adverse_effect | none) and kind."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import yaml

from bot.domain.concerns import CONCERN_KEYS
from tools.nlu_eval.metrics import NO_FLAG, RED_FLAG_KINDS


@dataclass(frozen=True)
class VisitorMessage:
    id: str
    text: str
    concern: Optional[str]
    also: Optional[str]
    red_flag: str
    kind: str


def load_messages(path: Path) -> List[VisitorMessage]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    messages = []
    for number, item in enumerate(data.get("messages") or [], start=1):
        where = f"{path}: message {number} ({item.get('id')})"
        for key in ("concern", "also"):
            if item.get(key) is not None and item[key] not in CONCERN_KEYS:
                raise ValueError(f"{where}: {key} {item[key]!r} is not a concern key")
        if item.get("red_flag") not in (*RED_FLAG_KINDS, NO_FLAG):
            raise ValueError(f"{where}: red_flag {item.get('red_flag')!r}")
        if not item.get("id") or not str(item.get("text") or "").strip() or not item.get("kind"):
            raise ValueError(f"{where}: id, text and kind are required")
        messages.append(VisitorMessage(id=str(item["id"]), text=str(item["text"]), concern=item.get("concern"),
                                       also=item.get("also"), red_flag=item["red_flag"], kind=str(item["kind"])))
    ids = [m.id for m in messages]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate ids")
    if not messages:
        raise ValueError(f"{path}: no messages")
    return messages
