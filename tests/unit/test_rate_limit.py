"""The gateway's sliding-window rate limiter (bot.web.ratelimit) on a fake clock. The limits as
the chat API applies them are tested in tests/integration/test_gateway.py."""
from __future__ import annotations

from bot.web.ratelimit import SlidingWindowLimiter
from tests.support import FakeClock


def test_sliding_window_limiter_unit():
    clock = FakeClock(0)
    limiter = SlidingWindowLimiter(2, window=60, clock=clock, max_keys=3)
    assert limiter.retry_after("a") is None
    limiter.hit("a")
    clock.now = 30
    limiter.hit("a")
    assert limiter.retry_after("a") == 30
    clock.now = 60.2
    assert limiter.retry_after("a") is None  # the first hit has left the window
    for key in "bcdef":  # the number of keys kept stays bounded
        limiter.hit(key)
    assert len(limiter) <= 3
    unlimited = SlidingWindowLimiter(0, clock=clock)
    for _ in range(100):
        unlimited.hit("x")
    assert unlimited.retry_after("x") is None and len(unlimited) == 0
