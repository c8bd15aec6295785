"""In-memory sliding-window rate limits (per visitor session, per client address).

Each key keeps the times of its admitted requests in the last `window` seconds; a request is
admitted while fewer than `limit` are recorded. The state lives in this process only: behind
several worker processes each one would count for itself, so bot.web.state gives the gateway the
Redis-backed window of bot.adapters.shared_state instead when RATE_LIMIT_STORE names a Redis.
"""
from __future__ import annotations

import math
import time
from collections import deque
from typing import Callable, Deque, Dict


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

