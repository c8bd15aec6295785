"""The exports, for administrators only: the CSV of the intakes the queue's filters show
(/staff/export.csv; no filter: all) and one intake's FHIR bundle (/staff/intakes/ID/fhir.json).

A GET shows only a confirmation form; the file comes from the POST, which carries the CSRF token
and needs the user's password or a fresh sign-in code unless one was entered in the last
STAFF_REAUTH_MINUTES (a stolen, still-open session cannot download the patient list). Every
download and every refusal is audited.
"""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters.exports import IntakeNotFound, intake_fhir_bundle, intakes_csv
from bot.adapters.models import StaffUser
from bot.domain.passwords import MAX_PASSWORD_LENGTH
from bot.domain.statuses import AuditOutcome
from bot.services.staff.queue import QueueFilters, filtered_intake_ids
from bot.services.staff.second_factor import check_second_factor
from bot.services.staff.sessions import mark_reauthenticated
from bot.services.staff_accounts import verify_password
from bot.web.staff.base import FORM_LIMITS, StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession


def describe_filters(filters: QueueFilters) -> str:
    """The filters for the audit log; a search text may be a patient's name, so only its presence."""
    chosen = filters.as_params()
    if "q" in chosen:
        chosen["q"] = "(search text)"
    return "&".join(f"{key}={value}" for key, value in chosen.items()) or "all intakes"


def reauthenticated(staff: StaffDashboard, db: Session, user: StaffUserInfo, form: FormData) -> bool:
    """True when the user re-entered their password or a code lately or in this form (then noted)."""
    now = staff.app.now()
    window = timedelta(minutes=staff.settings.staff_reauth_minutes)
    if user.reauthenticated_at is not None and now - user.reauthenticated_at <= window:
        return True
    account = db.get(StaffUser, user.id)
    password = str(form.get("password") or "")[:MAX_PASSWORD_LENGTH]
    code = str(form.get("code") or "").strip()[:10]
    ok = (bool(password) and verify_password(account.password_hash, password)) or (
        bool(code) and account.totp_enabled_at is not None and check_second_factor(db, account, code, now) == "totp")
    if ok:
        mark_reauthenticated(db, user.session_id, now)
    return ok


async def _export(staff: StaffDashboard, request: Request, user: StaffUserInfo, session: StaffSession, *,
                  title: str, fields: Mapping[str, str], action: str, intake_id: int | None, detail: str,
                  produce: Callable[[Session], Response]) -> Response:
    """The confirmation form (GET, or a POST without a valid re-authentication), or the file."""
    form = await request.form(**FORM_LIMITS) if request.method == "POST" else None
    context: dict[str, Any] = {"title": title, "fields": list(fields.items()), "action": request.url.path,
                               "error": None}

    def work(db: Session) -> Response:
        if form is None:
            return staff.render(request, "reauth.html", context, user, session, db=db)
        if not reauthenticated(staff, db, user, form):
            staff.audit(db, request, user.id, action, intake_id, detail, outcome=AuditOutcome.DENIED)
            context["error"] = "That password or code is not right."
            return staff.render(request, "reauth.html", context, user, session, status_code=403, db=db)
        response = produce(db)
        outcome = AuditOutcome.OK if response.status_code < 400 else AuditOutcome.FAILED
        staff.audit(db, request, user.id, action, intake_id, detail, outcome=outcome)
        return response

    response = await staff.with_db(work)
    if form is not None and response.status_code == 403:  # counts as a failed sign-in step
        staff.throttle.failed(staff.ip(request))
    return response


async def export_csv(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                     session: StaffSession) -> Response:
    params = request.query_params if request.method == "GET" else await request.form(**FORM_LIMITS)
    filters = QueueFilters.from_params(params, staff.profile.concerns.keys(), me=user.id)
    chosen = filters.as_params()

    def produce(db: Session) -> Response:
        ids = filtered_intake_ids(db, filters, staff.tz) if chosen else None
        text = intakes_csv(db, staff.tz, ids)
        stamp = staff.app.now().astimezone(staff.tz).strftime("%Y-%m-%d")
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="intakes-{stamp}.csv"',
        })

    title = "Export " + ("the intakes the filter shows" if chosen else "all intakes") + " as CSV"
    return await _export(staff, request, user, session, title=title, fields=chosen, action="export_csv",
                         intake_id=None, detail=describe_filters(filters), produce=produce)


async def export_fhir(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                      session: StaffSession) -> Response:
    intake_id = request.path_params["intake_id"]

    def produce(db: Session) -> Response:
        try:
            bundle = intake_fhir_bundle(db, intake_id, staff.profile)
        except IntakeNotFound:
            return JSONResponse({"error": f"no intake {intake_id}"}, status_code=404)
        body = json.dumps(bundle, default=str, ensure_ascii=False, indent=2)
        return Response(body, media_type="application/fhir+json", headers={
            "Content-Disposition": f'attachment; filename="intake-{intake_id}-fhir.json"',
        })

    return await _export(staff, request, user, session, title=f"Export intake #{intake_id} as FHIR JSON",
                         fields={}, action="export_fhir", intake_id=intake_id, detail="FHIR bundle",
                         produce=produce)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [
        Route("/staff/export.csv", staff.protected(export_csv, admin=True), methods=["GET", "POST"],
              name="staff_export_csv"),
        Route("/staff/intakes/{intake_id:int}/fhir.json", staff.protected(export_fhir, admin=True, api=True),
              methods=["GET", "POST"], name="staff_intake_fhir"),
    ]
