"""The audit log's hash chain: each entry's hash covers the previous entry's hash and the entry's
own canonical form, so changing, removing or reordering an entry breaks every link after it.

Pure: the adapters store the hashes, `python -m bot audit verify` walks the chain with `broken_link`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Optional

GENESIS = "0" * 64  # the "previous hash" of the first entry


@dataclass(frozen=True)
class ChainedEntry:
    """What the hash covers: everything an audit entry says."""

    seq: int
    at: datetime
    staff_user_id: Optional[int]
    action: str
    intake_id: Optional[int]
    detail: Optional[str]
    ip: Optional[str]
    outcome: str


def canonical(entry: ChainedEntry) -> str:
    """One stable text per entry: sorted-key JSON, the time in UTC to the microsecond."""
    at = entry.at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({
        "seq": entry.seq, "at": at, "staff_user_id": entry.staff_user_id, "action": entry.action,
        "intake_id": entry.intake_id, "detail": entry.detail, "ip": entry.ip,
        "outcome": str(entry.outcome),
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, entry: ChainedEntry) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode()).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


def broken_link(rows: Iterable[tuple[ChainedEntry, str, str]]) -> Optional[BrokenLink]:
    """The first entry whose link fails, given (entry, prev_hash, row_hash) in `seq` order; None
    when the chain is whole. A gap in `seq` (a deleted entry) is a broken link too."""
    expected_prev, expected_seq = GENESIS, 1
    for entry, prev_hash, row_hash in rows:
        if entry.seq != expected_seq:
            return BrokenLink(entry.seq, f"expected entry {expected_seq} here: entries are missing")
        if prev_hash != expected_prev:
            return BrokenLink(entry.seq, "its previous hash does not match the entry before it")
        if entry_hash(prev_hash, entry) != row_hash:
            return BrokenLink(entry.seq, "its content does not match its hash (changed after writing)")
        expected_prev, expected_seq = row_hash, expected_seq + 1
    return None
