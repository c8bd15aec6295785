"""`python -m bot rotate-key`: every encrypted value re-encrypted under the newest key of DATA_KEYS,
and every lookup hash recomputed under LOOKUP_KEY, in the caller's unit of work.

To retire a key: put a new key first in DATA_KEYS (keep the old one after it), restart, run
rotate-key, then drop the old key. A new LOOKUP_KEY takes effect the same way (the old one is not
needed: the hashes are recomputed from the decrypted values).
"""
from __future__ import annotations

from typing import Dict, Iterator, List, Tuple

from sqlalchemy import Integer, Text, column, select, table, update
from sqlalchemy.orm import Session

from bot.adapters.encryption import EncryptedText, session_cipher
from bot.adapters.models import Appointment, Base, Contact, hash_contact, hash_reference
from bot.adapters.tracker_events import EVENTS_TABLE, events_table_exists


def encrypted_columns() -> Iterator[Tuple[str, List[str]]]:
    """(table, its encrypted columns) for every table of the store that has some."""
    for name, model_table in Base.metadata.tables.items():
        columns = [c.name for c in model_table.columns if isinstance(c.type, EncryptedText)]
        if columns:
            yield name, columns


def rotate_keys(session: Session) -> Dict[str, int]:
    """Re-encrypt every stored value and recompute every lookup hash; the rows changed per table."""
    cipher = session_cipher(session)
    targets = list(encrypted_columns())
    if events_table_exists(session):
        targets.append((EVENTS_TABLE, ["data"]))
    changed: Dict[str, int] = {}
    for name, columns in targets:
        raw = table(name, column("id", Integer), *(column(c, Text) for c in columns))  # the tokens, not decrypted
        count = 0
        for row in session.execute(select(raw)).mappings().all():
            values = {c: cipher.rotate(row[c]) for c in columns if row[c] is not None}
            if values:
                session.execute(update(raw).where(raw.c.id == row["id"]).values(**values))
                count += 1
        changed[name] = count
    for contact in session.scalars(select(Contact)):
        hash_contact(contact, cipher)
    for appointment in session.scalars(select(Appointment)):
        hash_reference(appointment, cipher)
    session.flush()
    return changed
