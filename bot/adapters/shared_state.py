"""The gateway's state kept in Redis, so that several gateway workers (and several web pods) agree:
the rate-limit windows, the buttons each conversation's latest reply offered, and the turn counter
that moves a conversation's turns from one Rasa replica to the next (RASA_ROUTING=turn).

RATE_LIMIT_STORE (default REDIS_URL) selects it; with `memory` the gateway keeps this state in its
own process (bot.web.ratelimit, bot.web.offers), which is right for one worker only. Each operation
is one round trip (a pipeline or a Lua script, atomic on the server). Keys carry a prefix and expire.
"""
from __future__ import annotations

import json
import math
import time
import uuid
from typing import Callable, FrozenSet, Iterable, Optional

import redis

KEY_PREFIX = "clinic:gateway:"
SOCKET_TIMEOUT_SECONDS = 2.0
OFFERS_TTL_SECONDS = 24 * 3600  # a conversation idle this long is read from the tracker again
IN_FLIGHT_TTL_SECONDS = 300  # a turn whose worker died is forgotten after this long


def connect(url: str) -> redis.Redis:
    """A client for `url` (redis:// or rediss://); it connects on first use."""
    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)


class RedisWindowLimiter:
    """`limit` requests per `window` seconds per key, shared by every process on the same Redis: a
    sorted set of the admitted requests' times per key (the same sliding window as
    bot.web.ratelimit.SlidingWindowLimiter). Times are wall-clock seconds, which all processes share."""

    def __init__(self, client: redis.Redis, name: str, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.time):
        self.client = client
        self.name = name
        self.limit = limit
        self.window = window
        self.clock = clock

    def _key(self, key: str) -> str:
        return f"{KEY_PREFIX}rate:{self.name}:{key}"

    def retry_after(self, key: str) -> Optional[int]:
        """Seconds until `key` may make another request, or None if it may now."""
        if self.limit <= 0:
            return None
        now = self.clock()
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(self._key(key), "-inf", now - self.window)
        pipe.zrange(self._key(key), 0, -self.limit, withscores=True)  # what must leave the window first
        _, blocking = pipe.execute()
        if not blocking:
            return None
        return max(1, math.ceil(blocking[-1][1] + self.window - now))

    def hit(self, key: str) -> None:
        """Record an admitted request for `key`."""
        if self.limit <= 0:
            return
        now = self.clock()
        pipe = self.client.pipeline()
        pipe.zadd(self._key(key), {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
        pipe.expire(self._key(key), math.ceil(self.window) + 1)
        pipe.execute()


# begin: what was offered is stale; count the turn in flight, and mark an overlap.
_BEGIN = """
redis.call('DEL', KEYS[1])
local turns = redis.call('HINCRBY', KEYS[2], 'turns', 1)
if turns > 1 then redis.call('HSET', KEYS[2], 'overlapped', 1) end
redis.call('EXPIRE', KEYS[2], ARGV[1])
"""
# settle: the last turn in flight remembers its payloads, unless turns overlapped or it failed.
_SETTLE = """
local turns = redis.call('HINCRBY', KEYS[2], 'turns', -1)
if turns > 0 then return 0 end
local overlapped = redis.call('HGET', KEYS[2], 'overlapped')
redis.call('DEL', KEYS[2])
if overlapped or ARGV[2] == '' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
return 1
"""
_RECALL = """
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
return redis.call('GET', KEYS[1])
"""


class RedisOfferedPayloads:
    """bot.web.offers.OfferedPayloads kept in Redis (the same begin/settle/recall rules), so that a
    worker never passes a payload on because it remembers an older turn that another worker has
    since answered."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self._begin = client.register_script(_BEGIN)
        self._settle = client.register_script(_SETTLE)
        self._recall = client.register_script(_RECALL)

    @staticmethod
    def _keys(conversation_id: str) -> list:
        return [f"{KEY_PREFIX}offered:{conversation_id}", f"{KEY_PREFIX}in-flight:{conversation_id}"]

    def recall(self, conversation_id: str) -> Optional[FrozenSet[str]]:
        stored = self._recall(keys=self._keys(conversation_id))
        return None if stored is None else frozenset(json.loads(stored))

    def begin(self, conversation_id: str) -> None:
        self._begin(keys=self._keys(conversation_id), args=[IN_FLIGHT_TTL_SECONDS])

    def settle(self, conversation_id: str, payloads: Optional[Iterable[str]]) -> None:
        remembered = "" if payloads is None else json.dumps(sorted(set(payloads)))
        self._settle(keys=self._keys(conversation_id), args=[OFFERS_TTL_SECONDS, remembered])


class RedisTurnCounter:
    """Numbers each conversation's turns 0, 1, 2, ... across every gateway process (RASA_ROUTING=turn)."""

    def __init__(self, client: redis.Redis, ttl_seconds: int = OFFERS_TTL_SECONDS):
        self.client = client
        self.ttl_seconds = ttl_seconds

    def next(self, conversation_id: str) -> int:
        key = f"{KEY_PREFIX}turns:{conversation_id}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, self.ttl_seconds)
        count, _ = pipe.execute()
        return int(count) - 1
