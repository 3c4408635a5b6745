"""Event aggregation and spam filtering as client-go's ``EventCorrelator`` does it for the kubelet
(``k8s.io/client-go/tools/record/events_cache.go``), so a probe failing every 10 seconds is one
Event whose ``count`` grows, as ``kubectl describe`` shows it: ``(x17 over 3m)``.

Three stages, in upstream's order:

1. aggregation: more than 10 distinct messages with the same source, object, type and reason
   within 10 minutes are combined into one event, ``(combined from similar events): <message>``;
2. observation: an event equal to one seen before (source, object, type, reason, message) is that
   event again, with ``count`` + 1 and its ``firstTimestamp``: the stored Event is updated, not
   created anew;
3. spam filter: each source and object has a token bucket of 25 events, refilled one every 5
   minutes; an event without a token is not written, but it was counted in stage 2, so the next
   one written carries the whole count.

Pure bookkeeping over a clock reading; the recorder does the writes (``events.EventRecorder``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Obj = dict[str, Any]
CACHE_SIZE = 4096
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL = 600.0
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0
COMBINED_PREFIX = "(combined from similar events): "

K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass(frozen=True)
class Occurrence:
    """What to write for one recorded event; ``skip``: the spam filter dropped it."""

    message: str
    count: int
    first: float  # firstTimestamp
    name: str | None  # the stored Event to update; None: create one
    key: str
    skip: bool = False


@dataclass
class _Seen:
    count: int
    first: float
    name: str | None


@dataclass
class _Bucket:
    tokens: float
    at: float


class Correlator:
    def __init__(self) -> None:
        self._aggregates: _Lru[str, tuple[set[str], float]] = _Lru()
        self._seen: _Lru[str, _Seen] = _Lru()
        self._spam: _Lru[str, _Bucket] = _Lru()

    def correlate(self, source: str, obj: str, type_: str, reason: str, message: str, now: float) -> Occurrence:
        """``obj``: the involved object's identity (kind, namespace, name, uid, apiVersion)."""
        agg_key = f"{source}\x00{obj}\x00{type_}\x00{reason}"
        messages, last = self._aggregates.get(agg_key) or (set(), now)
        if now - last > AGGREGATE_INTERVAL:
            messages = set()
        messages.add(message)
        self._aggregates.put(agg_key, (messages, now))
        key = agg_key + "\x00" + message
        if len(messages) >= AGGREGATE_MAX_EVENTS:
            messages.pop()
            message, key = COMBINED_PREFIX + message, agg_key
        seen = self._seen.get(key)
        count, first, name = (seen.count + 1, seen.first, seen.name) if seen is not None and seen.count > 0 else (1, now, None)
        self._seen.put(key, _Seen(count, first, name))
        return Occurrence(message, count, first, name, key, skip=not self._accept(f"{source}\x00{obj}", now))

    def written(self, occurrence: Occurrence, name: str) -> None:
        """The Event ``name`` now holds ``occurrence`` (``UpdateState``)."""
        self._seen.put(occurrence.key, _Seen(occurrence.count, occurrence.first, name))

    def _accept(self, key: str, now: float) -> bool:
        b = self._spam.get(key) or _Bucket(SPAM_BURST, now)
        b.tokens = min(SPAM_BURST, b.tokens + (now - b.at) * SPAM_QPS)
        b.at = now
        self._spam.put(key, b)
        if b.tokens >= 1:
            b.tokens -= 1
            return True
        return False
