"""The visitor gateway: the demo page, the widget (its loader /widget.js and its frame /chat) and
the chat API (/api/...).

Visitors never talk to Rasa: they hold a signed session token, and the gateway derives the Rasa
conversation id from it on the server (bot.web.sessions). The widget's frame holds the token in an
HttpOnly cookie (/api/frame-session); other clients send it as a Bearer token. Every API answer is
JSON, errors included (`{"error": "..."}`, never a stack trace). The API is documented in
docs/chat-api.md.

One class holds a request's whole path (origin check, limits, token, message, button guard, Rasa)
so that its order is read in one place; that is why this module is near 400 lines.
"""
from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Mapping

import httpx
from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from bot.adapters.rasa_api import (
    CONNECT_TIMEOUT_SECONDS,
    INTENT_PREFIX,
    RasaClient,
    RasaUnavailable,
    history_from_events,
    normalise_replies,
)
from bot.adapters.rasa_events import bookings_blocked_metadata, is_booked, not_acted_on, offered_buttons
from bot.composition import App
from bot.settings import RasaRouting
from bot.web.live import LiveRelay
from bot.web.replicas import Replicas
from bot.web.sessions import (
    FRAME_HEADER,
    SESSION_MAX_AGE_SECONDS,
    InvalidSession,
    SessionTokens,
    cookie_name,
    session_cookie,
)
from bot.web.state import gateway_state

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CORS_ALLOW_HEADERS = "Authorization, Content-Type"
_DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_FRAME_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
)
_STATIC_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

MSG_FRAME_ONLY = "This address is for the chat window only."
MSG_SESSION = "Your chat session is missing or has expired. Please start a new chat."
MSG_RATE = "You're sending messages too quickly. Please wait a moment and try again."
MSG_RASA = (
    "Our assistant is unavailable right now. Please try again in a few minutes, "
    "or call the clinic."
)
MSG_BODY = 'Send JSON like {"message": "your text"}.'
MSG_EMPTY = "Please type a message."

