"""Request handlers of the staff dashboard. Business logic lives in bot.services.staff.* and
bot.services.staff_accounts; this module parses requests, checks sign-in and CSRF, and renders templates.

Database work runs in the thread pool, one `session_scope` per request, and pages are rendered
inside that unit of work (so nothing is lazily loaded from a closed session).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from bot.adapters.db import engine_for, session_scope, utcnow
from bot.adapters.models import INTAKE_STATUSES, Intake, StaffUser
from bot.domain.profile import ClinicProfile, cached_profile
from bot.services.readout import answer_in_words
from bot.services.staff.alerts import alerts_list, open_alert_counts, resolve_alert
from bot.services.staff.appointments import (
    appointments_between,
    day_bounds,
    group_by_local_day,
    parse_week,
    week_start,
)
from bot.services.staff.audit import audit_entries, record_audit
from bot.services.staff.errors import InvalidTransition, NotFound, StaleStatus
from bot.services.staff.intakes import add_note, change_status, intake_view
from bot.services.staff.queue import QUEUE_PAGE_SIZE, QueueFilters, queue, safety_flag_values
from bot.services.staff_accounts import authenticate
from bot.settings import Settings
from bot.web.staff.security import (
    CSRF_FIELD,
    SessionCookies,
    StaffSession,
    add_security_headers,
    csrf_ok,
    password_fingerprint,
    safe_next,
)

log = logging.getLogger(__name__)
_UTC = timezone.utc  # noqa: UP017 (datetime.UTC is Python 3.11+; this runs on 3.10)

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
STYLESHEET = WEB_DIR / "static" / "staff.css"
AUDIT_PAGE_SIZE = 100
FORM_LIMITS = {"max_files": 0, "max_fields": 20}

MESSAGES = {
    "status": "Status changed.",
    "note": "Note added.",
    "resolved": "Alert resolved.",
}
STATUS_LABELS = {
    "new": "New",
    "reviewed": "Reviewed",
    "contacted": "Contacted",
    "booked": "Booked",
    "closed": "Closed",
}


@dataclass(frozen=True)
class StaffUserInfo:
    id: int
    email: str
    is_admin: bool


Handler = Callable[[Request, StaffUserInfo, StaffSession], Awaitable[Response]]


# --- formatting ----------------------------------------------------------------------------------


def _clock(value: datetime) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def _as_datetime(value: Any) -> datetime | None:
    """A transcript time (datetime, epoch seconds or ISO text) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=_UTC)
    if isinstance(value, str):
        if value.endswith("Z"):  # Python 3.10's fromisoformat does not read "Z"
            value = value[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=_UTC)
    return None


def make_environment(tz: ZoneInfo, profile: ClinicProfile) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def local(value: Any) -> datetime | None:
        value = _as_datetime(value)
        return value.astimezone(tz) if value else None

    def fmt_datetime(value: Any) -> str:
        value = local(value)
        if value is None:
            return "-"
        return f"{value:%a %d %b %Y}, {_clock(value)} {value.tzname()}"

    def fmt_time(value: Any) -> str:
        value = local(value)
        return _clock(value) if value else "-"

    def fmt_date(value: Any) -> str:
        if isinstance(value, datetime):
            value = local(value)
        return f"{value:%a %d %b %Y}" if value else "-"

    def concern_name(key: str | None) -> str:
        if not key:
            return "-"
        concern = profile.concerns.get(key)
        return concern.display_name if concern else key

    env.filters.update(
        datetime=fmt_datetime,
        time=fmt_time,
        date=fmt_date,
        concern=concern_name,
        answer=answer_in_words,
        label=lambda value: str(value or "").replace("_", " "),
        status_label=lambda value: STATUS_LABELS.get(value, value),
    )
    env.globals.update(
        INTAKE_STATUSES=INTAKE_STATUSES, STATUS_LABELS=STATUS_LABELS, CSRF_FIELD=CSRF_FIELD
    )
    return env


def _int_param(value: str | None, default: int, minimum: int = 1) -> int:
    try:
        return max(minimum, int(value)) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


# --- the dashboard ---------------------------------------------------------------------------


