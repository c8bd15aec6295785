"""The staff cookie, CSRF, where a request comes from, and the security headers.

The cookie is signed (itsdangerous, settings.secret_key) and holds a per-browser CSRF token that
every POST form must echo in its `csrf_token` field and, once signed in, the random id of a
server-side session (bot.services.staff.sessions; the database keeps only its hash, so signing
out or an idle timeout ends it for every copy of the cookie). It is HttpOnly and SameSite=Strict.
Over HTTPS it is `__Host-clinic_staff` (Secure, Path=/, no Domain: no other site or subdomain can
set or read it) and every response carries HSTS; over plain HTTP (development) it is
`clinic_staff`, scoped to /staff.

A request is over HTTPS when COOKIE_SECURE says the site is served so, when it came over TLS, or
when X-Forwarded-Proto says https and the request came from a TRUSTED_PROXIES address (only then
is X-Forwarded-For believed for the client's address, too).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from bot.settings import Settings

COOKIE_NAME = "clinic_staff"
HTTPS_COOKIE_NAME = "__Host-clinic_staff"
COOKIE_PATH = "/staff"
CSRF_FIELD = "csrf_token"
HSTS = "max-age=31536000"

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
    """What the cookie holds: the CSRF token and, once signed in, the session's random id."""

    csrf: str
    sid: Optional[str] = None


def _from_trusted_proxy(request: Request, settings: Settings) -> bool:
    return bool(request.client and request.client.host in settings.trusted_proxies)


def over_https(request: Request, settings: Settings) -> bool:
    if settings.cookie_secure or request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and _from_trusted_proxy(request, settings)


def client_ip(request: Request, settings: Settings) -> str:
    """The client's address: X-Forwarded-For's last hop before a trusted proxy, else the peer."""
    peer = request.client.host if request.client and request.client.host else "unknown"
    if _from_trusted_proxy(request, settings):
        hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in settings.trusted_proxies:
                return hop[:64]
    return peer


class SessionCookies:
    def __init__(self, settings: Settings):
        self._serializer = URLSafeTimedSerializer(settings.require("secret_key"), salt="bot.web.staff.session")
        self._settings = settings
        self._max_age = settings.staff_session_hours * 3600

    def _name_and_path(self, request: Request) -> tuple[str, str, bool]:
        if over_https(request, self._settings):
            return HTTPS_COOKIE_NAME, "/", True
        return COOKIE_NAME, COOKIE_PATH, False

    def load(self, request: Request) -> StaffSession | None:
        name, _path, _secure = self._name_and_path(request)
        raw = request.cookies.get(name)
        if not raw or len(raw) > 4096:
            return None
        try:
            data = self._serializer.loads(raw, max_age=self._max_age)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        sid = data.get("sid")
        return StaffSession(csrf=data["csrf"], sid=sid if isinstance(sid, str) else None)

    @staticmethod
    def new(sid: str | None = None) -> StaffSession:
        return StaffSession(csrf=secrets.token_urlsafe(32), sid=sid)

    def store(self, response: Response, request: Request, session: StaffSession) -> None:
        name, path, secure = self._name_and_path(request)
        payload = {"csrf": session.csrf}
        if session.sid is not None:
            payload["sid"] = session.sid
        response.set_cookie(name, self._serializer.dumps(payload), max_age=self._max_age, path=path,
                            httponly=True, samesite="strict", secure=secure)

    def clear(self, response: Response, request: Request) -> None:
        name, path, secure = self._name_and_path(request)
        response.delete_cookie(name, path=path, httponly=True, samesite="strict", secure=secure)


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
    if parts.path.startswith("/staff/login") or parts.path in ("/staff/logout", "/staff/enrol"):
        return default
    return value


def add_security_headers(response: Response, cacheable: bool = False, https: bool = False) -> Response:
    for key, value in SECURITY_HEADERS.items():
        if cacheable and key in ("Cache-Control", "Pragma"):
            continue
        response.headers.setdefault(key, value)
    if https:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
