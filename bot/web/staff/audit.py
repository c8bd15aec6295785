"""The audit log page (/staff/audit), for administrators: filtered by intake or action, paged."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.services.staff.audit import audit_entries
from bot.web.staff.base import StaffDashboard, StaffUserInfo, int_param
from bot.web.staff.security import StaffSession

AUDIT_PAGE_SIZE = 100


async def audit_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                     session: StaffSession) -> Response:
    params = request.query_params
    page = int_param(params.get("page"), 1)
    intake_id = int_param(params.get("intake"), 0, minimum=0) or None
    action = (params.get("action") or "").strip()[:64] or None

    def work(db: Session) -> Response:
        staff.audit(db, request, user.id, "view_audit", intake_id, f"action={action}" if action else None)
        rows, total = audit_entries(
            db, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE,
            intake_id=intake_id, action=action,
        )
        base = {key: value for key, value in (("intake", intake_id), ("action", action)) if value}
        return staff.render(request, "audit.html", {
            "rows": rows,
            "total": total,
            "intake_filter": intake_id,
            "action_filter": action or "",
            "prev_url": "/staff/audit?" + urlencode({**base, "page": page - 1})
            if page > 1 else None,
            "next_url": "/staff/audit?" + urlencode({**base, "page": page + 1})
            if page * AUDIT_PAGE_SIZE < total else None,
        }, user, session, db=db)

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [Route("/staff/audit", staff.protected(audit_page, admin=True), methods=["GET"],
                  name="staff_audit")]
