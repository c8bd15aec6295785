"""The Rasa replicas behind the gateway (RASA_URLS) and which one takes a request.

Every replica shares the tracker store (PostgreSQL) and the lock store (Redis), so any one can take
any turn; the gateway still keeps a conversation on one replica (a stable hash of its id) unless
RASA_ROUTING=turn moves each of its turns to the next replica, numbered by the gateway's turn
counter (per process, or in Redis across workers: bot.web.ratelimit.gateway_state).
"""
from __future__ import annotations

import hashlib
from typing import List, Protocol, Tuple

from bot.adapters.rasa_api import RasaClient
from bot.settings import RasaRouting


class TurnCounter(Protocol):
    def next(self, conversation_id: str) -> int: ...


class Replicas:
    def __init__(self, clients: List[RasaClient], routing: RasaRouting, turns: TurnCounter):
        self.clients = clients
        self.routing = routing
        self.turns = turns

    def for_conversation(self, conversation_id: str) -> RasaClient:
        """The conversation's own replica (reads of its tracker)."""
        return self.clients[self._stable_index(conversation_id)]

    def for_turn(self, conversation_id: str) -> Tuple[int, RasaClient]:
        """The replica that takes this turn, and its index."""
        if self.routing is RasaRouting.TURN and len(self.clients) > 1:
            index = self.turns.next(conversation_id) % len(self.clients)
        else:
            index = self._stable_index(conversation_id)
        return index, self.clients[index]

    def _stable_index(self, conversation_id: str) -> int:
        digest = hashlib.sha256(conversation_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") % len(self.clients)

    async def aclose(self) -> None:
        """Close every replica's pooled connections (the web service's shutdown)."""
        for client in self.clients:
            await client.aclose()
