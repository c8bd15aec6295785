"""Live takeover (issue #13): a visitor who asks for a person during office hours waits in the
dashboard's Live queue; a staff member takes the chat, replies, and hands it back to the assistant.

While a chat is open (waiting or taken) the gateway keeps the visitor's messages here instead of
passing them to Rasa, and the widget polls for new lines. A chat nobody takes within the wait
expires: the visitor is told and the callback form starts (the decision then says UNANSWERED).
Every function works on the caller's unit of work.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, List, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.adapters.models import Intake, LiveChat, LiveMessage, StaffUser
from bot.adapters.repository import intake_for_conversation
from bot.domain.profile import ClinicProfile
from bot.domain.scheduling.hours import is_open
from bot.domain.statuses import OPEN_LIVE_STATUSES, LiveAuthor, LiveChatStatus
from bot.domain.wording import Wording
from bot.services.staff.audit import record_audit
from bot.services.staff.errors import NotFound

# After an unanswered request, "talk to a person" files a callback for this long instead of queueing again.
UNANSWERED_MEMORY = timedelta(minutes=10)
RECENT_ENDED = timedelta(hours=2)  # how long ended chats stay on the Live page


class LiveDecision(enum.Enum):
    """What "talk to a person" does now."""

    QUEUED = "queued"  # in the Live queue (or already there)
    CLOSED = "closed"  # outside office hours: a callback
    OFF = "off"  # live takeover switched off (LIVE_CHAT=false): a callback
    UNANSWERED = "unanswered"  # nobody took the last request: a callback


class LiveChatClosed(Exception):
    """The chat has ended (handed back or expired), or another staff member has it."""


def open_chat(session: Session, conversation_id: str) -> Optional[LiveChat]:
    return session.execute(
        select(LiveChat).where(LiveChat.conversation_id == conversation_id,
                               LiveChat.status.in_(OPEN_LIVE_STATUSES))
    ).scalar_one_or_none()


def latest_chat(session: Session, conversation_id: str) -> Optional[LiveChat]:
    return session.execute(
        select(LiveChat).where(LiveChat.conversation_id == conversation_id).order_by(LiveChat.id.desc()).limit(1)
    ).scalar_one_or_none()


def request_person(session: Session, conversation_id: str, profile: ClinicProfile, *, enabled: bool,
                   now: datetime) -> LiveDecision:
    """Queue the conversation for a person if the clinic is open and live takeover is on."""
    if not enabled:
        return LiveDecision.OFF
    if open_chat(session, conversation_id) is not None:
        return LiveDecision.QUEUED
    latest = latest_chat(session, conversation_id)
    if (latest is not None and latest.status == LiveChatStatus.EXPIRED and latest.ended_at
            and now - latest.ended_at < UNANSWERED_MEMORY):
        return LiveDecision.UNANSWERED
    if not is_open(profile, now):
        return LiveDecision.CLOSED
    intake = intake_for_conversation(session, conversation_id)
    try:
        with session.begin_nested():  # the partial unique index allows one open chat per conversation
            session.add(LiveChat(conversation_id=conversation_id, intake_id=intake.id,
                                 status=LiveChatStatus.WAITING, requested_at=now))
    except IntegrityError:
        pass  # a concurrent request queued it first
    return LiveDecision.QUEUED


def add_visitor_message(session: Session, conversation_id: str, text: str, now: datetime) -> Optional[LiveChat]:
    """Keep the visitor's message in their open chat; None when no chat is open (Rasa answers)."""
    chat = open_chat(session, conversation_id)
    if chat is not None:
        session.add(LiveMessage(chat_id=chat.id, author=LiveAuthor.VISITOR, text=text, at=now))
    return chat


def staff_display_name(email: str) -> str:
    """The name a visitor sees for a staff member: their address's local part in words
    ("jane.doe@clinic.example" -> "Jane Doe")."""
    local = email.split("@", 1)[0]
    words = local.replace(".", " ").replace("_", " ").replace("-", " ").split()
    return " ".join(word.capitalize() for word in words) or email


