"""Signing in and out: the password step (throttled per account, per address and globally), then
the second factor (bot.web.staff.second_factor), sign-out, and the stylesheet.

After the right password a server-side session starts; it counts as signed in only once the
second factor is done (a TOTP or recovery code; enrolment first for a user without one), unless
STAFF_REQUIRE_TOTP is off and the user has not enrolled.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.domain.statuses import AuditOutcome
from bot.services.staff.sessions import revoke_session, start_session
from bot.services.staff_accounts import authenticate
from bot.web.staff.base import FORM_LIMITS, StaffDashboard
from bot.web.staff.security import CSRF_FIELD, csrf_ok, safe_next

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "staff.css"
FAILED_ACTIONS = {"locked": "login_locked", "disabled": "login_disabled", "invalid": "login_failed"}


def throttled(staff: StaffDashboard, request: Request, wait: int, template: str, context: dict) -> Response:
    error = f"Too many failed sign-in attempts. Wait {wait} seconds, then try again."
    response = staff.render(request, template, {**context, "error": error}, None, staff.cookies.load(request),
                            status_code=429)
    response.headers["Retry-After"] = str(wait)
    return response


def second_step(next_url: str, needs_enrolment: bool) -> str:
    return ("/staff/enrol?" if needs_enrolment else "/staff/login/code?") + urlencode({"next": next_url})


async def login(staff: StaffDashboard, request: Request) -> Response:
    session = staff.cookies.load(request)
    if request.method == "GET":
        next_url = safe_next(request.query_params.get("next"))
        if await run_in_threadpool(staff.load_user, session) is not None:
            return RedirectResponse(next_url, status_code=303)
        fresh = session is None or session.sid is not None
        if fresh:
            session = staff.cookies.new()
        response = staff.render(
            request, "login.html", {"next": next_url, "error": None, "email": ""}, None, session
        )
        if fresh:
            staff.cookies.store(response, request, session)
        return response

    form = await request.form(**FORM_LIMITS)
    if not csrf_ok(session, form.get(CSRF_FIELD)):
        return staff.error(
            request, 403,
            "The sign-in form's security token is missing or out of date. Reload the page "
            "and try again (cookies must be enabled).",
        )
    email = str(form.get("email") or "")[:254]
    password = str(form.get("password") or "")
    next_url = safe_next(str(form.get("next") or ""))
    ip = staff.ip(request)
    wait = staff.throttle.retry_after(ip)
    if wait:
        await staff.with_db(lambda db: staff.audit(db, request, None, "login_throttled", outcome=AuditOutcome.DENIED))
        return throttled(staff, request, wait, "login.html", {"next": next_url, "email": email})
    settings = staff.settings
    agent = request.headers.get("user-agent")

    def work(db: Session) -> tuple[str, str | None, bool, bool]:
        result = authenticate(db, email, password, settings.staff_lockout_attempts, settings.staff_lockout_minutes)
        uid = result.user.id if result.user is not None else None
        if not result.ok:
            staff.audit(db, request, uid, FAILED_ACTIONS[result.outcome],
                        detail=None if uid else "unknown e-mail", outcome=AuditOutcome.DENIED)
            return result.outcome, None, False, False
        enrolled = result.user.totp_enabled_at is not None
        verified = not enrolled and not settings.staff_require_totp
        token = start_session(db, uid, staff.app.now(), verified=verified, ip=ip, user_agent=agent)
        staff.audit(db, request, uid, "login" if verified else "login_password",
                    detail=None if verified else "password right; second factor next")
        return "ok", token, verified, not enrolled

    outcome, token, verified, needs_enrolment = await staff.with_db(work)
    if outcome == "ok":
        target = next_url if verified else second_step(next_url, needs_enrolment)
        response = RedirectResponse(target, status_code=303)
        staff.cookies.store(response, request, staff.cookies.new(token))
        return response
    staff.throttle.failed(ip)
    if outcome == "locked":
        error = (
            f"Too many failed sign-in attempts: sign-in for this e-mail is locked for "
            f"{settings.staff_lockout_minutes} minutes. Try again later, or ask an administrator to reset the "
            "password."
        )
        status_code = 429
    else:
        error = "The e-mail or password is not right."
        status_code = 401
    return staff.render(
        request, "login.html", {"next": next_url, "error": error, "email": email}, None,
        session, status_code=status_code,
    )


async def logout(staff: StaffDashboard, request: Request) -> Response:
    session = staff.cookies.load(request)
    form = await request.form(**FORM_LIMITS)
    if not csrf_ok(session, form.get(CSRF_FIELD)):
        return staff.error(request, 403, "The form's security token is missing or out of date.")
    if session.sid is not None:

        def work(db: Session) -> None:
            uid = revoke_session(db, session.sid, staff.app.now())
            if uid is not None:
                staff.audit(db, request, uid, "logout")

        await staff.with_db(work)
    response = RedirectResponse("/staff/login", status_code=303)
    staff.cookies.clear(response, request)
    return response


async def stylesheet(staff: StaffDashboard, request: Request) -> Response:
    response = FileResponse(STYLESHEET, media_type="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [
        Route("/staff/login", staff.public(login), methods=["GET", "POST"], name="staff_login"),
        Route("/staff/logout", staff.public(logout), methods=["POST"], name="staff_logout"),
        Route("/staff/static/staff.css", staff.public(stylesheet, cacheable=True), methods=["GET"],
              name="staff_css"),
    ]
