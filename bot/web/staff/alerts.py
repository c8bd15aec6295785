"""The alerts page (/staff/alerts, grouped per intake), resolving one alert or all of an intake's."""
from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.services.staff.alerts import alerts_by_intake, resolve_alert, resolve_intake_alerts
from bot.services.staff.errors import NotFound
from bot.web.staff.base import FORM_LIMITS, StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession, safe_next


async def alerts_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                      session: StaffSession) -> Response:
    show_all = request.query_params.get("show") == "all"

    def work(db: Session) -> Response:
        staff.audit(db, request, user.id, "view_alerts", detail="all" if show_all else "open")
        return staff.render(request, "alerts.html", {
            "groups": alerts_by_intake(db, include_resolved=show_all),
            "show_all": show_all,
        }, user, session, db=db)

    return await staff.with_db(work)


async def alert_resolve(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                        session: StaffSession) -> Response:
    alert_id = request.path_params["alert_id"]
    return await _resolve_and_go_back(staff, request, user, session, lambda db: resolve_alert(db, alert_id, user.id),
                                      f"There is no alert #{alert_id}.")


async def intake_alerts_resolve(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                                session: StaffSession) -> Response:
    """Bulk resolve: every open alert of one intake."""
    intake_id = request.path_params["intake_id"]
    return await _resolve_and_go_back(staff, request, user, session,
                                      lambda db: resolve_intake_alerts(db, intake_id, user.id),
                                      f"There is no intake #{intake_id}.")


async def _resolve_and_go_back(staff: StaffDashboard, request: Request, user: StaffUserInfo, session: StaffSession,
                               resolve, missing: str) -> Response:
    """Run `resolve(db)`, then back to the page the form came from (404 with `missing` if not found)."""
    form = await request.form(**FORM_LIMITS)
    back = safe_next(str(form.get("next") or ""), default="/staff/alerts")

    def work(db: Session) -> Response:
        try:
            resolve(db)
        except NotFound:
            return staff.error(request, 404, missing, user, session, back="/staff/alerts")
        separator = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{separator}msg=resolved", status_code=303)

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [
        Route("/staff/alerts", staff.protected(alerts_page), methods=["GET"], name="staff_alerts"),
        Route("/staff/alerts/{alert_id:int}/resolve", staff.protected(alert_resolve),
              methods=["POST"], name="staff_alert_resolve"),
        Route("/staff/intakes/{intake_id:int}/alerts/resolve", staff.protected(intake_alerts_resolve),
              methods=["POST"], name="staff_intake_alerts_resolve"),
    ]
