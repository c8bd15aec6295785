"""The audit log's hash chain (bot.domain.audit_chain): every change, removal or reordering of an
entry is found, at the entry where it happened. Over a real database: tests/integration/test_audit_log.py."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.domain.audit_chain import GENESIS, ChainedEntry, broken_link, canonical, entry_hash

UTC = timezone.utc  # noqa: UP017 (Python 3.10)
T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def chain(n: int = 5) -> list[tuple[ChainedEntry, str, str]]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        entry = ChainedEntry(seq, T0 + timedelta(minutes=seq), seq % 2 or None, "view_intake", seq, None,
                             "10.0.0.7", "ok")
        row_hash = entry_hash(prev, entry)
        rows.append((entry, prev, row_hash))
        prev = row_hash
    return rows


def test_a_whole_chain_verifies():
    assert broken_link(chain()) is None
    assert broken_link([]) is None


def test_canonical_form_is_stable_across_time_zones():
    entry = chain(1)[0][0]
    elsewhere = replace(entry, at=entry.at.astimezone(timezone(timedelta(hours=-7))))
    assert canonical(entry) == canonical(elsewhere)
    assert entry_hash(GENESIS, entry) == entry_hash(GENESIS, elsewhere)


def test_a_changed_field_breaks_its_own_link():
    rows = chain()
    entry, prev, row_hash = rows[2]
    rows[2] = (replace(entry, outcome="denied"), prev, row_hash)
    broken = broken_link(rows)
    assert broken.seq == 3 and "content" in broken.reason


def test_a_rehashed_forgery_breaks_the_next_link():
    rows = chain()
    entry, prev, _row_hash = rows[1]
    forged = replace(entry, staff_user_id=99)
    rows[1] = (forged, prev, entry_hash(prev, forged))
    assert broken_link(rows).seq == 3


def test_a_removed_entry_is_a_gap():
    rows = chain()
    del rows[3]
    broken = broken_link(rows)
    assert broken.seq == 5 and "missing" in broken.reason
