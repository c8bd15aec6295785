"""The intake queue page (/staff): search and filters, urgent alerts pinned on top, paging, and the
export of what the filters show (for administrators). Every view is audited with its filters."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.services.staff.intakes import staff_choices
from bot.services.staff.queue import QUEUE_PAGE_SIZE, QueueFilters, queue, safety_flag_values
from bot.web.staff.base import StaffDashboard, StaffUserInfo, int_param
from bot.web.staff.exports import describe_filters
from bot.web.staff.security import StaffSession


async def queue_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                     session: StaffSession) -> Response:
    params = request.query_params
    filters = QueueFilters.from_params(params, staff.profile.concerns.keys(), me=user.id)
    page = int_param(params.get("page"), 1)
    size = QUEUE_PAGE_SIZE

    def work(db: Session) -> Response:
        rows, total = queue(db, filters, staff.tz, limit=size, offset=(page - 1) * size)
        staff.audit(db, request, user.id, "view_queue", detail=f"{describe_filters(filters)}; page {page}")
        base = filters.as_params()
        return staff.render(request, "queue.html", {
            "rows": rows,
            "total": total,
            "filters": filters,
            "concerns": staff.profile.concerns,
            "safety_values": safety_flag_values(db),
            "staff_choices": staff_choices(db),
            "export_url": "/staff/export.csv" + ("?" + urlencode(base) if base else ""),
            "prev_url": "/staff?" + urlencode({**base, "page": page - 1}) if page > 1 else None,
            "next_url": "/staff?" + urlencode({**base, "page": page + 1})
            if page * size < total else None,
            "page": page,
        }, user, session, db=db)

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [Route("/staff", staff.protected(queue_page), methods=["GET"], name="staff_queue")]
