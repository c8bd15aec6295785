"""What every staff page shares: the database and templates, the signed-in user, rendering with
the open-alert banner, error pages, auditing with the client's address, and the wrappers that gate
a route behind a live, fully signed-in session (password and second factor), CSRF and the role,
and add the security headers to every response.

Handlers are module functions `handler(staff, request, user, session)` (see `protected`). Database
work runs in the thread pool, one unit of work of the App per request, and pages are rendered
inside it (so nothing is lazily loaded from a closed session).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from bot.composition import App
from bot.domain.statuses import AuditOutcome
from bot.services.live import waiting_count
from bot.services.staff.alerts import open_alert_counts
from bot.services.staff.audit import record_audit
from bot.services.staff.sessions import ActiveSession, SessionPolicy, load_session
from bot.web.staff.filters import make_environment
from bot.web.staff.security import (
    CSRF_FIELD,
    SessionCookies,
    StaffSession,
    add_security_headers,
    client_ip,
    csrf_ok,
    over_https,
)
from bot.web.staff.throttle import SignInThrottle

T = TypeVar("T")
FORM_LIMITS = {"max_files": 0, "max_fields": 20}
MESSAGES = {
    "status": "Status changed.",
    "note": "Note added.",
    "resolved": "Alert resolved.",
    "assigned": "Assignment saved.",
}


@dataclass(frozen=True)
class StaffUserInfo:
    id: int
    email: str
    is_admin: bool
    session_id: int
    reauthenticated_at: datetime | None = None


Page = Callable[["StaffDashboard", Request, StaffUserInfo, StaffSession], Awaitable[Response]]
Public = Callable[["StaffDashboard", Request], Awaitable[Response]]


def int_param(value: str | None, default: int, minimum: int = 1) -> int:
    try:
        return max(minimum, int(value)) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


class StaffDashboard:
    """The dashboard over one App (bot.composition): its settings, profile and database, the
    session cookies and the templates; page modules' handlers receive it first."""

    def __init__(self, app: App):
        self.app = app
        self.settings = app.settings
        self.profile = app.profile
        self.tz: ZoneInfo = app.profile.timezone
        self.cookies = SessionCookies(app.settings)
        self.policy = SessionPolicy(idle=timedelta(minutes=app.settings.staff_idle_minutes),
                                    lifetime=timedelta(hours=app.settings.staff_session_hours))
        self.throttle = SignInThrottle(app.settings)
        self.env = make_environment(self.tz, self.profile)

    async def with_db(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` in the thread pool, inside one unit of work."""

        def run() -> T:
            with self.app.unit_of_work() as session:
                return work(session)

        return await run_in_threadpool(run)

    def active_session(self, session: StaffSession | None) -> ActiveSession | None:
        """The live server-side session of the cookie (its last use moved to now), or None."""
        if session is None or session.sid is None:
            return None
        with self.app.unit_of_work() as db:
            return load_session(db, session.sid, self.policy, self.app.now())

    def load_user(self, session: StaffSession | None) -> StaffUserInfo | None:
        """The signed-in user: a live session whose second factor is done; None otherwise."""
        active = self.active_session(session)
        if active is None or not active.verified:
            return None
        return StaffUserInfo(active.user_id, active.email, active.is_admin, active.id, active.reauthenticated_at)

    def ip(self, request: Request) -> str:
        return client_ip(request, self.settings)

    def audit(self, db: Session, request: Request, user_id: int | None, action: str,
              intake_id: int | None = None, detail: str | None = None,
              outcome: AuditOutcome = AuditOutcome.OK) -> None:
        """An audit entry for this request: who, what, from where (the client's address), outcome."""
        record_audit(db, user_id, action, intake_id, detail, ip=self.ip(request), outcome=outcome)

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        user: StaffUserInfo | None,
        session: StaffSession | None,
        status_code: int = 200,
        db: Session | None = None,
    ) -> HTMLResponse:
        """A staff template. Given the request's `db`, the banner shows the open-alert counts."""
        values: dict[str, Any] = {
            "user": user,
            "csrf_token": session.csrf if session else "",
            "clinic_name": self.profile.name,
            "alert_counts": open_alert_counts(db) if db is not None else (0, 0),
            "live_waiting": waiting_count(db) if db is not None else 0,
            "message": MESSAGES.get(request.query_params.get("msg", "")),
            "nav": request.url.path,
        }
        values.update(context)
        html = self.env.get_template(f"staff/{template}").render(**values)
        return HTMLResponse(html, status_code=status_code)

    def error(
        self,
        request: Request,
        status_code: int,
        message: str,
        user: StaffUserInfo | None = None,
        session: StaffSession | None = None,
        back: str | None = None,
    ) -> HTMLResponse:
        return self.render(
            request, "error.html", {"status_code": status_code, "error": message, "back": back},
            user, session, status_code=status_code,
        )

    def public(self, handler: Public, *, cacheable: bool = False):
        """An endpoint open to anyone (it checks its own CSRF token on POST)."""

        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            response = await handler(self, request)
            return add_security_headers(response, cacheable=cacheable, https=over_https(request, self.settings))

        return endpoint

    def protected(self, handler: Page, *, admin: bool = False, api: bool = False):
        """An endpoint for signed-in staff: CSRF on POST, a signed-in user (else 303 to the
        sign-in page, or 401), and with `admin` an administrator (a refusal is audited)."""

        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            response = await self._gate(request, handler, admin, api)
            return add_security_headers(response, https=over_https(request, self.settings))

        return endpoint

    async def _gate(self, request: Request, handler: Page, admin: bool, api: bool) -> Response:
        session = self.cookies.load(request)
        if request.method == "POST":
            form = await request.form(**FORM_LIMITS)
            if not csrf_ok(session, form.get(CSRF_FIELD)):
                return self.error(
                    request, 403,
                    "The form's security token is missing or out of date. Go back, reload "
                    "the page and try again.",
                )
        user = await run_in_threadpool(self.load_user, session)
        if user is None:
            if request.method in ("GET", "HEAD") and not api:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return RedirectResponse("/staff/login?" + urlencode({"next": target}), status_code=303)
            if api:
                return JSONResponse({"error": "sign in required"}, status_code=401)
            return PlainTextResponse("Sign in required: /staff/login", status_code=401)
        if admin and not user.is_admin:
            await self.with_db(lambda db: self.audit(db, request, user.id, "admin_page_refused",
                                                     detail=request.url.path, outcome=AuditOutcome.DENIED))
            return self.error(request, 403, "This page is for administrators.", user, session)
        return await handler(self, request, user, session)
