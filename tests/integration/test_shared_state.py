"""The gateway's state in Redis (bot.adapters.shared_state) and Rasa's lock store chosen by the
settings (rasa_plugins.lock_store), on the Redis of this machine (TEST_REDIS_URL, default
redis://127.0.0.1:6379/7). Two objects over the same Redis stand for two gateway workers: what one
records, the other sees; the rules are those of the in-process versions (tests/unit/test_rate_limit.py,
tests/unit/test_offered_payloads.py)."""
from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from bot.adapters import shared_state
from bot.adapters.shared_state import RedisOfferedPayloads, RedisTurnCounter, RedisWindowLimiter
from rasa_plugins.lock_store import SettingsLockStore
from tests.support import FakeClock, settings_for

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def client():
    redis_client = shared_state.connect(REDIS_URL)
    redis_client.ping()
    yield redis_client
    redis_client.close()


def fresh(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_two_workers_share_one_sliding_window(client):
    clock = FakeClock(1_000_000.0)
    name = fresh("test")
    first, second = (RedisWindowLimiter(client, name, 2, window=60, clock=clock) for _ in range(2))
    assert first.retry_after("a") is None
    first.hit("a")
    clock.now += 30
    second.hit("a")
    assert first.retry_after("a") == 30 and second.retry_after("a") == 30  # the hit at t=0 leaves at t=60
    assert second.retry_after("b") is None
    clock.now += 30.5
    assert first.retry_after("a") is None
    first.hit("a")
    assert second.retry_after("a") == 30  # now the hit at t=30 is the oldest of two
    assert client.ttl(f"{shared_state.KEY_PREFIX}rate:{name}:a") > 0  # idle keys expire


def test_a_window_with_no_limit_admits_everything_and_stores_nothing(client):
    name = fresh("test")
    unlimited = RedisWindowLimiter(client, name, 0)
    for _ in range(5):
        unlimited.hit("a")
    assert unlimited.retry_after("a") is None
    assert not client.exists(f"{shared_state.KEY_PREFIX}rate:{name}:a")


def test_offers_recorded_by_one_worker_are_recalled_by_the_other(client):
    first, second = RedisOfferedPayloads(client), RedisOfferedPayloads(client)
    conversation = fresh("c")
    assert second.recall(conversation) is None
    first.begin(conversation)
    assert second.recall(conversation) is None  # in flight: not known
    first.settle(conversation, ["/affirm", "/deny"])
    assert second.recall(conversation) == {"/affirm", "/deny"}
    second.begin(conversation)  # the next turn, on the other worker: the first forgets the old offer
    assert first.recall(conversation) is None
    second.settle(conversation, [])
    assert first.recall(conversation) == frozenset()  # known: nothing offered


def test_a_failed_or_overlapped_turn_leaves_the_conversation_unknown(client):
    first, second = RedisOfferedPayloads(client), RedisOfferedPayloads(client)
    conversation = fresh("c")
    first.begin(conversation)
    first.settle(conversation, ["/affirm"])
    first.begin(conversation)
    first.settle(conversation, None)
    assert second.recall(conversation) is None
    first.begin(conversation)
    second.begin(conversation)  # two turns at once, on two workers
    second.settle(conversation, ["/b"])
    assert first.recall(conversation) is None
    first.settle(conversation, ["/a"])
    assert first.recall(conversation) is None and second.recall(conversation) is None
    second.begin(conversation)  # the next turn on its own is remembered again
    second.settle(conversation, ["/next"])
    assert first.recall(conversation) == {"/next"}


def test_turns_are_numbered_across_workers(client):
    first, second = RedisTurnCounter(client), RedisTurnCounter(client)
    conversation = fresh("c")
    assert [first.next(conversation), second.next(conversation), first.next(conversation)] == [0, 1, 2]
    assert second.next(fresh("other")) == 0


def test_the_lock_store_is_redis_when_a_url_is_set_and_in_memory_otherwise(client):
    redis_store = SettingsLockStore(settings=settings_for("sqlite://", lock_store_url=REDIS_URL))
    conversation = fresh("conversation")

    async def hold_and_check():
        async with redis_store.lock(conversation):
            assert client.exists(f"clinic:lock:{conversation}")  # visible to every replica
            assert redis_store.get_lock(conversation).now_serving == 0

    asyncio.run(hold_and_check())
    assert not client.exists(f"clinic:lock:{conversation}")  # released and removed
    assert type(redis_store.store).__name__ == "RedisLockStore"
    memory_store = SettingsLockStore(settings=settings_for("sqlite://"))
    assert type(memory_store.store).__name__ == "InMemoryLockStore"
