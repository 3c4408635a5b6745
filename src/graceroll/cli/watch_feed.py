"""One blocking watch over any store: the engine's HTTP watch, or a local store's change feed.

``watch`` yields the changes to the objects of one kind (optionally one name) after a
resourceVersion, or, from ``None``, the current objects as ``ADDED`` and then their changes; it
ends when ``timeout`` runs out (the caller lists again and resumes, as after a server closing
the stream) and raises ``Expired`` when the version is too old to resume from.

A local store (``subscribe`` + ``events_since``, no ``watch``) is fed through one subscription per
store shared by every watch on it, because a store cannot take a listener back. Its writers may
run on other threads: events cross to the watching thread through a queue.
"""

from __future__ import annotations

import math
import queue
import threading
import weakref
from collections.abc import Generator
from typing import Any, Protocol

from graceroll.store.base import WatchEvent

Obj = dict[str, Any]
HTTP_WATCH_SECONDS = 1800  # one server-side watch when the caller sets no limit; it is then renewed


class MonotonicClock(Protocol):
    """The part of the injected clock that deadlines are measured on."""

    def monotonic(self) -> float: ...


class _Hub:
    """Copies each change of one store to the queue of every watch open on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[queue.SimpleQueue[WatchEvent]] = []

    def on_event(self, event: WatchEvent) -> None:
        with self._lock:
            targets = list(self._queues)
        for q in targets:
            q.put(event)

    def open(self) -> queue.SimpleQueue[WatchEvent]:
        q: queue.SimpleQueue[WatchEvent] = queue.SimpleQueue()
        with self._lock:
            self._queues.append(q)
        return q

    def close(self, q: queue.SimpleQueue[WatchEvent]) -> None:
        with self._lock:
            self._queues.remove(q)


_HUBS: weakref.WeakKeyDictionary[Any, _Hub] = weakref.WeakKeyDictionary()


def _hub(store: Any) -> _Hub:
    hub = _HUBS.get(store)
    if hub is None:
        hub = _HUBS[store] = _Hub()
        store.subscribe(hub.on_event)
    return hub


def selects(event: WatchEvent, kind: str, namespace: str | None, name: str | None) -> bool:
    """Whether ``event`` concerns the watched kind, namespace (None: any) and name (None: any)."""
    obj = event.object
    md = obj.get("metadata") or {}
    return (
        obj.get("kind") == kind
        and (namespace is None or (md.get("namespace") or "") == namespace)
        and (name is None or md.get("name") == name)
    )


def watch(
    store: Any,
    clock: MonotonicClock,
    kind: str,
    namespace: str | None,
    name: str | None,
    since: int | None,
    timeout: float | None,
) -> Generator[WatchEvent, None, None]:
    """Changes after resourceVersion ``since`` (None: the current objects first), for up to
    ``timeout`` seconds (None: until the stream ends)."""
    if hasattr(store, "watch"):
        return _own_watch(store, kind, namespace, name, since, timeout)
    return _local_watch(store, clock, kind, namespace, name, since, timeout)


def _own_watch(store: Any, kind: str, namespace: str | None, name: str | None, since: int | None, timeout: float | None) -> Generator[WatchEvent, None, None]:
    """A store with a watch of its own (the engine's HTTP API): its server counts whole seconds, so a
    short remainder is rounded up rather than closing the stream at once."""
    seconds = HTTP_WATCH_SECONDS if timeout is None else max(1, math.ceil(timeout))
    rv = "" if since is None else str(since)
    yield from store.watch(kind, namespace, name, resource_version=rv, timeout=seconds)


def _local_watch(
    store: Any,
    clock: MonotonicClock,
    kind: str,
    namespace: str | None,
    name: str | None,
    since: int | None,
    timeout: float | None,
) -> Generator[WatchEvent, None, None]:
    hub = _hub(store)
    q = hub.open()  # before reading the backlog: no change can fall between the two
    try:
        if since is None:
            last = int(store.resource_version)
            backlog = [WatchEvent("ADDED", o, last) for o in store.list(kind, namespace, name=name)]
        else:
            backlog = store.events_since(since)
            last = backlog[-1].resource_version if backlog else since
        yield from (e for e in backlog if selects(e, kind, namespace, name))
        end = None if timeout is None else clock.monotonic() + timeout
        while True:
            left = None if end is None else end - clock.monotonic()
            if left is not None and left <= 0:
                return
            try:
                event = q.get(timeout=left)
            except queue.Empty:
                return
            if event.resource_version > last and selects(event, kind, namespace, name):
                last = event.resource_version
                yield event
    finally:
        hub.close(q)
