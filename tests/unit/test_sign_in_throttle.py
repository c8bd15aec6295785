"""Sign-in throttling per address and across the site (bot.web.staff.throttle), on a fake clock."""
from __future__ import annotations

from dataclasses import replace

from bot.settings import PROJECT_ROOT, Settings
from bot.web.staff.throttle import SignInThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(per_ip: int, per_minute: int) -> tuple[SignInThrottle, Clock]:
    settings = replace(Settings(database_url="sqlite://", clinic_profile=PROJECT_ROOT / "clinic" / "profile.yml",
                                rasa_url="", rasa_port=0, rasa_token=None, actions_port=0, web_host="", web_port=0,
                                secret_key="x"),
                       staff_signin_failures_per_ip=per_ip, staff_signin_failures_per_minute=per_minute,
                       staff_lockout_minutes=15)
    clock = Clock()
    limits = SignInThrottle(settings)
    limits.per_ip.clock = limits.everyone.clock = clock
    return limits, clock


def test_one_address_is_stopped_after_its_failures_and_others_are_not():
    limits, clock = throttle(per_ip=3, per_minute=1000)
    for _ in range(3):
        assert limits.retry_after("198.51.100.1") is None
        limits.failed("198.51.100.1")
    wait = limits.retry_after("198.51.100.1")
    assert wait is not None and 14 * 60 < wait <= 15 * 60
    assert limits.retry_after("198.51.100.2") is None
    clock.now += 15 * 60 + 1
    assert limits.retry_after("198.51.100.1") is None  # the window passed: it lifts by itself


def test_a_flood_from_many_addresses_slows_everyone_for_a_minute_only():
    limits, clock = throttle(per_ip=1000, per_minute=30)
    for n in range(30):
        limits.failed(f"203.0.113.{n}")  # one failure each: no address limit is reached
    assert all(limits.retry_after(f"203.0.113.{n}") for n in range(30))
    wait = limits.retry_after("192.0.2.200")  # a colleague elsewhere waits too, but briefly
    assert wait is not None and wait <= 60
    clock.now += 61
    assert limits.retry_after("192.0.2.200") is None
