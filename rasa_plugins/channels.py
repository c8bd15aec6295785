"""The REST channel behind the same RASA_TOKEN as Rasa's HTTP API (credentials.yml names it).

Rasa's own RestInput accepts any caller, which would let anything on the machine talk to Rasa
around the web gateway (its origin checks, limits and `/intent{...}` guard). This one answers
401 unless the request carries the token as `Authorization: Bearer <token>` (what the gateway
sends) or as the query parameter `token` (what Rasa's HTTP API and `rasa shell` use). Its URL is
unchanged: /webhooks/rest/webhook.
"""
from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.settings import load_settings


def has_token(request: Request, token: str) -> bool:
    scheme, _, bearer = request.headers.get("authorization", "").strip().partition(" ")
    offered = bearer.strip() if scheme.lower() == "bearer" else (request.args.get("token") or "")
    return bool(offered) and hmac.compare_digest(offered.encode(), token.encode())


class TokenRestInput(RestInput):
    """RestInput that refuses callers without RASA_TOKEN."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("RASA_TOKEN is not set: the REST channel refuses to start without it")
        self.token = token

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(load_settings().rasa_token or "")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def require_token(request: Request):
            if request.path.rstrip("/").endswith("/webhook") and not has_token(request, self.token):
                return response.json({"error": "unauthorised"}, status=401)
            return None

        return blueprint
