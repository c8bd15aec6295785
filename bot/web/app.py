"""Compose the web service: the visitor gateway (/, /widget.js, /api/...) and the staff
dashboard (/staff/...). Each part owns its routes and middleware; this module only mounts them."""
from __future__ import annotations

from typing import Optional

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.settings import Settings, load_settings
from bot.web.gateway import routes as gateway_routes
from bot.web.staff import routes as staff_routes


async def health(_request):
    return JSONResponse({"status": "ok"})


def create_app(settings: Optional[Settings] = None) -> Starlette:
    settings = settings or load_settings()
    return Starlette(routes=[Route("/health", health), *gateway_routes(settings), *staff_routes(settings)])
