"""The second sign-in step: a TOTP code (or a one-time recovery code) at /staff/login/code, and
enrolment at /staff/enrol: a QR code (segno, inline SVG) and the secret as text for the
authenticator app, confirmed by a first code, then ten recovery codes shown once.

Both pages need the session the password step started. Once the code is right that session is
replaced by a new, fully signed-in one (a new random id: a session id seen before the second
factor never becomes a signed-in one). Wrong codes count like wrong passwords (per account, per
address, globally).
"""
from __future__ import annotations

from urllib.parse import urlencode

import segno
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters.models import StaffUser
from bot.domain.statuses import AuditOutcome
from bot.services.staff.second_factor import (
    check_second_factor,
    confirm_enrolment,
    pending_secret,
    provisioning_uri,
)
from bot.services.staff.sessions import ActiveSession, revoke_session, start_session
from bot.services.staff_accounts import count_failure
from bot.web.staff.auth import throttled
from bot.web.staff.base import FORM_LIMITS, StaffDashboard
from bot.web.staff.security import CSRF_FIELD, StaffSession, csrf_ok, safe_next


def _to_login(next_url: str) -> Response:
    return RedirectResponse("/staff/login?" + urlencode({"next": next_url}), status_code=303)


def _upgrade(staff: StaffDashboard, db: Session, request: Request, cookie: StaffSession, user_id: int) -> str:
    """End the half-signed-in session and start a fully signed-in one; its id for the cookie."""
    now = staff.app.now()
    revoke_session(db, cookie.sid, now)
    return start_session(db, user_id, now, verified=True, ip=staff.ip(request),
                         user_agent=request.headers.get("user-agent"))


def _signed_in(staff: StaffDashboard, request: Request, token: str, next_url: str) -> Response:
    response = RedirectResponse(next_url, status_code=303)
    staff.cookies.store(response, request, staff.cookies.new(token))
    return response


async def _pending(staff: StaffDashboard, request: Request) -> tuple[StaffSession | None, ActiveSession | None]:
    cookie = staff.cookies.load(request)
    return cookie, await run_in_threadpool(staff.active_session, cookie)


class _BadForm(Exception):
    """A POST without a valid CSRF token."""


async def _pending_step(staff: StaffDashboard, request: Request):
    """The session the password step started, the posted form (None on GET) and where to go next;
    _BadForm when a POST's security token is missing or stale."""
    next_url = safe_next(request.query_params.get("next") if request.method == "GET" else None)
    cookie, active = await _pending(staff, request)
    form = None
    if request.method == "POST":
        form = await request.form(**FORM_LIMITS)
        if not csrf_ok(cookie, form.get(CSRF_FIELD)):
            raise _BadForm()
        next_url = safe_next(str(form.get("next") or ""))
    return cookie, active, form, next_url


async def code_page(staff: StaffDashboard, request: Request) -> Response:
    try:
        cookie, active, form, next_url = await _pending_step(staff, request)
    except _BadForm:
        return staff.error(request, 403, "The form's security token is missing or out of date.")
    if active is None:
        return _to_login(next_url)
    if active.verified:
        return RedirectResponse(next_url, status_code=303)
    if not active.totp_enabled:
        return RedirectResponse("/staff/enrol?" + urlencode({"next": next_url}), status_code=303)
    context = {"next": next_url, "error": None}
    if request.method == "GET":
        return staff.render(request, "code.html", context, None, cookie)
    ip = staff.ip(request)
    wait = staff.throttle.retry_after(ip)
    if wait:
        return throttled(staff, request, wait, "code.html", context)
    code = str(form.get("code") or "").strip()[:40]
    settings = staff.settings

    def work(db: Session) -> tuple[str, str | None]:
        user = db.get(StaffUser, active.user_id)
        now = staff.app.now()
        if user.locked_until is not None and user.locked_until > now:
            staff.audit(db, request, user.id, "login_locked", outcome=AuditOutcome.DENIED)
            return "locked", None
        kind = check_second_factor(db, user, code, now)
        if kind is None:
            locked = count_failure(db, user, now, settings.staff_lockout_attempts, settings.staff_lockout_minutes)
            staff.audit(db, request, user.id, "login_code_failed", outcome=AuditOutcome.DENIED)
            return "locked" if locked else "invalid", None
        staff.audit(db, request, user.id, "login", detail=f"second factor: {kind} code")
        return "ok", _upgrade(staff, db, request, cookie, user.id)

    outcome, token = await staff.with_db(work)
    if outcome == "ok":
        return _signed_in(staff, request, token, next_url)
    staff.throttle.failed(ip)
    if outcome == "locked":
        context["error"] = (f"Too many failed attempts: sign-in for this account is locked for "
                            f"{settings.staff_lockout_minutes} minutes.")
        return staff.render(request, "code.html", context, None, cookie, status_code=429)
    context["error"] = "That code is not right, or was used already. Enter the current code."
    return staff.render(request, "code.html", context, None, cookie, status_code=401)


def _qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG QR code (no image request, nothing leaves the page)."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff",
                                                         title="QR code for the authenticator app"))


async def enrol_page(staff: StaffDashboard, request: Request) -> Response:
    try:
        cookie, active, form, next_url = await _pending_step(staff, request)
    except _BadForm:
        return staff.error(request, 403, "The form's security token is missing or out of date.")
    if active is None:
        return _to_login(next_url)
    if active.totp_enabled:  # enrolled already: the code step (a new enrolment is an admin reset)
        return RedirectResponse(next_url if active.verified else "/staff/login/code?" + urlencode({"next": next_url}),
                                status_code=303)
    issuer = staff.profile.name

    def page(db: Session, user: StaffUser, error: str | None, status_code: int = 200) -> Response:
        secret = pending_secret(db, user)
        return staff.render(request, "enrol.html", {
            "next": next_url, "error": error, "secret": secret,
            "qr": _qr_svg(provisioning_uri(secret, user.email, issuer)),
        }, None, cookie, status_code=status_code)

    if form is None:
        return await staff.with_db(lambda db: page(db, db.get(StaffUser, active.user_id), None))
    code = str(form.get("code") or "").strip()[:40]

    def confirm(db: Session) -> tuple[Response | None, str | None, list[str] | None]:
        user = db.get(StaffUser, active.user_id)
        codes = confirm_enrolment(db, user, code, staff.app.now())
        if codes is None:
            staff.audit(db, request, user.id, "totp_enrol_failed", outcome=AuditOutcome.DENIED)
            return page(db, user, "That code is not right. Enter the code the app shows now.", 401), None, None
        staff.audit(db, request, user.id, "totp_enrolled")
        staff.audit(db, request, user.id, "login", detail="second factor: enrolment")
        return None, _upgrade(staff, db, request, cookie, user.id), codes

    refused, token, codes = await staff.with_db(confirm)
    if refused is not None:
        staff.throttle.failed(staff.ip(request))
        return refused
    fresh = staff.cookies.new(token)
    response = staff.render(request, "recovery_codes.html", {"codes": codes, "next": next_url}, None, fresh)
    staff.cookies.store(response, request, fresh)
    return response


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [
        Route("/staff/login/code", staff.public(code_page), methods=["GET", "POST"], name="staff_login_code"),
        Route("/staff/enrol", staff.public(enrol_page), methods=["GET", "POST"], name="staff_enrol"),
    ]
