"""In-memory sliding-window rate limits (per visitor session, per client address).

Each key keeps the times of its admitted requests in the last `window` seconds; a request is
admitted while fewer than `limit` are recorded. The state lives in this process only: behind
several worker processes each one counts for itself, so `gateway_state` gives the Redis-backed
window of bot.adapters.shared_state instead when RATE_LIMIT_STORE names a Redis (docs/deploy.md).
"""
from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Protocol

from bot.adapters import shared_state
from bot.settings import MEMORY_STORE, Settings
from bot.web.offers import OfferedPayloads


class SlidingWindowLimiter:
    """`limit` requests per `window` seconds per key; `limit <= 0` means unlimited."""

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ):
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._hits: Dict[str, Deque[float]] = {}
        self._last_sweep = clock()

    def _recent(self, key: str, now: float) -> Deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may make another request, or None if it may now (nothing recorded)."""
        if self.limit <= 0:
            return None
        now = self.clock()
        hits = self._recent(key, now)
        if hits is None or len(hits) < self.limit:
            return None
        # The oldest hit in the window is the first to leave it.
        return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> None:
        """Record an admitted request for `key`."""
        if self.limit <= 0:
            return
        now = self.clock()
        self._sweep(now)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        hits.append(now)

    def _sweep(self, now: float) -> None:
        """Forget idle keys now and then, and cap the number of keys kept (oldest first)."""
        if now - self._last_sweep >= self.window or len(self._hits) >= self.max_keys:
            self._last_sweep = now
            for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
                del self._hits[key]
            while len(self._hits) >= self.max_keys:
                del self._hits[next(iter(self._hits))]

    def __len__(self) -> int:
        return len(self._hits)


class Limiter(Protocol):
    def retry_after(self, key: str) -> int | None: ...

    def hit(self, key: str) -> None: ...


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
    offers: object  # OfferedPayloads or shared_state.RedisOfferedPayloads (recall/begin/settle)
    turns: object  # LocalTurnCounter or shared_state.RedisTurnCounter (next)


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
