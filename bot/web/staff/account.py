"""The signed-in user's own account page (/staff/account): changing the password, under the same
policy as `staff add-user` (bot.domain.passwords). A change signs the user out everywhere, this
browser included; they sign in again with the new password."""
from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.domain.statuses import AuditOutcome
from bot.services.staff_accounts import PasswordPolicyError, change_password
from bot.web.staff.base import FORM_LIMITS, StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession


async def account_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                       session: StaffSession) -> Response:
    return staff.render(request, "account.html", {"error": None}, user, session)


async def password_change(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                          session: StaffSession) -> Response:
    form = await request.form(**FORM_LIMITS)
    current, new = str(form.get("current") or ""), str(form.get("new") or "")
    if new != str(form.get("repeat") or ""):
        return staff.render(request, "account.html", {"error": "The two new passwords differ."}, user, session,
                            status_code=400)

    def work(db: Session) -> str | None:
        try:
            change_password(db, user.id, current, new)
        except PasswordPolicyError as exc:
            return str(exc)
        staff.audit(db, request, user.id, "password_changed", detail="own password; every session ended")
        return None

    problem = await staff.with_db(work)
    if problem:
        await staff.with_db(lambda db: staff.audit(db, request, user.id, "password_change_refused",
                                                   outcome=AuditOutcome.DENIED))
        return staff.render(request, "account.html", {"error": f"Not changed: {problem}."}, user, session,
                            status_code=400)
    response = RedirectResponse("/staff/login", status_code=303)
    staff.cookies.clear(response, request)
    return response


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [
        Route("/staff/account", staff.protected(account_page), methods=["GET"], name="staff_account"),
        Route("/staff/account/password", staff.protected(password_change), methods=["POST"],
              name="staff_password_change"),
    ]
