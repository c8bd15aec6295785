"""The staff routes open to anyone: sign-in, sign-out and the stylesheet."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters.models import StaffUser
from bot.services.staff.audit import record_audit
from bot.services.staff_accounts import authenticate
from bot.web.staff.base import FORM_LIMITS, StaffDashboard
from bot.web.staff.security import CSRF_FIELD, csrf_ok, password_fingerprint, safe_next

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "staff.css"


async def login(staff: StaffDashboard, request: Request) -> Response:
    session = staff.cookies.load(request)
    if request.method == "GET":
        next_url = safe_next(request.query_params.get("next"))
        if await run_in_threadpool(staff.load_user, session) is not None:
            return RedirectResponse(next_url, status_code=303)
        fresh = session is None or session.uid is not None
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
    attempts = staff.settings.staff_lockout_attempts
    minutes = staff.settings.staff_lockout_minutes

    def work(db: Session) -> tuple[str, int | None, str | None]:
        result = authenticate(db, email, password, attempts, minutes)
        uid = result.user.id if result.user is not None else None
        if result.ok:
            record_audit(db, uid, "login")
            return "ok", uid, password_fingerprint(result.user.password_hash)
        action = "login_locked" if result.outcome == "locked" else "login_failed"
        record_audit(db, uid, action, detail=None if uid else "unknown e-mail")
        return result.outcome, None, None

    outcome, uid, fingerprint = await staff.with_db(work)
    if outcome == "ok":
        response = RedirectResponse(next_url, status_code=303)
        staff.cookies.store(response, request, staff.cookies.new(uid, fingerprint))
        return response
    if outcome == "locked":
        error = (
            f"Too many failed sign-in attempts: sign-in for this e-mail is locked for "
            f"{minutes} minutes. Try again later, or ask an administrator to reset the "
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
    if session.uid is not None:
        uid = session.uid

        def work(db: Session) -> None:
            if db.get(StaffUser, uid) is not None:
                record_audit(db, uid, "logout")

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
