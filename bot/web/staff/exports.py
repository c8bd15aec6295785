"""The CSV export of all intakes (/staff/export.csv), audited."""
from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.adapters.exports import intakes_csv
from bot.services.staff.audit import record_audit
from bot.web.staff.base import StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession


async def export_csv(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                     session: StaffSession) -> Response:
    def work(db: Session) -> Response:
        text = intakes_csv(db, staff.tz)
        record_audit(db, user.id, "export_csv", detail="all intakes")
        stamp = staff.app.now().astimezone(staff.tz).strftime("%Y-%m-%d")
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="intakes-{stamp}.csv"',
        })

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [Route("/staff/export.csv", staff.protected(export_csv), methods=["GET"],
                  name="staff_export_csv")]
