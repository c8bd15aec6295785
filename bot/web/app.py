"""Compose the web service: the visitor gateway (/, /widget.js, /api/...), the patient's manage
page (/manage/...) and the staff dashboard (/staff/...). Each part owns its routes and middleware;
this module only mounts them."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Optional

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.adapters import log_redaction
from bot.composition import build_app
from bot.settings import Settings
from bot.web.gateway import Gateway
from bot.web.manage import routes as manage_routes
from bot.web.staff import routes as staff_routes


async def health(_request):
    return JSONResponse({"status": "ok"})


def create_app(settings: Optional[Settings] = None) -> Starlette:
    """The web service over one App (bot.composition): built from `settings`, or the environment."""
    log_redaction.install()  # before anything logs: uvicorn's and our records alike
    app = build_app(settings)
    gateway = Gateway(app)

    @asynccontextmanager
    async def lifespan(_web):
        yield
        await gateway.replicas.aclose()  # the pooled connections to Rasa

    return Starlette(routes=[Route("/health", health), *gateway.routes(), *manage_routes(app), *staff_routes(app)],
                     lifespan=lifespan)
