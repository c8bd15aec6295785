"""What the gateway remembers between requests: its four rate limits, the buttons each conversation's
latest reply offered, and the turn counter of RASA_ROUTING=turn. RATE_LIMIT_STORE chooses where:
in this process (one worker only), or in Redis, shared by every worker and web pod (docs/deploy.md).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, FrozenSet, Iterable, Optional, Protocol

from bot.adapters import shared_state
from bot.settings import MEMORY_STORE, Settings
from bot.web.offers import OfferedPayloads
from bot.web.ratelimit import SlidingWindowLimiter
from bot.web.replicas import TurnCounter


class Limiter(Protocol):
    def retry_after(self, key: str) -> int | None: ...

    def hit(self, key: str) -> None: ...


class OffersMemory(Protocol):
    def recall(self, conversation_id: str) -> Optional[FrozenSet[str]]: ...

    def begin(self, conversation_id: str) -> None: ...

    def settle(self, conversation_id: str, payloads: Optional[Iterable[str]]) -> None: ...


class LocalTurnCounter:
    """Numbers turns per process (RASA_ROUTING=turn with one worker): a plain round robin."""

    def __init__(self) -> None:
        self.count = 0

    def next(self, conversation_id: str) -> int:
        self.count += 1
        return self.count - 1


@dataclass
class GatewayState:
    """What the gateway remembers between requests: its four rate limits, the offered buttons and
    the turn counter of RASA_ROUTING=turn."""

    session: Limiter
    ip: Limiter
    new_session: Limiter
    booking: Limiter
    offers: OffersMemory  # OfferedPayloads, or shared_state.RedisOfferedPayloads
    turns: TurnCounter  # LocalTurnCounter, or shared_state.RedisTurnCounter


def gateway_state(settings: Settings, clock: Callable[[], float] = time.monotonic) -> GatewayState:
    """In this process (RATE_LIMIT_STORE=memory), or in Redis, shared by every worker."""
    limits = (("session", settings.chat_rate_per_session, 60.0), ("ip", settings.chat_rate_per_ip, 60.0),
              # per hour and client address: new chat sessions, and bookings (bots filling the calendar)
              ("new_session", settings.chat_sessions_per_ip, 3600.0),
              ("booking", settings.chat_bookings_per_ip, 3600.0))
    if settings.rate_limit_store == MEMORY_STORE:
        limiters = {name: SlidingWindowLimiter(limit, window=window, clock=clock) for name, limit, window in limits}
        return GatewayState(**limiters, offers=OfferedPayloads(), turns=LocalTurnCounter())
    client = shared_state.connect(settings.rate_limit_store)
    limiters = {name: shared_state.RedisWindowLimiter(client, name, limit, window=window)
                for name, limit, window in limits}
    return GatewayState(**limiters, offers=shared_state.RedisOfferedPayloads(client),
                        turns=shared_state.RedisTurnCounter(client))
