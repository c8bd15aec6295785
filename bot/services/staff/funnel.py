"""The funnel's facts, gathered from the database: each conversation's start from Rasa's tracker
events (bot.adapters.transcripts), and what it reached from its intake, screening answers,
appointments and status changes. The figures are computed by bot.domain.funnel."""
from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo
from typing import Dict, List

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.models import Intake, StatusChange
from bot.adapters.transcripts import conversation_starts, fallback_messages
from bot.domain.funnel import Conversation, FunnelReport, funnel_report, week_of
from bot.domain.profile import ClinicProfile
from bot.domain.screening.questions import questions_for
from bot.domain.statuses import IntakeStatus

# A status change to "arrived" (the front desk saw the patient come in) marks the consultation attended.
ARRIVED = IntakeStatus.ARRIVED.value


def _screening_finished(profile: ClinicProfile, intake: Intake) -> bool:
    """Every question for the concern answered, or a stop answer that ended the screening early."""
    if intake.consent_at is None:
        return False
    if intake.consultation_only:
        return True
    try:
        wanted = {question.key for question in questions_for(profile, intake.concern)}
    except ValueError:  # a concern the profile no longer has
        return False
    answered = {answer.question_key for answer in intake.screening_answers}
    return bool(wanted) and wanted <= answered


def conversations_since(session: Session, profile: ClinicProfile, since: datetime) -> List[Conversation]:
    """Every conversation started since `since`: in the tracker (the visitor said something) or,
    without tracker events, by its intake's creation."""
    starts = conversation_starts(session, since)
    intakes = session.execute(
        select(Intake)
        .where(or_(Intake.created_at >= since, Intake.conversation_id.in_(list(starts))))
        .options(selectinload(Intake.appointments), selectinload(Intake.screening_answers))
    ).scalars().all()
    arrived = set(session.execute(
        select(StatusChange.intake_id).where(StatusChange.to_status == ARRIVED,
                                             StatusChange.intake_id.in_([intake.id for intake in intakes]))
    ).scalars())
    by_conversation: Dict[str, Intake] = {intake.conversation_id: intake for intake in intakes}
    conversations = []
    for conversation_id in set(starts) | set(by_conversation):
        intake = by_conversation.get(conversation_id)
        started = starts.get(conversation_id) or intake.created_at  # type: ignore[union-attr]
        if intake is None:
            conversations.append(Conversation(started_at=started))
            continue
        booked = [appointment.created_at for appointment in intake.appointments]
        conversations.append(Conversation(
            started_at=started,
            concern=intake.concern,
            consent=intake.consent_at is not None,
            screening_finished=_screening_finished(profile, intake),
            booked_at=min(booked) if booked else None,
            attended=intake.id in arrived,
        ))
    return sorted(conversations, key=lambda conversation: conversation.started_at)


def report_since(session: Session, profile: ClinicProfile, since: datetime, until: datetime | None = None,
                 limit: int = 10) -> FunnelReport:
    """The funnel report over the conversations started since `since`; with `until` (now), every
    week up to it is listed, empty ones too."""
    tz = profile.timezone
    return funnel_report(conversations_since(session, profile, since), fallback_messages(session, since), tz, limit,
                         first=since.astimezone(tz).date(), last=until.astimezone(tz).date() if until else None)


def window_start(now: datetime, weeks: int, tz: tzinfo) -> datetime:
    """The start of a report of `weeks` whole clinic-local weeks, this one included: a Monday,
    00:00 clinic time."""
    monday = week_of(now, tz) - timedelta(weeks=max(1, weeks) - 1)
    return datetime.combine(monday, time(0), tzinfo=tz)
