"""The informer thread: list, watch from the list's version, resume after a closed stream, list
again after 410 Expired; everything handed to ``deliver``; ``stop`` ends it promptly."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from graceroll.store.base import Expired, Obj, WatchEvent
from graceroll.store.informer import Informer

DELIVERY_TIMEOUT = 5.0


def obj(name: str, rv: int) -> Obj:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "ns", "uid": name, "resourceVersion": str(rv)}}


class ScriptedListWatch:
    """Lists answer in turn; each watch plays its script (events, then "end" or Expired); once the
    scripts are used up a watch blocks until the informer stops."""

    def __init__(self, lists: list[tuple[list[Obj], int]], watches: list[list[Any]]) -> None:
        self.lists = lists
        self.watches = watches
        self.watched_from: list[str] = []
        self.blocked = threading.Event()
        self.released = threading.Event()

    def list_at(self, kind: str, namespace: str | None = None) -> tuple[list[Obj], int]:
        return self.lists.pop(0)

    def watch(self, kind: str, namespace: str | None = None, name: str | None = None, resource_version: str = "", timeout: float = 3600, on_open: Callable[[httpx.Response], None] | None = None) -> Iterator[WatchEvent]:
        self.watched_from.append(resource_version)
        if not self.watches:
            self.blocked.set()
            self.released.wait(DELIVERY_TIMEOUT)
            return
        for step in self.watches.pop(0):
            if step is Expired:
                raise Expired("too old")
            yield step


def test_lists_watches_resumes_and_relists_after_expired() -> None:
    rest = ScriptedListWatch(
        lists=[([obj("a", 1)], 1), ([obj("b", 6)], 6)],
        watches=[[WatchEvent("ADDED", obj("b", 2), 2)], [WatchEvent("MODIFIED", obj("b", 3), 3), Expired]],
    )
    delivered: queue.Queue[Callable[[], None]] = queue.Queue()
    got: list[tuple[str, Any]] = []
    informer = Informer(rest, "Pod", "ns", delivered.put, lambda k, items, rv: got.append(("list", rv)), lambda e: got.append((e.type, e.resource_version)))
    informer.start()
    try:
        for _ in range(4):  # list, ADDED, MODIFIED, (Expired) list; then the watch blocks
            delivered.get(timeout=DELIVERY_TIMEOUT)()
        assert rest.blocked.wait(DELIVERY_TIMEOUT)
    finally:
        informer.stop()
        rest.released.set()
        assert informer.join(DELIVERY_TIMEOUT)
    assert got == [("list", 1), ("ADDED", 2), ("MODIFIED", 3), ("list", 6)]
    assert rest.watched_from == ["1", "2", "6"]  # resumed from the last version, then from the new list
    assert informer.lists == 2
