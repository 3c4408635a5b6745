"""The informer cache: the last known state of the watched kinds, fed by watch events, relists and
the answers to our own writes.

Rules (client-go's reflector and store, plus read-your-writes):

* An object is replaced only by a newer resourceVersion of it: a watch event that arrives after
  our own write already put a later version in place changes nothing.
* A uid deleted through our own write is a tombstone until the watch reports its deletion: a late
  event or a list taken before the delete cannot bring the object back.
* A relist is the truth as of its resourceVersion: what it lacks and the cache holds at or below
  that version is gone (DELETED); what it holds newer is ADDED or MODIFIED; objects the cache
  learnt of after the list was taken stay.

Every change is returned as the ``WatchEvent`` listeners should see; nothing here is thread-safe,
one thread (the operator's event loop) owns a cache.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from graceroll.api.selectors import Selector
from graceroll.store.base import Obj, WatchEvent
from graceroll.store.index import Key, ObjectIndex, key_of


def rv_of(obj: Obj) -> int:
    """Kubernetes resourceVersions are opaque strings; in practice they are etcd revisions."""
    try:
        return int(obj["metadata"].get("resourceVersion") or 0)
    except ValueError:
        return 0


def _uid(obj: Obj) -> str:
    return str(obj["metadata"].get("uid") or "")


def relist_diff(cached: Iterable[Obj], listed: Iterable[Obj], list_rv: int) -> list[WatchEvent]:
    """The events that turn ``cached`` into the state a list at ``list_rv`` returned.

    >>> old = {"kind": "Pod", "metadata": {"name": "a", "namespace": "n", "uid": "1", "resourceVersion": "3"}}
    >>> [e.type for e in relist_diff([old], [], 5)]
    ['DELETED']
    """
    current = {key_of(o): o for o in cached}
    seen: set[Key] = set()
    events: list[WatchEvent] = []
    for obj in listed:
        key = key_of(obj)
        seen.add(key)
        have = current.get(key)
        if have is None:
            events.append(WatchEvent("ADDED", obj, rv_of(obj)))
        elif _uid(have) != _uid(obj):  # deleted and created again while we were not watching
            events.append(WatchEvent("DELETED", have, list_rv))
            events.append(WatchEvent("ADDED", obj, rv_of(obj)))
        elif rv_of(obj) > rv_of(have):
            events.append(WatchEvent("MODIFIED", obj, rv_of(obj)))
    for key, have in current.items():
        if key not in seen and rv_of(have) <= list_rv:
            events.append(WatchEvent("DELETED", have, list_rv))
    return events


class Cache:
    def __init__(self) -> None:
        self._objects = ObjectIndex()
        self._tombstones: set[str] = set()
        self.resource_version = 0

    # ---- reads -------------------------------------------------------------------------------
    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self._objects.get(kind, namespace, name)

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> list[Obj]:
        """Sorted by (namespace, name), as the other stores list."""
        return self._objects.list(kind, namespace, selector, name)

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]:
        return self._objects.list_owned(kind, owner_uid)

    # ---- changes -----------------------------------------------------------------------------
    def apply(self, event: WatchEvent) -> WatchEvent | None:
        """Take one watch event (or a write's answer); the event to deliver, or None if stale."""
        obj = event.object
        self.resource_version = max(self.resource_version, event.resource_version, rv_of(obj))
        have = self.get(*key_of(obj))
        if event.type == "DELETED":
            self._tombstones.discard(_uid(obj))  # the last news there is of that uid
            if have is None or _uid(have) != _uid(obj) or rv_of(have) > rv_of(obj):
                return None  # already gone, or the name now holds a newer object
            self._objects.remove(have)
            return WatchEvent("DELETED", obj, event.resource_version)
        if _uid(obj) in self._tombstones:
            return None
        if have is not None and _uid(have) == _uid(obj) and rv_of(have) >= rv_of(obj):
            return None
        if have is not None and _uid(have) != _uid(obj) and rv_of(have) > rv_of(obj):
            return None  # an older incarnation, already replaced
        if have is not None:
            self._objects.remove(have)
        self._objects.add(obj)
        return WatchEvent("ADDED" if have is None else "MODIFIED", obj, rv_of(obj))

    def forget(self, kind: str, namespace: str, name: str, uid: str = "") -> WatchEvent | None:
        """Our own delete removed the object: drop it now and ignore late news of it."""
        have = self.get(kind, namespace, name)
        if have is None or (uid and _uid(have) != uid):
            return None
        self._tombstones.add(_uid(have))
        self._objects.remove(have)
        return WatchEvent("DELETED", have, self.resource_version)

    def replace(self, kind: str, listed: builtins.list[Obj], list_rv: int) -> builtins.list[WatchEvent]:
        """Take a fresh list of ``kind`` (a relist); the difference, as events."""
        self.resource_version = max(self.resource_version, list_rv)
        out = []
        alive = [o for o in listed if _uid(o) not in self._tombstones]  # a list taken before our delete
        for ev in relist_diff(self.list(kind), alive, list_rv):
            if ev.type == "DELETED":
                self._objects.remove(ev.object)
                out.append(ev)
            else:
                applied = self.apply(ev)
                if applied is not None:
                    out.append(applied)
        return out

    def drop(self, obj: Obj) -> WatchEvent | None:
        """Hide ``obj`` (its latest version was rejected): DELETED if it was visible."""
        have = self.get(*key_of(obj))
        if have is None or (_uid(have) == _uid(obj) and rv_of(have) > rv_of(obj)):
            return None  # nothing visible, or the rejected version is older than what is visible
        self._objects.remove(have)
        return WatchEvent("DELETED", have, rv_of(obj))
