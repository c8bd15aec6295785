"""The CSV export of the intakes the queue's filters show (/staff/export.csv?status=...; no filter:
all), audited with the filters."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.adapters.exports import intakes_csv
from bot.services.staff.audit import record_audit
from bot.services.staff.queue import QueueFilters, filtered_intake_ids
from bot.web.staff.base import StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession


async def export_csv(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                     session: StaffSession) -> Response:
    filters = QueueFilters.from_params(request.query_params, staff.profile.concerns.keys(), me=user.id)
    chosen = filters.as_params()

    def work(db: Session) -> Response:
        ids = filtered_intake_ids(db, filters, staff.tz) if chosen else None
        text = intakes_csv(db, staff.tz, ids)
        record_audit(db, user.id, "export_csv", detail=urlencode(chosen) if chosen else "all intakes")
        stamp = staff.app.now().astimezone(staff.tz).strftime("%Y-%m-%d")
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="intakes-{stamp}.csv"',
        })

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [Route("/staff/export.csv", staff.protected(export_csv), methods=["GET"],
                  name="staff_export_csv")]
