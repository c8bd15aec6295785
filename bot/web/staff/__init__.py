"""The staff dashboard (/staff/...): sign-in, the intake queue, intake pages with transcripts,
appointments by day and week, alerts, exports and the audit log.

`routes(settings)` returns the Starlette routes; bot/web/app.py mounts them. Every route except
the sign-in page and the stylesheet requires a signed-in staff user (see dashboard.py).
"""
from __future__ import annotations

from starlette.routing import BaseRoute

from bot.settings import Settings

# Routes reachable without signing in: they show no patient data.
PUBLIC_PATHS = frozenset({"/staff/login", "/staff/static/staff.css"})


def routes(settings: Settings) -> list[BaseRoute]:
    from bot.web.staff.dashboard import StaffDashboard

    return StaffDashboard(settings).routes()


__all__ = ["PUBLIC_PATHS", "routes"]
