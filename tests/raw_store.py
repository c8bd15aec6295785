"""What a thief would read: a SQLite database file's raw bytes (and those of a copy made with
sqlite3's backup API), or every text column of a PostgreSQL schema by a raw SELECT; and a persona
whose name, contact and words must appear in none of them."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable, List

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# The persona: every value distinctive, so a hit can only be a leak.
NAME = "Imogen Thistlewood"
PHONE = "+18185550147"
EMAIL = "imogen.thistlewood@example.org"
WORDS = ("armpits soak through", "zalbrexine", "breastfeeding my twins")
SECRETS = (NAME, "Thistlewood", PHONE, "8185550147", EMAIL, "thistlewood@", *WORDS)


def sqlite_path(database_url: str) -> Path:
    return Path(make_url(database_url).database)


def sqlite_images(database_url: str, copy_to: Path) -> List[bytes]:
    """The file's bytes (with any journal beside it), and the bytes of a backup copy of it."""
    path = sqlite_path(database_url)
    images = [p.read_bytes() for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal")) if p.exists()]
    source, target = sqlite3.connect(path), sqlite3.connect(copy_to)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    images.append(copy_to.read_bytes())
    return images


def postgres_text(database_url: str) -> List[str]:
    """Every value of every text-like column of every table in the URL's schema, read raw."""
    engine = create_engine(database_url, future=True)
    values: List[str] = []
    try:
        with engine.connect() as conn:
            columns = conn.execute(text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() "
                "AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'character')"
            )).all()
            for table, column in columns:
                values += [row[0] for row in conn.execute(
                    text(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL'))]
    finally:
        engine.dispose()
    return values


def leaks(haystacks: Iterable, secrets: Iterable[str] = SECRETS) -> List[str]:
    """The secrets found in any of the haystacks (bytes or text), case-insensitively."""
    blobs = [h.lower() if isinstance(h, bytes) else str(h).lower().encode() for h in haystacks]
    return [s for s in secrets if any(s.lower().encode() in blob for blob in blobs)]


def raw_store(database_url: str, tmp_path: Path) -> List:
    """Everything a reader of the raw store sees, for either database."""
    if database_url.startswith("sqlite"):
        return sqlite_images(database_url, tmp_path / "backup.db")
    return postgres_text(database_url)
