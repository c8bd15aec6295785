"""The patient's manage page (/manage/<token>): the link in their booking mail opens it, to move
the booking to another free time or cancel it without the chat. The signed token
(bot.adapters.manage_links) is the only credential: forged, altered or expired tokens, and
bookings no longer booked, get the same "not valid" page. Each change queues its notice in the
same unit of work and tries to send it at once."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters.manage_links import ManageClaim, read_manage_token
from bot.composition import App, deliver_outbox
from bot.domain import scheduling
from bot.services.intake import SlotTaken, cancel_linked, linked_appointment, reschedule_linked, taken_starts
from bot.services.outbox import queue_cancellation, queue_reschedule
from bot.web.staff.security import add_security_headers

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
FREE_TIMES_SHOWN = 8
FORM_LIMITS = {"max_files": 0, "max_fields": 5}


class ManagePage:
    def __init__(self, app: App):
        self.app = app
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True)

    def render(self, status_code: int = 200, **context: Any) -> Response:
        html = self.env.get_template("manage.html").render(
            clinic_name=self.app.profile.name, text=self.words, **context)
        response = add_security_headers(HTMLResponse(html, status_code=status_code))
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
        return response

    def words(self, name: str, **values: Any) -> str:
        """The page's wording: `manage_page.<name>` in the catalog."""
        return self.app.wording.text(f"manage_page.{name}", **values)

    def claim(self, request: Request) -> Optional[ManageClaim]:
        return read_manage_token(self.app.settings, request.path_params["token"])

    def offerable(self, start, now) -> bool:
        """A time the page could have offered: a slot start, after the notice, within the horizon."""
        profile = self.app.profile
        return (start is not None and scheduling.is_bookable_start(profile, start)
                and start >= now + scheduling.min_notice(profile)
                and start.astimezone(profile.timezone).date() <= scheduling.last_bookable_day(profile, now))

    def invalid(self) -> Response:
        return self.render(404, invalid=True)

    async def show(self, request: Request) -> Response:
        claim = self.claim(request)
        if claim is None:
            return self.invalid()

        def work():
            with self.app.unit_of_work() as session:
                booking = linked_appointment(session, claim.appointment_id, claim.reference)
                now = self.app.now()
                taken = taken_starts(session, self.app.profile, now)
            if booking is None or booking.start <= now:
                return None, []
            return booking, scheduling.free_slots(self.app.profile, taken, now, limit=FREE_TIMES_SHOWN)

        booking, free = await run_in_threadpool(work)
        if booking is None:
            return self.invalid()
        notice = {"moved": "moved", "taken": "just_taken"}.get(
            request.query_params.get("done", ""))
        return self.render(
            invalid=False, notice=notice, when=scheduling.describe_slot(self.app.profile, booking.start),
            reference=booking.reference, token=request.path_params["token"],
            slots=[(scheduling.slot_payload(start), scheduling.describe_slot(self.app.profile, start))
                   for start in free],
        )

    async def cancel(self, request: Request) -> Response:
        claim = self.claim(request)
        if claim is None:
            return self.invalid()

        def work():
            with self.app.unit_of_work(for_write=True) as session:
                booking = linked_appointment(session, claim.appointment_id, claim.reference)
                if booking is None or booking.start <= self.app.now():
                    return None, []
                booking = cancel_linked(session, claim.appointment_id, claim.reference)
                queued = queue_cancellation(session, self.app.mail_context(), booking)
            deliver_outbox(self.app, queued)
            return booking, queued

        booking, _ = await run_in_threadpool(work)
        if booking is None:
            return self.invalid()
        return self.render(invalid=False, cancelled=True,
                           when=scheduling.describe_slot(self.app.profile, booking.start))

    async def move(self, request: Request) -> Response:
        claim = self.claim(request)
        if claim is None:
            return self.invalid()
        form = await request.form(**FORM_LIMITS)
        start = scheduling.parse_slot_payload(str(form.get("start") or ""))
        back = f"/manage/{request.path_params['token']}"

        def work():
            now = self.app.now()
            if not self.offerable(start, now):
                return "taken"
            try:
                with self.app.unit_of_work(for_write=True) as session:
                    current = linked_appointment(session, claim.appointment_id, claim.reference)
                    if current is None or current.start <= now:
                        return "invalid"
                    booking = reschedule_linked(session, self.app.profile, claim.appointment_id, claim.reference,
                                                start)
                    queued = queue_reschedule(session, self.app.mail_context(), booking)
            except SlotTaken:
                return "taken"
            deliver_outbox(self.app, queued)
            return "moved"

        outcome = await run_in_threadpool(work)
        if outcome == "invalid":
            return self.invalid()
        return RedirectResponse(f"{back}?done={outcome}", status_code=303)


def routes(app: App) -> list[BaseRoute]:
    page = ManagePage(app)
    return [
        Route("/manage/{token}", page.show, methods=["GET"], name="manage"),
        Route("/manage/{token}/cancel", page.cancel, methods=["POST"], name="manage_cancel"),
        Route("/manage/{token}/move", page.move, methods=["POST"], name="manage_move"),
    ]
