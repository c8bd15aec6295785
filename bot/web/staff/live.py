"""The Live page (/staff/live): conversations handed to staff (bot.services.live). A staff member
takes a waiting chat, replies (the visitor's widget shows the line within a second or two), and
hands it back to the assistant. The nav's badge and the chat view poll small JSON endpoints
(staff-live.js); every change is a CSRF-checked POST and is audited by the service."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.services.live import (
    LiveChatClosed,
    chat_view,
    expire_overdue,
    hand_back,
    live_chats,
    live_lines_of_chat,
    reply,
    take,
    waiting_count,
)
from bot.services.staff.errors import NotFound
from bot.web.staff.base import FORM_LIMITS, StaffDashboard, StaffUserInfo, int_param
from bot.web.staff.security import StaffSession

SCRIPT = Path(__file__).resolve().parent.parent / "static" / "staff-live.js"
MAX_REPLY_CHARS = 2000


def _expire(staff: StaffDashboard, db: Session) -> None:
    app = staff.app
    expire_overdue(db, app.wording, app.now(), app.settings.live_wait_seconds)


async def live_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                    session: StaffSession) -> Response:
    def work(db: Session) -> Response:
        _expire(staff, db)
        staff.audit(db, request, user.id, "view_live")
        return staff.render(request, "live.html", {
            "rows": live_chats(db, staff.app.now()), "wait_seconds": staff.settings.live_wait_seconds,
        }, user, session, db=db)

    return await staff.with_db(work)


async def live_chat_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                         session: StaffSession) -> Response:
    chat_id = request.path_params["chat_id"]

    def work(db: Session) -> Response:
        _expire(staff, db)
        try:
            chat, lines = chat_view(db, chat_id)
        except NotFound:
            return staff.error(request, 404, f"There is no live chat #{chat_id}.", user, session, back="/staff/live")
        # The chat's one-second poll (chat_lines) reads what this view opened: audited here, once.
        staff.audit(db, request, user.id, "view_live_chat", chat.intake_id, f"live chat #{chat.id}")
        return staff.render(request, "live_chat.html", {
            "chat": chat, "lines": lines, "mine": chat.taken_by_id == user.id,
            "after": max([0, *(line.id for line in lines)]),
        }, user, session, db=db)

    return await staff.with_db(work)


async def _change(staff: StaffDashboard, request: Request, user: StaffUserInfo, session: StaffSession,
                  change) -> Response:
    """Run `change(db, chat_id, form)`, then back to the chat view (or an error page)."""
    chat_id = request.path_params["chat_id"]
    form = await request.form(**FORM_LIMITS)

    def work(db: Session) -> Response:
        try:
            change(db, chat_id, form)
        except NotFound:
            return staff.error(request, 404, f"There is no live chat #{chat_id}.", user, session, back="/staff/live")
        except LiveChatClosed:
            return staff.error(request, 409, "This chat has ended or another staff member has it.", user, session,
                               back=f"/staff/live/{chat_id}")
        except ValueError as problem:
            return staff.error(request, 400, str(problem), user, session, back=f"/staff/live/{chat_id}")
        return RedirectResponse(f"/staff/live/{chat_id}", status_code=303)

    return await staff.with_db(work)


async def take_chat(staff: StaffDashboard, request: Request, user: StaffUserInfo, session: StaffSession) -> Response:
    return await _change(staff, request, user, session,
                         lambda db, chat_id, form: take(db, chat_id, user.id, staff.app.now()))


def _reply_text(form) -> str:
    text = str(form.get("text") or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValueError("Type a reply first.")
    if len(text) > MAX_REPLY_CHARS:
        raise ValueError(f"A reply can be at most {MAX_REPLY_CHARS} characters.")
    return text


async def reply_chat(staff: StaffDashboard, request: Request, user: StaffUserInfo, session: StaffSession) -> Response:
    return await _change(staff, request, user, session,
                         lambda db, chat_id, form: reply(db, chat_id, user.id, _reply_text(form), staff.app.now()))


async def hand_back_chat(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                         session: StaffSession) -> Response:
    return await _change(staff, request, user, session,
                         lambda db, chat_id, form: hand_back(db, chat_id, user.id, staff.app.wording, staff.app.now()))


async def chat_lines(staff: StaffDashboard, request: Request, user: StaffUserInfo, session: StaffSession) -> Response:
    """The chat view's poll: lines after `after`, and the chat's status."""
    chat_id = request.path_params["chat_id"]
    after = int_param(request.query_params.get("after"), 0, minimum=0)

    def work(db: Session) -> Response:
        try:
            chat, _ = chat_view(db, chat_id)
        except NotFound:
            return JSONResponse({"error": "not found"}, status_code=404)
        lines = live_lines_of_chat(db, chat_id, after)
        shown = staff.env.filters["datetime"]  # the clinic's time, as the page itself shows it
        return JSONResponse({"status": chat.status.value,
                             "lines": [{**line.as_json(), "shown": shown(line.at)} for line in lines]})

    return await staff.with_db(work)


async def waiting(staff: StaffDashboard, request: Request, user: StaffUserInfo, session: StaffSession) -> Response:
    """The nav badge's poll: how many chats wait for a person."""
    def work(db: Session) -> Response:
        _expire(staff, db)
        return JSONResponse({"waiting": waiting_count(db)})

    return await staff.with_db(work)


async def script(staff: StaffDashboard, request: Request) -> Response:
    response = FileResponse(SCRIPT, media_type="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    protected = staff.protected
    return [
        Route("/staff/live", protected(live_page), methods=["GET"], name="staff_live"),
        Route("/staff/live/waiting.json", protected(waiting, api=True), methods=["GET"], name="staff_live_waiting"),
        Route("/staff/live/{chat_id:int}", protected(live_chat_page), methods=["GET"], name="staff_live_chat"),
        Route("/staff/live/{chat_id:int}/lines.json", protected(chat_lines, api=True), methods=["GET"],
              name="staff_live_lines"),
        Route("/staff/live/{chat_id:int}/take", protected(take_chat), methods=["POST"], name="staff_live_take"),
        Route("/staff/live/{chat_id:int}/reply", protected(reply_chat), methods=["POST"], name="staff_live_reply"),
        Route("/staff/live/{chat_id:int}/hand-back", protected(hand_back_chat), methods=["POST"],
              name="staff_live_hand_back"),
        Route("/staff/static/staff-live.js", staff.public(script, cacheable=True), methods=["GET"],
              name="staff_live_js"),
    ]
