"""The appointments page (/staff/appointments): one clinic-local day, or an ISO week."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.services.staff.appointments import (
    appointments_between,
    day_bounds,
    group_by_local_day,
    parse_week,
    week_start,
)
from bot.web.staff.base import StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession


async def appointments_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                            session: StaffSession) -> Response:
    params = request.query_params
    today = staff.app.now().astimezone(staff.tz).date()
    try:
        if params.get("week"):
            first = parse_week(params["week"])
            days = [first + timedelta(days=offset) for offset in range(7)]
            mode, step = "week", timedelta(days=7)
        else:
            first = date.fromisoformat(params["day"]) if params.get("day") else today
            days = [first]
            mode, step = "day", timedelta(days=1)
    except (ValueError, KeyError):
        return staff.error(request, 400, "Give the day as YYYY-MM-DD and the week as "
                           "YYYY-MM-DD or YYYY-Www.", user, session, back="/staff/appointments")
    start = day_bounds(days[0], staff.tz)[0]
    end = day_bounds(days[-1], staff.tz)[1]

    def work(db: Session) -> Response:
        appointments = appointments_between(db, start, end)
        staff.audit(db, request, user.id, "view_appointments", detail=f"{mode} of {first.isoformat()}")
        return staff.render(request, "appointments.html", {
            "mode": mode,
            "days": days,
            "grouped": group_by_local_day(appointments, staff.tz, days),
            "count": len(appointments),
            "today": today,
            "prev_url": f"/staff/appointments?{mode}={(first - step).isoformat()}",
            "next_url": f"/staff/appointments?{mode}={(first + step).isoformat()}",
            "day_url": f"/staff/appointments?day={first.isoformat()}",
            "week_url": f"/staff/appointments?week={week_start(first).isoformat()}",
        }, user, session, db=db)

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [Route("/staff/appointments", staff.protected(appointments_page), methods=["GET"],
                  name="staff_appointments")]
