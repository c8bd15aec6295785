"""The staff dashboard (/staff/...): sign-in, the intake queue, the Today page, live chats, intake pages with
transcripts, appointments by day and week, alerts, exports, the funnel report and the audit log.

`routes(app)` returns the Starlette routes over the App (bot.composition); bot/web/app.py mounts
them. One module per page group adds its routes; base.py holds what they share. Every route
except the sign-in steps and the stylesheet requires a signed-in staff user (base.protected).
"""
from __future__ import annotations

from starlette.routing import BaseRoute

from bot.composition import App
from bot.web.staff import (
    account,
    alerts,
    appointments,
    audit,
    auth,
    exports,
    intakes,
    live,
    queue,
    reports,
    second_factor,
    today,
)
from bot.web.staff.base import StaffDashboard

# Routes reachable without signing in: they show no patient data (the second-factor pages need
# the session the password step started, and send others to the sign-in page).
PUBLIC_PATHS = frozenset({"/staff/login", "/staff/login/code", "/staff/enrol", "/staff/static/staff.css",
                          "/staff/static/staff-live.js"})
PAGES = (auth, second_factor, account, queue, today, live, intakes, appointments, alerts, exports, audit, reports)


def routes(app: App) -> list[BaseRoute]:
    staff = StaffDashboard(app)
    return [route for page in PAGES for route in page.routes(staff)]


__all__ = ["PUBLIC_PATHS", "routes"]