def _chat(session: Session, chat_id: int) -> LiveChat:
    chat = session.get(LiveChat, chat_id)
    if chat is None:
        raise NotFound(f"live chat {chat_id}")
    return chat


def take(session: Session, chat_id: int, staff_user_id: int, now: datetime) -> LiveChat:
    """A staff member takes a waiting chat (taking one's own again changes nothing)."""
    chat = _chat(session, chat_id)
    if chat.status == LiveChatStatus.TAKEN and chat.taken_by_id == staff_user_id:
        return chat
    if chat.status != LiveChatStatus.WAITING:
        raise LiveChatClosed(chat.status.value)
    chat.status, chat.taken_by_id, chat.taken_at = LiveChatStatus.TAKEN, staff_user_id, now
    record_audit(session, staff_user_id, "live_take", chat.intake_id, f"live chat #{chat.id}")
    return chat


def reply(session: Session, chat_id: int, staff_user_id: int, text: str, now: datetime) -> LiveMessage:
    """A staff line to the visitor, under the staff member's name; replying to a waiting chat takes it."""
    chat = _chat(session, chat_id)
    if chat.status == LiveChatStatus.WAITING:
        take(session, chat_id, staff_user_id, now)
    if chat.status != LiveChatStatus.TAKEN or chat.taken_by_id != staff_user_id:
        raise LiveChatClosed(chat.status.value)
    staff = session.get(StaffUser, staff_user_id)
    message = LiveMessage(chat_id=chat.id, author=LiveAuthor.STAFF, staff_user_id=staff_user_id,
                          author_name=staff_display_name(staff.email) if staff else None, text=text, at=now)
    session.add(message)
    record_audit(session, staff_user_id, "live_reply", chat.intake_id, f"live chat #{chat.id}")
    return message


def hand_back(session: Session, chat_id: int, staff_user_id: int, wording: Wording, now: datetime) -> LiveChat:
    """The assistant answers again; the visitor is told so."""
    chat = _chat(session, chat_id)
    if chat.status not in OPEN_LIVE_STATUSES:
        raise LiveChatClosed(chat.status.value)
    chat.status, chat.ended_at = LiveChatStatus.HANDED_BACK, now
    session.add(LiveMessage(chat_id=chat.id, author=LiveAuthor.SYSTEM, text=wording.text("live.handed_back"), at=now))
    record_audit(session, staff_user_id, "live_hand_back", chat.intake_id, f"live chat #{chat.id}")
    return chat


def expire_overdue(session: Session, wording: Wording, now: datetime, wait_seconds: int) -> int:
    """End every chat that has waited longer than `wait_seconds` with nobody taking it; the visitor
    is told (their widget then starts the callback form). The number expired."""
    overdue = session.execute(
        select(LiveChat).where(LiveChat.status == LiveChatStatus.WAITING,
                               LiveChat.requested_at <= now - timedelta(seconds=wait_seconds))
    ).scalars().all()
    for chat in overdue:
        chat.status, chat.ended_at = LiveChatStatus.EXPIRED, now
        session.add(LiveMessage(chat_id=chat.id, author=LiveAuthor.SYSTEM,
                                text=wording.text("live.unanswered"), at=now))
    return len(overdue)


@dataclass(frozen=True)
class LiveLine:
    id: int
    author: LiveAuthor
    name: Optional[str]
    text: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.author.value, "name": self.name, "text": self.text,
                "time": self.at.isoformat()}


@dataclass(frozen=True)
class LiveUpdate:
    """A conversation's live state for the widget: its latest chat's status and the lines after a cursor."""

    status: Optional[LiveChatStatus]
    lines: List[LiveLine]

    @property
    def open(self) -> bool:
        return self.status in OPEN_LIVE_STATUSES


def _line(message: LiveMessage) -> LiveLine:
    return LiveLine(message.id, message.author, message.author_name, message.text, message.at)


