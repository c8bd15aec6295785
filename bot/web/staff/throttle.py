"""Sign-in throttling by client address and for the whole site; the per-account lock is in the
database (bot.services.staff_accounts).

Only failed sign-in steps (a wrong password, a wrong code, an unknown e-mail) are counted:

- per address: STAFF_SIGNIN_FAILURES_PER_IP failures in STAFF_LOCKOUT_MINUTES, then that address
  waits for the oldest failure to leave the window;
- globally: STAFF_SIGNIN_FAILURES_PER_MINUTE failures in a minute across every account and address,
  then every sign-in attempt waits until the minute has room again. A flood from many addresses
  against many accounts thus slows sign-in to that small rate for everyone, and cannot lock out an
  account for longer than the per-account window, which lifts by itself.

The counters live in this process (bot.web.ratelimit): a restart forgets them, and several worker
processes each count for themselves. That is the documented choice (README): the dashboard runs in
one process, and the per-account lock, the one that must hold across processes, is in the database.
"""
from __future__ import annotations

from typing import Optional

from bot.settings import Settings
from bot.web.ratelimit import SlidingWindowLimiter

EVERYONE = "*"


class SignInThrottle:
    def __init__(self, settings: Settings):
        self.per_ip = SlidingWindowLimiter(settings.staff_signin_failures_per_ip,
                                           window=settings.staff_lockout_minutes * 60.0)
        self.everyone = SlidingWindowLimiter(settings.staff_signin_failures_per_minute, window=60.0)

    def retry_after(self, ip: str) -> Optional[int]:
        """Seconds this address must wait before trying to sign in, or None when it may try now."""
        waits = [wait for wait in (self.per_ip.retry_after(ip), self.everyone.retry_after(EVERYONE)) if wait]
        return max(waits) if waits else None

    def failed(self, ip: str) -> None:
        self.per_ip.hit(ip)
        self.everyone.hit(EVERYONE)