class StaffDashboard:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.cookies = SessionCookies(settings.secret_key, settings.cookie_secure)
        self._env: Environment | None = None

    # shared resources, created on first use (the profile is validated at start-up elsewhere)
    @property
    def engine(self):
        return engine_for(self.settings.database_url)

    @property
    def profile(self) -> ClinicProfile:
        return cached_profile(str(self.settings.clinic_profile))

    @property
    def tz(self) -> ZoneInfo:
        return self.profile.timezone

    @property
    def env(self) -> Environment:
        if self._env is None:
            self._env = make_environment(self.tz, self.profile)
        return self._env

    def routes(self) -> list[BaseRoute]:
        p = self._protected
        return [
            Route("/staff/login", self.login, methods=["GET", "POST"], name="staff_login"),
            Route("/staff/logout", self.logout, methods=["POST"], name="staff_logout"),
            Route("/staff/static/staff.css", self.stylesheet, methods=["GET"], name="staff_css"),
            Route("/staff", p(self.queue_page), methods=["GET"], name="staff_queue"),
            Route("/staff/intakes/{intake_id:int}", p(self.intake_page), methods=["GET"],
                  name="staff_intake"),
            Route("/staff/intakes/{intake_id:int}/status", p(self.intake_status),
                  methods=["POST"], name="staff_intake_status"),
            Route("/staff/intakes/{intake_id:int}/notes", p(self.intake_note), methods=["POST"],
                  name="staff_intake_note"),
            Route("/staff/intakes/{intake_id:int}/fhir.json", p(self.intake_fhir, api=True),
                  methods=["GET"], name="staff_intake_fhir"),
            Route("/staff/appointments", p(self.appointments_page), methods=["GET"],
                  name="staff_appointments"),
            Route("/staff/alerts", p(self.alerts_page), methods=["GET"], name="staff_alerts"),
            Route("/staff/alerts/{alert_id:int}/resolve", p(self.alert_resolve),
                  methods=["POST"], name="staff_alert_resolve"),
            Route("/staff/export.csv", p(self.export_csv), methods=["GET"],
                  name="staff_export_csv"),
            Route("/staff/audit", p(self.audit_page, admin=True), methods=["GET"],
                  name="staff_audit"),
        ]

    # --- plumbing --------------------------------------------------------------------------

    async def _db(self, work: Callable[[Session], Response]) -> Response:
        def run() -> Response:
            with session_scope(self.engine) as session:
                return work(session)

        return await run_in_threadpool(run)

    def _load_user(self, session: StaffSession | None) -> StaffUserInfo | None:
        if session is None or session.uid is None:
            return None
        with session_scope(self.engine) as db:
            user = db.get(StaffUser, session.uid)
            if user is None or password_fingerprint(user.password_hash) != session.fingerprint:
                return None
            return StaffUserInfo(user.id, user.email, bool(user.is_admin))

    def _render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        user: StaffUserInfo | None,
        session: StaffSession | None,
        status_code: int = 200,
    ) -> HTMLResponse:
        values: dict[str, Any] = {
            "user": user,
            "csrf_token": session.csrf if session else "",
            "clinic_name": self.profile.name,
            "alert_counts": (0, 0),
            "message": MESSAGES.get(request.query_params.get("msg", "")),
            "nav": request.url.path,
        }
        values.update(context)
        html = self.env.get_template(f"staff/{template}").render(**values)
        return add_security_headers(HTMLResponse(html, status_code=status_code))

    def _error(
        self,
        request: Request,
        status_code: int,
        message: str,
        user: StaffUserInfo | None = None,
        session: StaffSession | None = None,
        back: str | None = None,
    ) -> HTMLResponse:
        return self._render(
            request, "error.html", {"status_code": status_code, "error": message, "back": back},
            user, session, status_code=status_code,
        )

    def _protected(self, handler: Handler, *, admin: bool = False, api: bool = False):
        """Wrap a handler: CSRF on POST, a signed-in user (else 303 to login / 401), admin check."""

        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            session = self.cookies.load(request)
            if request.method == "POST":
                form = await request.form(**FORM_LIMITS)
                if not csrf_ok(session, form.get(CSRF_FIELD)):
                    return self._error(
                        request, 403,
                        "The form's security token is missing or out of date. Go back, reload "
                        "the page and try again.",
                    )
            user = await run_in_threadpool(self._load_user, session)
            if user is None:
                if request.method in ("GET", "HEAD") and not api:
                    target = request.url.path
                    if request.url.query:
                        target += "?" + request.url.query
                    return add_security_headers(RedirectResponse(
                        "/staff/login?" + urlencode({"next": target}), status_code=303
                    ))
                if api:
                    return add_security_headers(
                        JSONResponse({"error": "sign in required"}, status_code=401)
                    )
                return add_security_headers(
                    PlainTextResponse("Sign in required: /staff/login", status_code=401)
                )
            if admin and not user.is_admin:
                return self._error(request, 403, "This page is for administrators.", user, session)
            response = await handler(request, user, session)
            return add_security_headers(response)

        return endpoint

    # --- sign-in -------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        session = self.cookies.load(request)
        if request.method == "GET":
            next_url = safe_next(request.query_params.get("next"))
            if await run_in_threadpool(self._load_user, session) is not None:
                return add_security_headers(RedirectResponse(next_url, status_code=303))
            fresh = session is None or session.uid is not None
            if fresh:
                session = self.cookies.new()
            response = self._render(
                request, "login.html", {"next": next_url, "error": None, "email": ""}, None, session
            )
            if fresh:
                self.cookies.store(response, request, session)
            return response

        form = await request.form(**FORM_LIMITS)
        if not csrf_ok(session, form.get(CSRF_FIELD)):
            return self._error(
                request, 403,
                "The sign-in form's security token is missing or out of date. Reload the page "
                "and try again (cookies must be enabled).",
            )
        email = str(form.get("email") or "")[:254]
        password = str(form.get("password") or "")
        next_url = safe_next(str(form.get("next") or ""))
        attempts = self.settings.staff_lockout_attempts
        minutes = self.settings.staff_lockout_minutes

        def work(db: Session) -> tuple[str, int | None, str | None]:
            result = authenticate(db, email, password, attempts, minutes)
            uid = result.user.id if result.user is not None else None
            if result.ok:
                record_audit(db, uid, "login")
                return "ok", uid, password_fingerprint(result.user.password_hash)
            action = "login_locked" if result.outcome == "locked" else "login_failed"
            record_audit(db, uid, action, detail=None if uid else "unknown e-mail")
            return result.outcome, None, None

        def run():
            with session_scope(self.engine) as db:
                return work(db)

        outcome, uid, fingerprint = await run_in_threadpool(run)
        if outcome == "ok":
            response = RedirectResponse(next_url, status_code=303)
            self.cookies.store(response, request, self.cookies.new(uid, fingerprint))
            return add_security_headers(response)
        if outcome == "locked":
            error = (
                f"Too many failed sign-in attempts: sign-in for this e-mail is locked for "
                f"{minutes} minutes. Try again later, or ask an administrator to reset the "
                "password."
            )
            status_code = 429
        else:
            error = "The e-mail or password is not right."
            status_code = 401
        return self._render(
            request, "login.html", {"next": next_url, "error": error, "email": email}, None,
            session, status_code=status_code,
        )

    async def logout(self, request: Request) -> Response:
        session = self.cookies.load(request)
        form = await request.form(**FORM_LIMITS)
        if not csrf_ok(session, form.get(CSRF_FIELD)):
            return self._error(request, 403, "The form's security token is missing or out of date.")
        if session.uid is not None:
            uid = session.uid

            def run() -> None:
                with session_scope(self.engine) as db:
                    if db.get(StaffUser, uid) is not None:
                        record_audit(db, uid, "logout")

            await run_in_threadpool(run)
        response = RedirectResponse("/staff/login", status_code=303)
        self.cookies.clear(response, request)
        return add_security_headers(response)

    async def stylesheet(self, request: Request) -> Response:
        response = FileResponse(STYLESHEET, media_type="text/css")
        response.headers["Cache-Control"] = "public, max-age=300"
        return add_security_headers(response, cacheable=True)

    # --- pages -----------------------------------------------------------------------------

    async def queue_page(self, request: Request, user: StaffUserInfo, session: StaffSession):
        params = request.query_params
        filters = QueueFilters.from_params(params, self.profile.concerns.keys())
        page = _int_param(params.get("page"), 1)
        size = QUEUE_PAGE_SIZE

        def work(db: Session) -> Response:
            rows, total = queue(db, filters, self.tz, limit=size, offset=(page - 1) * size)
            base = filters.as_params()
            return self._render(request, "queue.html", {
                "rows": rows,
                "total": total,
                "filters": filters,
                "concerns": self.profile.concerns,
                "safety_values": safety_flag_values(db),
                "alert_counts": open_alert_counts(db),
                "prev_url": "/staff?" + urlencode({**base, "page": page - 1}) if page > 1 else None,
                "next_url": "/staff?" + urlencode({**base, "page": page + 1})
                if page * size < total else None,
                "page": page,
            }, user, session)

        return await self._db(work)

    def _transcript(self, conversation_id: str) -> tuple[list[dict[str, Any]], str | None]:
        try:
            from bot.adapters.transcripts import transcript
        except ImportError:
            return [], "The transcript reader (bot.adapters.transcripts) is not installed in this checkout."
        try:
            # A unit of work of its own: a failing read must not abort the page's transaction.
            with session_scope(self.engine) as db:
                turns = transcript(db, conversation_id) or []
        except Exception:  # a tracker-store problem must not hide the rest of the intake
            log.exception("could not read the transcript of %s", conversation_id)
            return [], "The transcript could not be read; see the server log."
        result = []
        for turn in turns:
            get = turn.get if isinstance(turn, dict) else (lambda key, obj=turn: getattr(obj, key, None))
            role = str(get("role") or "").lower()
            result.append({
                "visitor": role in ("user", "visitor"),
                "role": "Visitor" if role in ("user", "visitor") else "Assistant",
                "text": "" if get("text") is None else str(get("text")),
                "time": _as_datetime(get("time")),
                "buttons": [
                    str(button.get("title") or button.get("payload") or "")
                    for button in (get("buttons") or []) if isinstance(button, dict)
                ],
            })
        return result, None

    async def intake_page(self, request: Request, user: StaffUserInfo, session: StaffSession):
        intake_id = request.path_params["intake_id"]

        def work(db: Session) -> Response:
            try:
                view = intake_view(db, intake_id)
            except NotFound:
                return self._error(request, 404, f"There is no intake #{intake_id}.", user, session,
                                   back="/staff")
            turns, transcript_error = self._transcript(view.intake.conversation_id)
            record_audit(db, user.id, "view_intake", intake_id)
            return self._render(request, "intake.html", {
                "view": view,
                "intake": view.intake,
                "turns": turns,
                "transcript_error": transcript_error,
                "alert_counts": open_alert_counts(db),
                "now": utcnow(),
            }, user, session)

        return await self._db(work)

    async def intake_status(self, request: Request, user: StaffUserInfo, session: StaffSession):
        intake_id = request.path_params["intake_id"]
        form = await request.form(**FORM_LIMITS)
        to_status = str(form.get("status") or "")
        expected = str(form.get("from") or "") or None
        back = f"/staff/intakes/{intake_id}"

        def work(db: Session) -> Response:
            try:
                change_status(db, intake_id, to_status, user.id, expected_from=expected)
            except NotFound:
                return self._error(request, 404, f"There is no intake #{intake_id}.", user, session,
                                   back="/staff")
            except StaleStatus as exc:
                return self._error(request, 409, f"Not changed: {exc}. Reload the page to see the "
                                   "current status.", user, session, back=back)
            except InvalidTransition as exc:
                return self._error(request, 409, f"Not changed: {exc}.", user, session, back=back)
            return RedirectResponse(f"{back}?msg=status", status_code=303)

        return await self._db(work)

    async def intake_note(self, request: Request, user: StaffUserInfo, session: StaffSession):
        intake_id = request.path_params["intake_id"]
        form = await request.form(**FORM_LIMITS)
        text = str(form.get("text") or "")
        back = f"/staff/intakes/{intake_id}"

        def work(db: Session) -> Response:
            try:
                add_note(db, intake_id, user.id, text)
            except NotFound:
                return self._error(request, 404, f"There is no intake #{intake_id}.", user, session,
                                   back="/staff")
            except ValueError as exc:
                return self._error(request, 400, f"Note not added: {exc}.", user, session, back=back)
            return RedirectResponse(f"{back}?msg=note#notes", status_code=303)

        return await self._db(work)

    async def intake_fhir(self, request: Request, user: StaffUserInfo, session: StaffSession):
        intake_id = request.path_params["intake_id"]
        try:
            from bot.adapters.exports import intake_fhir_bundle
        except ImportError:
            return JSONResponse({"error": "FHIR export (bot.adapters.exports) is not installed"},
                                status_code=503)

        def work(db: Session) -> Response:
            if db.get(Intake, intake_id) is None:
                return JSONResponse({"error": f"no intake {intake_id}"}, status_code=404)
            bundle = intake_fhir_bundle(db, intake_id, self.profile)
            record_audit(db, user.id, "export_fhir", intake_id)
            body = json.dumps(bundle, default=str, ensure_ascii=False, indent=2)
            return Response(body, media_type="application/fhir+json", headers={
                "Content-Disposition": f'inline; filename="intake-{intake_id}-fhir.json"',
            })

        return await self._db(work)

    async def export_csv(self, request: Request, user: StaffUserInfo, session: StaffSession):
        try:
            from bot.adapters.exports import intakes_csv
        except ImportError:
            return self._error(request, 503, "CSV export (bot.adapters.exports) is not installed.", user,
                               session, back="/staff")

        def work(db: Session) -> Response:
            text = intakes_csv(db, self.tz)
            record_audit(db, user.id, "export_csv", detail="all intakes")
            stamp = utcnow().astimezone(self.tz).strftime("%Y-%m-%d")
            return Response(text, media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": f'attachment; filename="intakes-{stamp}.csv"',
            })

        return await self._db(work)

    async def appointments_page(self, request: Request, user: StaffUserInfo,
                                session: StaffSession):
        params = request.query_params
        today = utcnow().astimezone(self.tz).date()
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
            return self._error(request, 400, "Give the day as YYYY-MM-DD and the week as "
                               "YYYY-MM-DD or YYYY-Www.", user, session, back="/staff/appointments")
        start = day_bounds(days[0], self.tz)[0]
        end = day_bounds(days[-1], self.tz)[1]

        def work(db: Session) -> Response:
            appointments = appointments_between(db, start, end)
            grouped = group_by_local_day(appointments, self.tz, days)
            return self._render(request, "appointments.html", {
                "mode": mode,
                "days": days,
                "grouped": grouped,
                "count": len(appointments),
                "today": today,
                "prev_url": f"/staff/appointments?{mode}={(first - step).isoformat()}",
                "next_url": f"/staff/appointments?{mode}={(first + step).isoformat()}",
                "day_url": f"/staff/appointments?day={first.isoformat()}",
                "week_url": f"/staff/appointments?week={week_start(first).isoformat()}",
                "alert_counts": open_alert_counts(db),
            }, user, session)

        return await self._db(work)

    async def alerts_page(self, request: Request, user: StaffUserInfo, session: StaffSession):
        show_all = request.query_params.get("show") == "all"

        def work(db: Session) -> Response:
            return self._render(request, "alerts.html", {
                "alerts": alerts_list(db, include_resolved=show_all),
                "show_all": show_all,
                "alert_counts": open_alert_counts(db),
            }, user, session)

        return await self._db(work)

    async def alert_resolve(self, request: Request, user: StaffUserInfo, session: StaffSession):
        alert_id = request.path_params["alert_id"]
        form = await request.form(**FORM_LIMITS)
        back = safe_next(str(form.get("next") or ""), default="/staff/alerts")

        def work(db: Session) -> Response:
            try:
                resolve_alert(db, alert_id, user.id)
            except NotFound:
                return self._error(request, 404, f"There is no alert #{alert_id}.", user, session,
                                   back="/staff/alerts")
            separator = "&" if "?" in back else "?"
            return RedirectResponse(f"{back}{separator}msg=resolved", status_code=303)

        return await self._db(work)

    async def audit_page(self, request: Request, user: StaffUserInfo, session: StaffSession):
        params = request.query_params
        page = _int_param(params.get("page"), 1)
        intake_id = _int_param(params.get("intake"), 0, minimum=0) or None
        action = (params.get("action") or "").strip()[:64] or None

        def work(db: Session) -> Response:
            rows, total = audit_entries(
                db, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE,
                intake_id=intake_id, action=action,
            )
            base = {key: value for key, value in (("intake", intake_id), ("action", action))
                    if value}
            return self._render(request, "audit.html", {
                "rows": rows,
                "total": total,
                "intake_filter": intake_id,
                "action_filter": action or "",
                "prev_url": "/staff/audit?" + urlencode({**base, "page": page - 1})
                if page > 1 else None,
                "next_url": "/staff/audit?" + urlencode({**base, "page": page + 1})
                if page * AUDIT_PAGE_SIZE < total else None,
                "alert_counts": open_alert_counts(db),
            }, user, session)

        return await self._db(work)
