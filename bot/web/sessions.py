"""Visitor session tokens and the Rasa conversation ids derived from them.

A token is `RANDOM.TIMESTAMP.SIGNATURE` (itsdangerous TimestampSigner over 32 random URL-safe
characters, keyed by settings.secret_key). The conversation id Rasa sees is an HMAC-SHA256 of the
random part under a separate key derived from the same secret, so only the server can compute it:
the client never sends, sees or can guess a conversation id, and a token cannot be altered to
point at another visitor's conversation without breaking its signature.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from typing import Callable

from itsdangerous import BadSignature, TimestampSigner

SESSION_MAX_AGE_SECONDS = 24 * 3600
CONVERSATION_PREFIX = "web-"
_RANDOM_BYTES = 24  # 32 URL-safe characters, 192 bits
_RANDOM_PART = re.compile(r"^[A-Za-z0-9_-]{32}$")
_MAX_TOKEN_CHARS = 200


class InvalidSession(Exception):
    """The token is missing, malformed, forged or expired."""


class _Signer(TimestampSigner):
    def __init__(self, secret_key: str, clock: Callable[[], float]):
        super().__init__(secret_key, salt="clinic.chat.session-token")
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class SessionTokens:
    def __init__(
        self,
        secret_key: str,
        max_age: int = SESSION_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
    ):
        if not secret_key:
            raise ValueError("a secret key is required to sign chat sessions")
        self.max_age = max_age
        self._signer = _Signer(secret_key, clock)
        self._conversation_key = hmac.new(
            secret_key.encode("utf-8"), b"clinic.chat.conversation-id", hashlib.sha256
        ).digest()

    def issue(self) -> str:
        """A new session token (a new conversation)."""
        return self._signer.sign(secrets.token_urlsafe(_RANDOM_BYTES)).decode("ascii")

    def verify(self, token: str) -> str:
        """The session's random part (its identity), or InvalidSession."""
        if not token or len(token) > _MAX_TOKEN_CHARS or not token.isascii():
            raise InvalidSession("malformed token")
        try:
            value = self._signer.unsign(token, max_age=self.max_age).decode("ascii")
        except BadSignature as exc:  # includes SignatureExpired
            raise InvalidSession(type(exc).__name__) from exc
        if not _RANDOM_PART.match(value):
            raise InvalidSession("malformed token")
        return value

    def conversation_id(self, session_id: str) -> str:
        """The Rasa sender id for a verified session: server-side only, never sent to the client."""
        digest = hmac.new(self._conversation_key, session_id.encode("ascii"), hashlib.sha256)
        return CONVERSATION_PREFIX + digest.hexdigest()[:40]


# ---- the session cookie of the chat frame (bot/web/static/chat.html) ----------------------------

FRAME_HEADER = "x-chat-frame"  # sent by the frame's scripts; a page of another origin cannot send it
COOKIE_NAME = "clinic_chat"
SECURE_COOKIE_NAME = "__Host-clinic_chat"  # over HTTPS: bound to this host, path / and Secure


def cookie_name(secure: bool) -> str:
    return SECURE_COOKIE_NAME if secure else COOKIE_NAME


def session_cookie(token: str, secure: bool, max_age: int) -> str:
    """A Set-Cookie value holding the session token: HttpOnly, so no script reads it. Over HTTPS
    it is SameSite=None; Secure; Partitioned (sent to the frame on the clinic's site, and kept in a
    jar of that site only); over plain HTTP (development) SameSite=Strict."""
    parts = [f"{cookie_name(secure)}={token}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
    parts += ["Secure", "SameSite=None", "Partitioned"] if secure else ["SameSite=Strict"]
    return "; ".join(parts)
