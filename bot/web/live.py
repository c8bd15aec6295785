"""The visitor's side of a live takeover (bot.services.live), for the gateway.

While the conversation's chat is open, the visitor's messages are kept for staff instead of going
to Rasa; the widget polls GET /api/live?after=N every second for staff lines and notices. When a
waiting chat expires, the poll that first reports it also starts the callback form in Rasa (the
`human_handoff` intent, which now decides UNANSWERED) and returns the assistant's first question.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bot.adapters.rasa_api import RasaClient, normalise_replies
from bot.composition import App
from bot.domain.statuses import LiveChatStatus
from bot.services.live import LiveUpdate, add_visitor_message, expire_overdue, live_lines, open_chat, updates

T = TypeVar("T")
HANDOFF_INTENT = "human_handoff"


def live_state(update: LiveUpdate, after: int) -> Dict[str, Any]:
    """The widget's view of a live chat: its status, whether it is open, and the cursor to poll from."""
    cursor = max([after, *(line.id for line in update.lines)])
    return {"state": update.status.value if update.status else None, "open": update.open, "after": cursor}


class LiveRelay:
    def __init__(self, app: App, rasa: RasaClient):
        self.app = app
        self.rasa = rasa

    async def _db(self, work: Callable[[Session], T], for_write: bool = False) -> T:
        def run() -> T:
            with self.app.unit_of_work(for_write=for_write) as session:
                return work(session)

        return await run_in_threadpool(run)

    async def keep_visitor_message(self, conversation_id: str, text: str) -> Optional[Dict[str, Any]]:
        """If the conversation is with staff: keep the message and return the live state, else None."""
        now = self.app.now()

        def work(session: Session) -> Optional[Dict[str, Any]]:
            chat = add_visitor_message(session, conversation_id, text, now)
            if chat is None:
                return None
            return {"state": chat.status.value, "open": True}

        # Almost every message has no live chat: a read finds that without taking SQLite's write
        # lock, which the action server's writes would otherwise queue behind on every turn.
        if not await self._db(lambda session: open_chat(session, conversation_id) is not None):
            return None
        return await self._db(work, for_write=True)

    async def state_after_turn(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """After an assistant turn: the live state if that turn queued the conversation."""
        update = await self._db(lambda session: updates(session, conversation_id))
        return live_state(update, 0) if update.open else None

    async def poll(self, conversation_id: str, after: int) -> Dict[str, Any]:
        """GET /api/live: new staff lines and notices; on a first report of expiry, the callback form."""
        app = self.app

        def work(session: Session) -> LiveUpdate:
            expire_overdue(session, app.wording, app.now(), app.settings.live_wait_seconds)
            return updates(session, conversation_id, after)

        update = await self._db(work, for_write=True)
        body = {**live_state(update, after), "lines": [line.as_json() for line in update.lines], "messages": []}
        if update.status == LiveChatStatus.EXPIRED and update.lines:
            replies = await self.rasa.trigger_intent(conversation_id, HANDOFF_INTENT)
            body["messages"] = normalise_replies(replies)
        return body

    async def merged_history(self, conversation_id: str, messages: List[Dict[str, Any]]) -> Dict[str, Any]:
        """/api/history's messages with the live lines in their place, and the live state (only
        for a conversation that has had a live chat)."""
        lines, update = await self._db(lambda session: (live_lines(session, conversation_id),
                                                        updates(session, conversation_id)))
        extra = [{"role": line.author.value, "name": line.name, "text": line.text, "buttons": [],
                  "time": line.at.isoformat()} for line in lines]
        merged = sorted(
            [*messages, *extra],
            key=lambda message: datetime.fromisoformat(message["time"]).timestamp() if message.get("time") else 0,
        )
        if update.status is None:  # never handed to staff: the answer is as before live takeover
            return {"messages": messages}
        return {"messages": merged, "live": live_state(update, max([0, *(line.id for line in lines)]))}