def updates(session: Session, conversation_id: str, after: int = 0) -> LiveUpdate:
    """The latest chat's status, and its staff and notice lines with ids above `after`."""
    chat = latest_chat(session, conversation_id)
    if chat is None:
        return LiveUpdate(None, [])
    rows = session.execute(
        select(LiveMessage).where(LiveMessage.chat_id == chat.id, LiveMessage.id > after,
                                  LiveMessage.author != LiveAuthor.VISITOR).order_by(LiveMessage.id)
    ).scalars().all()
    return LiveUpdate(chat.status, [_line(row) for row in rows])


def live_lines(session: Session, conversation_id: str) -> List[LiveLine]:
    """Every line of every live chat of the conversation, oldest first (for transcripts)."""
    rows = session.execute(
        select(LiveMessage).join(LiveChat, LiveChat.id == LiveMessage.chat_id)
        .where(LiveChat.conversation_id == conversation_id).order_by(LiveMessage.at, LiveMessage.id)
    ).scalars().all()
    return [_line(row) for row in rows]


def with_live_lines(turns: List[dict[str, Any]], lines: List[LiveLine]) -> List[dict[str, Any]]:
    """Rasa's transcript turns ({"role", "text", "time", "buttons"}) and the live lines, by time.
    A live line is a turn with role visitor, staff or system and the staff member's `name`."""
    extra = [{"role": line.author.value, "name": line.name, "text": line.text, "time": line.at, "buttons": []}
             for line in lines]
    if not extra:
        return turns
    merged = [(turn["time"], index, turn) for index, turn in enumerate(turns)]
    merged += [(line["time"], len(turns) + index, line) for index, line in enumerate(extra)]
    return [turn for _, _, turn in sorted(merged, key=lambda item: (item[0] is None, item[0] or 0, item[1]))]


@dataclass(frozen=True)
class LiveChatRow:
    chat: LiveChat
    last_visitor_text: Optional[str]
    message_count: int


def live_chats(session: Session, now: datetime) -> List[LiveChatRow]:
    """Open chats (waiting first, oldest first), then those ended in the last two hours."""
    chats = session.execute(
        select(LiveChat).where(
            LiveChat.status.in_(OPEN_LIVE_STATUSES) | (LiveChat.ended_at >= now - RECENT_ENDED))
        .options(selectinload(LiveChat.taken_by), selectinload(LiveChat.messages),
                 selectinload(LiveChat.intake).selectinload(Intake.contact))
    ).scalars().all()
    order = {LiveChatStatus.WAITING: 0, LiveChatStatus.TAKEN: 1}
    chats = sorted(chats, key=lambda chat: (order.get(chat.status, 2), chat.requested_at, chat.id))
    rows = []
    for chat in chats:
        said = [message.text for message in chat.messages if message.author == LiveAuthor.VISITOR]
        rows.append(LiveChatRow(chat, said[-1] if said else None, len(chat.messages)))
    return rows


def waiting_count(session: Session) -> int:
    return session.execute(
        select(func.count(LiveChat.id)).where(LiveChat.status == LiveChatStatus.WAITING)
    ).scalar_one()


def chat_view(session: Session, chat_id: int) -> tuple[LiveChat, List[LiveLine]]:
    """One chat and its lines (the staff chat view)."""
    chat = session.execute(
        select(LiveChat).where(LiveChat.id == chat_id)
        .options(selectinload(LiveChat.taken_by), selectinload(LiveChat.intake).selectinload(Intake.contact))
    ).scalar_one_or_none()
    if chat is None:
        raise NotFound(f"live chat {chat_id}")
    return chat, live_lines_of_chat(session, chat.id)


def live_lines_of_chat(session: Session, chat_id: int, after: int = 0) -> List[LiveLine]:
    rows = session.execute(
        select(LiveMessage).where(LiveMessage.chat_id == chat_id, LiveMessage.id > after).order_by(LiveMessage.id)
    ).scalars().all()
    return [_line(row) for row in rows]
