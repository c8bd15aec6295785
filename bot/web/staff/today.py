"""The Today page (/staff/today): the front desk's day on one screen, in the clinic's time zone."""
from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.services.staff.today import today_view
from bot.web.staff.base import StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession


async def today_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                     session: StaffSession) -> Response:
    def work(db: Session) -> Response:
        staff.audit(db, request, user.id, "view_today")
        return staff.render(request, "today.html", {"today": today_view(db, staff.tz, staff.app.now())},
                            user, session, db=db)

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [Route("/staff/today", staff.protected(today_page), methods=["GET"], name="staff_today")]
