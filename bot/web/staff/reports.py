"""The funnel report (/staff/funnel) and its figures as CSV (/staff/funnel.csv): whether the
assistant brings bookings, where visitors drop off, and what it could not answer.

`?weeks=N` (1 to 52, default 8) chooses the window: the last N clinic-local weeks, this one
included. The figures come from bot.services.staff.funnel; the charts from bot.web.staff.charts.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Optional

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.domain.funnel import STEPS, FunnelReport, Step
from bot.services.staff.funnel import report_since, window_start
from bot.web.staff.base import StaffDashboard, StaffUserInfo, int_param
from bot.web.staff.charts import funnel_bars, weekly_columns
from bot.web.staff.security import StaffSession

DEFAULT_WEEKS, MAX_WEEKS = 8, 52
STEP_LABELS = {
    Step.STARTED: "Conversations started",
    Step.CONCERN: "Concern identified",
    Step.CONSENT: "Consent given",
    Step.SCREENING: "Screening finished",
    Step.BOOKED: "Booked",
    Step.ATTENDED: "Attended",
}


def duration_text(value: Optional[timedelta]) -> str:
    """A duration for people: '42 min', '3 h 5 min', '2 d 4 h'; '-' when there is none."""
    if value is None:
        return "-"
    minutes = int(round(value.total_seconds() / 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _report(staff: StaffDashboard, db: Session, weeks: int) -> FunnelReport:
    now = staff.app.now()
    return report_since(db, staff.profile, window_start(now, weeks, staff.tz), until=now)


def report_csv(report: FunnelReport, concern_name) -> str:
    """The page's figures: the totals (with the drop-off and the median time to book), each week,
    each concern."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["group", "name", *[step.value for step in STEPS], "drop_off", "median_minutes_to_book"])
    drop = f"{report.drop_off.before.value}->{report.drop_off.after.value}" if report.drop_off else ""
    median = round(report.median_to_book.total_seconds() / 60) if report.median_to_book else ""
    writer.writerow(["total", "all", *report.totals, drop, median])
    for monday, counts in report.weeks:
        writer.writerow(["week", monday.isoformat(), *counts, "", ""])
    for concern, counts in report.concerns:
        writer.writerow(["concern", concern_name(concern), *counts, "", ""])
    return out.getvalue()


async def funnel_page(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                      session: StaffSession) -> Response:
    weeks = min(MAX_WEEKS, int_param(request.query_params.get("weeks"), DEFAULT_WEEKS))

    def work(db: Session) -> Response:
        report = _report(staff, db, weeks)
        staff.audit(db, request, user.id, "view_funnel", detail=f"{weeks} weeks")
        steps = [(STEP_LABELS[step], count) for step, count in zip(STEPS, report.totals, strict=True)]
        week_rows = [(f"{monday:%d %b}", counts[0], counts[STEPS.index(Step.BOOKED)])
                     for monday, counts in report.weeks]
        return staff.render(request, "funnel.html", {
            "weeks": weeks,
            "report": report,
            "steps": STEPS,
            "labels": STEP_LABELS,
            "median_to_book": duration_text(report.median_to_book),
            "funnel_chart": funnel_bars(steps, "Conversations reaching each step"),
            "weekly_chart": weekly_columns(week_rows, "Conversations started and booked, by week",
                                           ("Started", "Booked")),
        }, user, session, db=db)

    return await staff.with_db(work)


async def funnel_csv(staff: StaffDashboard, request: Request, user: StaffUserInfo,
                     session: StaffSession) -> Response:
    weeks = min(MAX_WEEKS, int_param(request.query_params.get("weeks"), DEFAULT_WEEKS))
    concern_name = staff.env.filters["concern"]

    def work(db: Session) -> Response:
        text = report_csv(_report(staff, db, weeks), concern_name)
        staff.audit(db, request, user.id, "export_funnel_csv", detail=f"{weeks} weeks")
        stamp = staff.app.now().astimezone(staff.tz).strftime("%Y-%m-%d")
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="funnel-{stamp}.csv"',
        })

    return await staff.with_db(work)


def routes(staff: StaffDashboard) -> list[BaseRoute]:
    return [
        Route("/staff/funnel", staff.protected(funnel_page), methods=["GET"], name="staff_funnel"),
        Route("/staff/funnel.csv", staff.protected(funnel_csv), methods=["GET"], name="staff_funnel_csv"),
    ]