Handler = Callable[[Request], Awaitable[Response]]


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> JSONResponse:
        body = {"error": self.message, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


class _ApiEndpoint:
    """An ASGI endpoint that accepts every method, so wrong methods get a JSON 405 (and
    preflights are answered here, for the configured origins only)."""

    def __init__(self, gateway: Gateway, handlers: Dict[str, Handler], not_found: bool = False):
        self.gateway = gateway
        self.handlers = handlers
        self.not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.gateway.dispatch(request, self.handlers, self.not_found)
        await response(scope, receive, send)


class Gateway:
    def __init__(
        self,
        app: App,
        *,
        rasa: RasaClient | None = None,  # one Rasa instead of the settings' replicas (tests)
        clock: Callable[[], float] = time.monotonic,
        token_clock: Callable[[], float] = time.time,
        session_max_age: int = SESSION_MAX_AGE_SECONDS,
    ):
        settings = app.settings
        self.settings = settings
        self.profile = app.profile
        self.wording = app.wording
        self.tokens = SessionTokens(settings.require("secret_key"), max_age=session_max_age, clock=token_clock)
        state = gateway_state(settings, clock=clock)  # in this process, or in Redis (RATE_LIMIT_STORE)
        timeout = httpx.Timeout(float(settings.rasa_timeout_seconds), connect=CONNECT_TIMEOUT_SECONDS)
        clients = [rasa] if rasa else [RasaClient(url, settings.rasa_token, timeout) for url in settings.rasa_replicas]
        self.replicas = Replicas(clients, settings.rasa_routing, state.turns)
        self.rasa = clients[0]  # the first (or only) replica, which tests replace
        self.live = LiveRelay(app, self.rasa)  # any replica will do: they share the tracker store
        self.offers = state.offers
        self.session_limiter, self.ip_limiter = state.session, state.ip
        self.new_session_limiter, self.booking_limiter = state.new_session, state.booking
        self.cors_origins = {origin.rstrip("/").lower() for origin in settings.cors_origins}
        self.cookie_secure = settings.cookie_secure
        self.session_max_age = session_max_age
        # The greeting's suggested questions are offered before the tracker holds any turn.
        self.greeting_buttons = {
            button["payload"]: button["title"] for button in app.wording.buttons("widget.greeting")
        }
        self.max_chars = settings.chat_max_message_chars
        # JSON escapes mean a character can take up to 12 bytes ("\ud83d\ude00" is two code points).
        self.max_body_bytes = max(16 * 1024, self.max_chars * 12 + 1024)
        env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True)
        self.templates = Jinja2Templates(env=env)

    # ---- routes -------------------------------------------------------------------------------

    def routes(self) -> List[BaseRoute]:
        api = _ApiEndpoint
        return [
            Route("/", self.demo_page, methods=["GET"], name="demo"),
            Route("/widget.js", self.static("widget.js", "text/javascript", cross_origin=True), methods=["GET"],
                  name="widget_js"),
            Route("/chat", self.chat_frame, methods=["GET"], name="chat_frame"),
            Route("/chat.js", self.static("chat.js", "text/javascript"), methods=["GET"]),
            Route("/chat.css", self.static("chat.css", "text/css"), methods=["GET"]),
            Route("/api/session", api(self, {"POST": self.create_session})),
            Route("/api/frame-session", api(self, {"POST": self.create_frame_session,
                                                  "DELETE": self.end_frame_session})),
            Route("/api/chat", api(self, {"POST": self.chat})),
            Route("/api/history", api(self, {"GET": self.history})),
            Route("/api/live", api(self, {"GET": self.live_updates})),
            Route("/api/config", api(self, {"GET": self.config})),
            Route("/api/{rest:path}", api(self, {}, not_found=True)),
        ]

    # ---- pages --------------------------------------------------------------------------------

    async def demo_page(self, request: Request) -> Response:
        profile = self.profile
        context = {
            "clinic": profile,
            "hours": profile.hours_text(),
            "concerns": list(profile.concerns.values()),
            "consultation": profile.consultation,
        }
        response = self.templates.TemplateResponse(request, "demo.html", context)
        response.headers["Content-Security-Policy"] = _DEMO_CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @staticmethod
    def static(name: str, media_type: str, cross_origin: bool = False) -> Handler:
        """A file of the widget; only the loader may be loaded by other sites' pages."""
        headers = {**_STATIC_HEADERS, "Cross-Origin-Resource-Policy": "cross-origin" if cross_origin else "same-origin"}

        async def serve(request: Request) -> Response:
            return FileResponse(STATIC_DIR / name, media_type=f"{media_type}; charset=utf-8", headers=headers)

        return serve

    def frame_ancestors(self) -> str:
        """Who may show the chat frame: this origin and the sites of CORS_ORIGINS."""
        if "*" in self.cors_origins:
            return "*"
        return " ".join(["'self'", *sorted(self.cors_origins)])

    async def chat_frame(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "chat.html", media_type="text/html; charset=utf-8", headers={
            **_STATIC_HEADERS,
            "Content-Security-Policy": _FRAME_CSP.format(ancestors=self.frame_ancestors()),
            "Referrer-Policy": "no-referrer",
        })

    # ---- dispatch, CORS, errors ---------------------------------------------------------------

    def _allowed_origin(self, origin: str | None) -> bool:
        if not origin:
            return False
        return "*" in self.cors_origins or origin.rstrip("/").lower() in self.cors_origins

    async def dispatch(self, request: Request, handlers: Dict[str, Handler], not_found: bool) -> Response:
        origin = request.headers.get("origin")
        allowed = self._allowed_origin(origin)
        try:
            if not_found:
                raise ApiError(404, "Not found.")
            if request.method == "OPTIONS":
                response = self._preflight(request, handlers, allowed)
            elif request.method not in handlers:
                allow = ", ".join([*handlers, "OPTIONS"])
                raise ApiError(405, f"Method not allowed: use {allow}.", headers={"Allow": allow})
            else:
                response = await handlers[request.method](request)
        except ApiError as exc:
            response = exc.response()
        except RasaUnavailable:
            response = ApiError(503, MSG_RASA, headers={"Retry-After": "30"}).response()
        except Exception:  # a bug: log it, but the visitor gets JSON and no trace
            log.exception("chat gateway: unexpected error on %s %s", request.method, request.url.path)
            response = ApiError(500, "Something went wrong on our side. Please try again.").response()
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Vary"] = "Origin"
        if allowed and origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        return response

    def _preflight(self, request: Request, handlers: Dict[str, Handler], allowed: bool) -> Response:
        allow = ", ".join([*handlers, "OPTIONS"])
        wanted = request.headers.get("access-control-request-method")
        if not request.headers.get("origin") or not wanted:
            return Response(status_code=204, headers={"Allow": allow})
        if not allowed:
            raise ApiError(403, "This website is not allowed to use the chat API.")
        if wanted.upper() not in handlers:
            raise ApiError(405, f"Method not allowed: use {allow}.", headers={"Allow": allow})
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Methods": allow,
                "Access-Control-Allow-Headers": _CORS_ALLOW_HEADERS,
                "Access-Control-Max-Age": "600",
            },
        )

    # ---- limits and authentication ------------------------------------------------------------

    @staticmethod
    def client_address(request: Request) -> str:
        return request.client.host if request.client and request.client.host else "unknown"

    @staticmethod
    def _too_many(retry_after: int) -> ApiError:
        return ApiError(429, MSG_RATE, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)

    def _check_ip(self, ip: str) -> None:
        retry = self.ip_limiter.retry_after(ip)
        if retry is not None:
            raise self._too_many(retry)

    def _secure(self, request: Request) -> bool:
        return self.cookie_secure or request.url.scheme == "https"

    @staticmethod
    def _from_frame(request: Request) -> bool:
        """A request of the chat frame's own scripts: its header (which a page of another origin
        cannot send without a preflight this gateway refuses), and not sent from another site."""
        fetch_site = request.headers.get("sec-fetch-site")
        return request.headers.get(FRAME_HEADER) == "1" and fetch_site in (None, "same-origin")

    def _token(self, request: Request) -> str:
        """The Bearer token; or, for the chat frame only, the session cookie."""
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer":
            return token.strip()
        if self._from_frame(request):
            return request.cookies.get(cookie_name(self._secure(request)), "")
        raise InvalidSession("no bearer token")

    def _visitor_polling(self, request: Request) -> str:
        """The session id of a live poll: the token is checked, but a poll (one a second while
        staff have the chat) does not count against the message limits."""
        ip = self.client_address(request)
        self._check_ip(ip)
        try:
            return self.tokens.verify(self._token(request))
        except InvalidSession:
            self.ip_limiter.hit(ip)  # failed attempts count against the address too
            raise ApiError(401, MSG_SESSION, headers={"WWW-Authenticate": 'Bearer realm="chat"'}) from None

    def _visitor(self, request: Request) -> str:
        """Check both limits and the token; record the request; the session id."""
        ip = self.client_address(request)
        session_id = self._visitor_polling(request)
        retry = self.session_limiter.retry_after(session_id)
        if retry is not None:
            raise self._too_many(retry)
        self.ip_limiter.hit(ip)
        self.session_limiter.hit(session_id)
        return session_id

    # ---- body ---------------------------------------------------------------------------------

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise ApiError(413, "The request is too large.", max_chars=self.max_chars)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise ApiError(413, "The request is too large.", max_chars=self.max_chars)
        return body

    async def _message(self, request: Request) -> str:
        body = await self._body(request)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise ApiError(400, f"The request body is not valid JSON. {MSG_BODY}") from None
        if not isinstance(data, dict) or "message" not in data:
            raise ApiError(400, f"The request has no message. {MSG_BODY}")
        message = data["message"]
        if not isinstance(message, str) or not _encodable(message):  # a lone surrogate is no text
            raise ApiError(400, f"The message must be text. {MSG_BODY}")
        message = _CONTROL_CHARS.sub("", message.replace("\r\n", "\n")).strip()
        if not message:
            raise ApiError(400, MSG_EMPTY)
        if len(message) > self.max_chars:
            raise ApiError(
                413,
                f"Your message is too long: please keep it under {self.max_chars} characters.",
                max_chars=self.max_chars,
            )
        return message

    async def _guard_intent(self, conversation_id: str, message: str) -> str:
        """Only a payload the assistant offered in its latest turn is passed on as an intent.

        Rasa reads any text starting with "/" as `/intent{"entity": "value"}`, which would let a
        visitor set slots directly; other such text is forwarded as plain words, slashes dropped.
        """
        if not message.startswith(INTENT_PREFIX):
            return message
        text = message
        while text.startswith(INTENT_PREFIX):
            text = text[len(INTENT_PREFIX):].lstrip()
        if not text:
            raise ApiError(400, MSG_EMPTY)
        if message in self.greeting_buttons:
            return message
        offered = self.offers.recall(conversation_id)
        if offered is None:
            events = await self.replicas.for_conversation(conversation_id).events(conversation_id)
            offered = {button["payload"] for button in offered_buttons(events)}
        return message if message in offered else text

    # ---- API handlers -------------------------------------------------------------------------

    async def create_session(self, request: Request) -> Response:
        ip = self.client_address(request)
        self._check_ip(ip)
        retry = self.new_session_limiter.retry_after(ip)
        if retry is not None:
            raise self._too_many(retry)
        self.ip_limiter.hit(ip)
        self.new_session_limiter.hit(ip)
        return JSONResponse({"session": self.tokens.issue()}, status_code=201)

    async def create_frame_session(self, request: Request) -> Response:
        """A new conversation for the chat frame: the token goes into the HttpOnly cookie only."""
        if not self._from_frame(request):
            raise ApiError(403, MSG_FRAME_ONLY)
        ip = self.client_address(request)
        self._check_ip(ip)
        self.ip_limiter.hit(ip)
        cookie = session_cookie(self.tokens.issue(), self._secure(request), self.session_max_age)
        return JSONResponse({"started": True}, status_code=201, headers={"Set-Cookie": cookie})

    async def end_frame_session(self, request: Request) -> Response:
        """"New chat": the frame forgets its conversation (it cannot clear an HttpOnly cookie itself)."""
        if not self._from_frame(request):
            raise ApiError(403, MSG_FRAME_ONLY)
        return Response(status_code=204, headers={"Set-Cookie": session_cookie("", self._secure(request), 0)})

    async def chat(self, request: Request) -> Response:
        session_id = self._visitor(request)
        message = await self._message(request)
        conversation_id = self.tokens.conversation_id(session_id)
        live = await self.live.keep_visitor_message(conversation_id, message)
        if live is not None:  # staff have this conversation: the assistant stays quiet
            return JSONResponse({"messages": [], "live": live})
        text = await self._guard_intent(conversation_id, message)
        ip = self.client_address(request)
        # The address has booked its share this hour: the booking action books nothing this turn.
        blocked = self.booking_limiter.retry_after(ip) is not None
        replies, messages = None, None
        replica, rasa = self.replicas.for_turn(conversation_id)
        self.offers.begin(conversation_id)
        try:
            metadata = bookings_blocked_metadata() if blocked else None
            replies = await rasa.send(conversation_id, text, metadata)
            messages = normalise_replies(replies) or await self._unanswered(rasa, conversation_id)
        finally:
            payloads = [b["payload"] for m in messages for b in m["buttons"]] if messages else None
            self.offers.settle(conversation_id, payloads)
        if any(is_booked(reply.get("custom")) for reply in replies):
            self.booking_limiter.hit(ip)
        live = await self.live.state_after_turn(conversation_id)
        # Which replica answered, for the scale-out test only (RASA_ROUTING=turn): never in production.
        headers = {"X-Rasa-Replica": str(replica)} if self.replicas.routing is RasaRouting.TURN else None
        return JSONResponse({"messages": messages, **({"live": live} if live else {})}, headers=headers)

    async def _unanswered(self, rasa: RasaClient, conversation_id: str) -> List[Dict[str, Any]]:
        """What to say when Rasa said nothing. When it chose silence (its core fallback, which is
        silent, or straight back to listening: SQL, template syntax, odd words), the visitor is told
        they were not understood, with ways forward; otherwise Rasa lost the turn (an action failed,
        e.g. the action server was restarting)."""
        try:
            not_understood = not_acted_on(await rasa.events(conversation_id))
        except RasaUnavailable:
            not_understood = False
        if not_understood:
            return [{"text": self.wording.text("misunderstood.not_understood"),
                     "buttons": self.wording.buttons("misunderstood.ways_forward")}]
        return [{"text": self.wording.text("no_reply"), "buttons": []}]

    async def history(self, request: Request) -> Response:
        session_id = self._visitor(request)
        conversation_id = self.tokens.conversation_id(session_id)
        events = await self.replicas.for_conversation(conversation_id).events(conversation_id)
        messages = history_from_events(events)
        for message in messages:  # a suggested question the visitor chose: shown as its title
            if message["role"] == "visitor" and message["text"] in self.greeting_buttons:
                message["text"] = self.greeting_buttons[message["text"]]
        conversation_id = self.tokens.conversation_id(session_id)
        return JSONResponse(await self.live.merged_history(conversation_id, messages))

    async def live_updates(self, request: Request) -> Response:
        """Staff lines and notices of the conversation's live chat after `after` (the widget polls)."""
        session_id = self._visitor_polling(request)
        after = request.query_params.get("after", "0")
        cursor = int(after) if after.isdigit() and len(after) < 12 else 0
        return JSONResponse(await self.live.poll(self.tokens.conversation_id(session_id), cursor))

    async def config(self, request: Request) -> Response:
        """What the widget shows before the first message: who it is talking for, the greeting with
        its suggested questions, and limits; the phone numbers and the address it turns into links
        in the assistant's replies; what "New chat" asks."""
        profile, wording = self.profile, self.wording
        return JSONResponse(
            {
                "clinic": profile.name,
                "phone": profile.phone,
                "emergency_number": profile.emergency_number,
                "address": profile.address,
                "map_url": profile.map_url,
                "max_message_chars": self.max_chars,
                "greeting": {
                    "text": wording.text("widget.greeting"),
                    "label": wording.text("widget.suggestions_label"),
                    "suggestions": wording.buttons("widget.greeting"),
                },
                "new_chat": {
                    "question": wording.text("widget.new_chat.question"),
                    "confirm": wording.text("widget.new_chat.confirm"),
                    "keep": wording.text("widget.new_chat.keep"),
                },
            }
        )



def _encodable(text: str) -> bool:
    """Whether `text` can be sent on as UTF-8: JSON escapes can spell lone surrogates, which cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def routes(app: App) -> List[BaseRoute]:
    """The gateway's routes over its own Gateway (bot.web.app builds one to close it on shutdown)."""
    return Gateway(app).routes()
