"""Compose the web service: the visitor gateway (/, /widget.js, /api/...) and the staff
dashboard (/staff/...). Each part owns its routes and middleware; this module only mounts them."""
from __future__ import annotations

from typing import Optional

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.settings import Settings, load_settings


async def health(_request):
    return JSONResponse({"status": "ok"})


def create_app(settings: Optional[Settings] = None) -> Starlette:
    settings = settings or load_settings()
    routes = [Route("/health", health)]
    for part in _parts():
        routes.extend(part(settings))
    return Starlette(routes=routes)


def _parts():
    """The route factories of each part; a part missing from a checkout is skipped, not faked."""
    factories = []
    try:
        from bot.web.gateway import routes as gateway_routes
    except ImportError:
        gateway_routes = None
    try:
        from bot.web.staff import routes as staff_routes
    except ImportError:
        staff_routes = None
    for factory in (gateway_routes, staff_routes):
        if factory is not None:
            factories.append(factory)
    return factories
