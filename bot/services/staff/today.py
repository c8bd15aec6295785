"""The Today page: what the front desk has to do today, in the clinic's time zone: today's
appointments (any status, so a cancellation shows as one) with their flags, open alerts per
intake, callbacks due (open requests made before now), and live conversations waiting for a person
or with staff now (bot.services.live)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.models import Appointment, CallbackRequest, Intake, LiveChat
from bot.domain.statuses import OPEN_LIVE_STATUSES, CallbackStatus
from bot.services.readout import intake_flags
from bot.services.staff.alerts import AlertGroup, alerts_by_intake
from bot.services.staff.appointments import day_bounds


@dataclass
class TodayAppointment:
    appointment: Appointment
    flags: list[str]

    @property
    def intake(self) -> Intake:
        return self.appointment.intake

    @property
    def contact(self):
        return self.appointment.contact or self.appointment.intake.contact


@dataclass
class Today:
    day: datetime
    appointments: list[TodayAppointment]
    alerts: list[AlertGroup]
    callbacks: list[CallbackRequest]
    live: list[LiveChat]


def today_view(session: Session, tz: ZoneInfo, now: datetime) -> Today:
    local = now.astimezone(tz)
    start, end = day_bounds(local.date(), tz)
    appointments = session.execute(
        select(Appointment).where(Appointment.start_at >= start, Appointment.start_at < end)
        .options(selectinload(Appointment.contact),
                 selectinload(Appointment.intake).selectinload(Intake.contact),
                 selectinload(Appointment.intake).selectinload(Intake.screening_answers),
                 selectinload(Appointment.intake).selectinload(Intake.assigned_to))
        .order_by(Appointment.start_at, Appointment.id)
    ).scalars().all()
    callbacks = session.execute(
        select(CallbackRequest).where(CallbackRequest.status == CallbackStatus.OPEN, CallbackRequest.created_at <= now)
        .options(selectinload(CallbackRequest.intake).selectinload(Intake.contact))
        .order_by(CallbackRequest.created_at, CallbackRequest.id)
    ).scalars().all()
    live = session.execute(
        select(LiveChat).where(LiveChat.status.in_(OPEN_LIVE_STATUSES))
        .options(selectinload(LiveChat.taken_by), selectinload(LiveChat.intake).selectinload(Intake.contact))
        .order_by(LiveChat.requested_at, LiveChat.id)
    ).scalars().all()
    return Today(
        day=local,
        appointments=[TodayAppointment(a, intake_flags(a.intake)) for a in appointments],
        alerts=alerts_by_intake(session),
        callbacks=list(callbacks),
        live=list(live),
    )
