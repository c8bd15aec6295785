"""One intake's pages: the intake with its transcript (every view audited), status changes
(cancelled also cancels its booking and mails the patient), assignment and notes. Its FHIR bundle
is an export (bot.web.staff.exports)."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters.transcripts import transcript
from bot.composition import deliver_outbox
from bot.domain.statuses import AuditOutcome, IntakeStatus
from bot.services.live import live_lines, with_live_lines
from bot.services.outbox import queue_cancellation
from bot.services.staff.errors import InvalidTransition, NotFound, StaleStatus
from bot.services.staff.intakes import (
    add_note,
    assign_intake,
    cancel_intake_bookings,
    change_status,
    intake_view,
    staff_choices,
)
from bot.web.staff.base import FORM_LIMITS, StaffDashboard, StaffUserInfo
from bot.web.staff.security import StaffSession

log = logging.getLogger(__name__)
TRANSCRIPT_ROLES = {"visitor": "Visitor", "assistant": "Assistant", "system": "Notice"}


def _turns(staff: StaffDashboard, conversation_id: str) -> tuple[list[dict[str, Any]], str | None]:
    """The transcript as the page shows it, or an explanation of why it could not be read."""
    try:
        # A unit of work of its own: a failing read must not abort the page's transaction.
        with staff.app.unit_of_work() as db:
            turns = with_live_lines(transcript(db, conversation_id), live_lines(db, conversation_id))
    except Exception:  # a tracker-store problem must not hide the rest of the intake
        log.exception("could not read the transcript of %s", conversation_id)
        return [], "The transcript could not be read; see the server log."
    return [
        {
            "visitor": turn["role"] == "visitor",
            "kind": turn["role"],
            "role": TRANSCRIPT_ROLES.get(turn["role"], "Assistant") if turn["role"] != "staff"
            else f"{turn.get('name') or 'Staff'} (staff)",
            "text": turn["text"],
            "time": turn["time"],
            "buttons": [str(button.get("title") or button.get("payload") or "")
                        for button in turn["buttons"]],
        }
        for turn in turns
    ], None


async def intake_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                      session: StaffSession) -> Response:
    intake_id = request.path_params["intake_id"]

    def work(db: Session) -> Response:
        try:
            view = intake_view(db, intake_id)
        except NotFound:
            staff.audit(db, request, user.id, "view_intake", intake_id, outcome=AuditOutcome.FAILED)
            return staff.error(request, 404, f"There is no intake #{intake_id}.", user, session,
                               back="/staff")
        turns, transcript_error = _turns(staff, view.intake.conversation_id)
        staff.audit(db, request, user.id, "view_intake", intake_id,
                    detail="transcript unreadable" if transcript_error else None)
        return staff.render(request, "intake.html", {
            "view": view,
            "intake": view.intake,
            "turns": turns,
            "transcript_error": transcript_error,
            "staff_choices": staff_choices(db),
        }, user, session, db=db)

    return await staff.with_db(work)


async def intake_status(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                        session: StaffSession) -> Response:
    intake_id = request.path_params["intake_id"]
    form = await request.form(**FORM_LIMITS)
    to_status = str(form.get("status") or "")
    expected = str(form.get("from") or "") or None
    back = f"/staff/intakes/{intake_id}"

    queued: list[int] = []

    def work(db: Session) -> Response:
        try:
            change_status(db, intake_id, to_status, user.id, expected_from=expected)
            if to_status == IntakeStatus.CANCELLED:
                context = staff.app.mail_context()
                for booking in cancel_intake_bookings(db, intake_id):
                    queued.extend(queue_cancellation(db, context, booking))
        except NotFound:
            return staff.error(request, 404, f"There is no intake #{intake_id}.", user, session,
                               back="/staff")
        except StaleStatus as exc:
            return staff.error(request, 409, f"Not changed: {exc}. Reload the page to see the "
                               "current status.", user, session, back=back)
        except InvalidTransition as exc:
            return staff.error(request, 409, f"Not changed: {exc}.", user, session, back=back)
        return RedirectResponse(f"{back}?msg=status", status_code=303)

    response = await staff.with_db(work)
    if queued:  # committed: try the patient's notice now; the outbox sender retries what fails
        await run_in_threadpool(deliver_outbox, staff.app, queued)
    return response


async def intake_assign(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                        session: StaffSession) -> Response:
    intake_id = request.path_params["intake_id"]
    form = await request.form(**FORM_LIMITS)
    raw = str(form.get("assignee") or "").strip()
    back = f"/staff/intakes/{intake_id}"
    if raw and not raw.isdigit():
        return staff.error(request, 400, "Choose a staff member from the list.", user, session, back=back)

    def work(db: Session) -> Response:
        try:
            assign_intake(db, intake_id, int(raw) if raw else None, user.id)
        except NotFound as exc:
            return staff.error(request, 404, f"Not assigned: no {exc}.", user, session, back=back)
        return RedirectResponse(f"{back}?msg=assigned", status_code=303)

    return await staff.with_db(work)


async def intake_note(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                      session: StaffSession) -> Response:
    intake_id = request.path_params["intake_id"]
    form = await request.form(**FORM_LIMITS)
    text = str(form.get("text") or "")
    back = f"/staff/intakes/{intake_id}"

    def work(db: Session) -> Response:
        try:
            add_note(db, intake_id, user.id, text)
        except NotFound:
            return staff.error(request, 404, f"There is no intake #{intake_id}.", user, session,
                               back="/staff")
        except ValueError as exc:
            return staff.error(request, 400, f"Note not added: {exc}.", user, session, back=back)
        return RedirectResponse(f"{back}?msg=note#notes", status_code=303)

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    page = staff.protected
    return [
        Route("/staff/intakes/{intake_id:int}", page(intake_page), methods=["GET"],
              name="staff_intake"),
        Route("/staff/intakes/{intake_id:int}/status", page(intake_status), methods=["POST"],
              name="staff_intake_status"),
        Route("/staff/intakes/{intake_id:int}/assign", page(intake_assign), methods=["POST"],
              name="staff_intake_assign"),
        Route("/staff/intakes/{intake_id:int}/notes", page(intake_note), methods=["POST"],
              name="staff_intake_note"),
    ]
