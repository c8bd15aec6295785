"""What each conversation's latest reply offered, remembered by the gateway so that a button press
is checked without fetching the whole tracker from Rasa (issue #12: that fetch was most of the
gateway's cost on every click).

The guarantee stays the gateway's: a payload is passed on as an intent only if the assistant
offered it in its latest turn. A conversation is remembered only after a turn that no other turn of
the same conversation overlapped (Rasa's order of two overlapping turns is not known here); when
nothing is remembered (a new process, an overlap, a failed turn, an evicted entry) the caller reads
the tracker as before. This memory is per process, right for one worker only: with several workers
the gateway keeps the same record in Redis instead (bot.adapters.shared_state.RedisOfferedPayloads,
chosen by RATE_LIMIT_STORE), so that no worker trusts an offer another worker's turn has replaced.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Optional

DEFAULT_CAPACITY = 10_000


@dataclass
class _InFlight:
    turns: int = 0
    overlapped: bool = False


class OfferedPayloads:
    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._offered: OrderedDict[str, FrozenSet[str]] = OrderedDict()
        self._in_flight: Dict[str, _InFlight] = {}

    def recall(self, conversation_id: str) -> Optional[FrozenSet[str]]:
        """The payloads the latest reply offered; None when not known (read the tracker)."""
        if conversation_id in self._in_flight:
            return None
        offered = self._offered.get(conversation_id)
        if offered is not None:
            self._offered.move_to_end(conversation_id)
        return offered

    def begin(self, conversation_id: str) -> None:
        """A turn is being sent to Rasa: what was offered before is stale from now on."""
        self._offered.pop(conversation_id, None)
        flight = self._in_flight.setdefault(conversation_id, _InFlight())
        flight.overlapped = flight.overlapped or flight.turns > 0
        flight.turns += 1

    def settle(self, conversation_id: str, payloads: Optional[Iterable[str]]) -> None:
        """The turn ended: remember its reply's payloads (None: it failed, remember nothing)."""
        flight = self._in_flight[conversation_id]
        flight.turns -= 1
        if flight.turns > 0:
            return
        del self._in_flight[conversation_id]
        if payloads is None or flight.overlapped:
            return
        self._offered[conversation_id] = frozenset(payloads)
        while len(self._offered) > self.capacity:
            self._offered.popitem(last=False)
