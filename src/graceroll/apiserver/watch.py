"""Fan-out of store changes to HTTP watchers, each with its own filter and bounded queue.

A watcher registers and replays history in the same synchronous step, so no change can fall
between the replay and the live stream. A watcher that falls more than ``MAX_BACKLOG`` events
behind is ended with 410 Gone, and its client lists again (the Kubernetes contract).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graceroll.store.base import Store, WatchEvent

Obj = dict[str, Any]
Filter = Callable[[Obj], bool]
MAX_BACKLOG = 10_000


@dataclass
class Watcher:
    kind: str
    accept: Filter
    queue: asyncio.Queue[WatchEvent | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False


class WatchHub:
    def __init__(self, store: Store) -> None:
        self._watchers: list[Watcher] = []
        store.subscribe(self._on_event)

    def _on_event(self, event: WatchEvent) -> None:
        for w in self._watchers:
            if event.object["kind"] == w.kind and w.accept(event.object):
                if w.queue.qsize() >= MAX_BACKLOG:
                    w.overflowed = True
                    w.queue.put_nowait(None)
                else:
                    w.queue.put_nowait(event)

    def add(self, kind: str, accept: Filter) -> Watcher:
        w = Watcher(kind, accept)
        self._watchers.append(w)
        return w

    def remove(self, w: Watcher) -> None:
        if w in self._watchers:
            self._watchers.remove(w)

    def close_all(self) -> None:
        for w in self._watchers:
            w.queue.put_nowait(None)
