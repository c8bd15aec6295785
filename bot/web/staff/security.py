"""Staff sessions and CSRF: a signed cookie (itsdangerous, settings.secret_key) holding the user id,
a fingerprint of the user's password hash (a password change ends old sessions) and a per-session
CSRF token that every POST form must echo in its `csrf_token` field.

The cookie is HttpOnly, SameSite=Lax, scoped to /staff, and Secure when settings.cookie_secure is
set or the request came over https. Sessions last at most SESSION_MAX_AGE from sign-in.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE_NAME = "clinic_staff"
COOKIE_PATH = "/staff"
SESSION_MAX_AGE = 12 * 3600  # one working day; then sign in again
CSRF_FIELD = "csrf_token"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass(frozen=True)
class StaffSession:
    csrf: str
    uid: int | None = None
    fingerprint: str | None = None


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:20]


class SessionCookies:
    def __init__(self, secret_key: str, cookie_secure: bool):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="bot.web.staff.session")
        self._cookie_secure = cookie_secure

    def load(self, request: Request) -> StaffSession | None:
        raw = request.cookies.get(COOKIE_NAME)
        if not raw or len(raw) > 4096:
            return None
        try:
            data = self._serializer.loads(raw, max_age=SESSION_MAX_AGE)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        uid = data.get("uid")
        return StaffSession(
            csrf=data["csrf"],
            uid=uid if isinstance(uid, int) else None,
            fingerprint=data.get("fp") if isinstance(data.get("fp"), str) else None,
        )

    @staticmethod
    def new(uid: int | None = None, fingerprint: str | None = None) -> StaffSession:
        return StaffSession(csrf=secrets.token_urlsafe(32), uid=uid, fingerprint=fingerprint)

    def secure_for(self, request: Request) -> bool:
        return self._cookie_secure or request.url.scheme == "https"

    def store(self, response: Response, request: Request, session: StaffSession) -> None:
        payload = {"csrf": session.csrf}
        if session.uid is not None:
            payload.update(uid=session.uid, fp=session.fingerprint)
        response.set_cookie(
            COOKIE_NAME,
            self._serializer.dumps(payload),
            max_age=SESSION_MAX_AGE,
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=self.secure_for(request),
        )

    def clear(self, response: Response, request: Request) -> None:
        response.delete_cookie(
            COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="lax",
            secure=self.secure_for(request),
        )


def csrf_ok(session: StaffSession | None, submitted: object) -> bool:
    if session is None or not isinstance(submitted, str) or not submitted:
        return False
    return secrets.compare_digest(session.csrf.encode(), submitted.encode())


def safe_next(value: str | None, default: str = "/staff") -> str:
    """A post-login redirect target: a path inside /staff on this site, nothing else."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return default
    if "\\" in value or any(ord(ch) < 32 for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return default
    if not (parts.path == "/staff" or parts.path.startswith("/staff/")):
        return default
    if parts.path in ("/staff/login", "/staff/logout"):
        return default
    return value


def add_security_headers(response: Response, cacheable: bool = False) -> Response:
    for key, value in SECURITY_HEADERS.items():
        if cacheable and key in ("Cache-Control", "Pragma"):
            continue
        response.headers.setdefault(key, value)
    return response
