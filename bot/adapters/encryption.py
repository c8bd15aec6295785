"""Encryption at rest (PyCA `cryptography`): health and contact data are stored as MultiFernet
tokens (AES-128-CBC + HMAC-SHA256, newest key first, every key still decrypts), and the values
looked up by equality (a booking reference, a phone number, an e-mail) also as keyed hashes
(HMAC-SHA256 with a separate key), so nothing readable is needed to find them.

The cipher belongs to an engine: `attach_cipher(engine, cipher)` puts it on the engine's dialect,
where the column types (`EncryptedText`, `EncryptedJSON`) find it when they bind or read a value.
A process may hold engines with different keys (tests do); none of this is global.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from enum import Enum
from typing import Any, Optional, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import Text, TypeDecorator

from bot.settings import Settings

NEW_KEY_HINT = ("python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'")


class Lookup(str, Enum):
    """What a keyed hash stands for; each kind is normalised before hashing, and hashed apart."""

    REFERENCE = "reference"
    PHONE = "phone"
    EMAIL = "email"

    def normalise(self, value: str) -> str:
        value = value.strip()
        if self is Lookup.REFERENCE:
            return value.upper()
        return value.lower() if self is Lookup.EMAIL else value


class DataCipher:
    """Encrypts, decrypts and re-encrypts stored values; hashes the values looked up by equality."""

    def __init__(self, data_keys: Sequence[str], lookup_key: Optional[str]):
        if not data_keys:
            raise ValueError(f"DATA_KEYS is not set: set it in .env (a new key: {NEW_KEY_HINT}), "
                             "or run `python -m bot migrate`, which creates a development key in var/")
        if not lookup_key:
            raise ValueError("LOOKUP_KEY is not set: set it in .env, or run `python -m bot migrate`, "
                             "which creates a development key in var/")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in data_keys])
        except ValueError as exc:
            raise ValueError(f"DATA_KEYS: each key must be 32 url-safe base64-encoded bytes ({NEW_KEY_HINT})") from exc
        self._lookup_key = lookup_key.encode()

    @classmethod
    def from_settings(cls, settings: Settings) -> DataCipher:
        return cls(settings.data_keys, settings.lookup_key)

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("a stored value does not decrypt with any key of DATA_KEYS") from None

    def rotate(self, token: str) -> str:
        """The same value encrypted under the newest key."""
        return self._fernet.rotate(token.encode()).decode()

    def lookup_hash(self, kind: Lookup, value: str) -> str:
        message = f"{kind.value}:{kind.normalise(value)}".encode()
        return hmac.new(self._lookup_key, message, hashlib.sha256).hexdigest()


def attach_cipher(engine: Engine, cipher: DataCipher) -> None:
    engine.dialect.data_cipher = cipher


def cipher_of(dialect) -> DataCipher:
    cipher = getattr(dialect, "data_cipher", None)
    if cipher is None:
        raise RuntimeError("this engine has no data cipher: create it with make_engine(url, cipher)")
    return cipher


def session_cipher(session: Session) -> DataCipher:
    return cipher_of(session.get_bind().dialect)


def lookup_hash(session: Session, kind: Lookup, value: Optional[str]) -> Optional[str]:
    """The keyed hash of `value` under the session's engine's lookup key (None for no value)."""
    return session_cipher(session).lookup_hash(kind, value) if value else None


class EncryptedText(TypeDecorator):
    """Text stored encrypted. Not comparable in SQL (each encryption differs): look up by a hash."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> Optional[str]:
        return None if value is None else cipher_of(dialect).encrypt(self.serialise(value))

    def process_result_value(self, value: Optional[str], dialect) -> Any:
        return None if value is None else self.deserialise(cipher_of(dialect).decrypt(value))

    def serialise(self, value: Any) -> str:
        return str(value)

    def deserialise(self, text: str) -> Any:
        return text


class EncryptedJSON(EncryptedText):
    """A JSON value stored encrypted."""

    cache_ok = True

    def serialise(self, value: Any) -> str:
        return json.dumps(value)

    def deserialise(self, text: str) -> Any:
        return json.loads(text)
