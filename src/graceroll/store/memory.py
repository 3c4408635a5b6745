"""The store: Kubernetes object semantics over in-memory indexes, optionally written through to disk.

One implementation holds every rule (see ``store.base``); a ``Persistence`` (SQLite for the engine)
receives each committed write *before* memory changes, so a write that returned survives a crash
and a write that failed leaves nothing behind. Reads never touch the disk.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from typing import Any, Iterable, Protocol

from graceroll.api import kinds
from graceroll.api.meta import clone
from graceroll.api.selectors import Selector
from graceroll.clock import Clock, format_time
from graceroll.errors import AlreadyExists, Conflict, FieldError, Invalid, NotFound
from graceroll.store.base import EventType, Expired, Listener, Obj, WatchEvent

Key = tuple[str, str, str]  # kind, namespace, name
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery util/rand: no vowels, no confusables


class Persistence(Protocol):
    def load(self) -> tuple[int, Iterable[Obj]]: ...

    def put(self, obj: Obj, resource_version: int) -> None: ...

    def remove(self, key: Key, resource_version: int) -> None: ...

    def all_objects(self) -> list[Obj]:
        """Every stored object, grouped by kind."""
        return [o for t in self._objects.values() for o in t.values()]

    def close(self) -> None: ...


def key_of(obj: Obj) -> Key:
    md = obj["metadata"]
    return (obj["kind"], md.get("namespace") or "", md["name"])


class MemoryStore:
    """See ``store.base.Store``. ``seed`` makes names and uids reproducible (simulator)."""

    def __init__(
        self,
        clock: Clock,
        persistence: Persistence | None = None,
        seed: int | None = None,
        history: int = 100_000,
    ) -> None:
        self._clock = clock
        self._persist = persistence
        self._rng = random.Random(seed)
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {}
        self._owned: dict[str, dict[Key, None]] = {}  # owner uid -> dependents (ordered set)
        self._uids: dict[str, Key] = {}
        self._log: deque[WatchEvent] = deque(maxlen=history)
        self._listeners: list[Listener] = []
        self._rv = 0
        if persistence is not None:
            rv, objs = persistence.load()
            self._rv = rv
            for o in objs:
                self._index(o)
            self.collect_garbage()

    # ---- reads -------------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return self._rv

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self._objects.get(kind, {}).get((namespace, name))

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        obj = self.try_get(kind, namespace, name)
        if obj is None:
            raise NotFound(_resource(kind), name)
        return obj

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        selector: Selector | None = None,
        name: str | None = None,
    ) -> list[Obj]:
        out = []
        for (ns, n), obj in sorted(self._objects.get(kind, {}).items()):
            if namespace is not None and ns != namespace:
                continue
            if name is not None and n != name:
                continue
            if selector is not None and not selector.matches(obj["metadata"].get("labels") or {}):
                continue
            out.append(obj)
        return out

    def list_owned(self, kind: str, owner_uid: str) -> list[Obj]:
        table = self._objects.get(kind, {})
        out = []
        for k in self._owned.get(owner_uid, ()):
            if k[0] == kind:
                obj = table.get((k[1], k[2]))
                if obj is not None:
                    out.append(obj)
        return out

    # ---- writes ------------------------------------------------------------------------------
    def create(self, obj: Obj) -> Obj:
        info = kinds.by_kind(obj.get("kind", ""))
        new = clone(obj)
        md = new.setdefault("metadata", {})
        if info.namespaced:
            md["namespace"] = md.get("namespace") or "default"
        else:
            md.pop("namespace", None)
        if not md.get("name"):
            if md.get("generateName"):
                md["name"] = self._generate_name(info.kind, md.get("namespace", ""), md["generateName"])
            else:
                raise Invalid(info.kind, "", [FieldError("metadata.name", "Required value", "name or generateName is required")])
        k = key_of(new)
        if self.try_get(*k) is not None:
            raise AlreadyExists(_resource(info.kind), md["name"])
        md["uid"] = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        md["creationTimestamp"] = format_time(self._clock.now())
        md["generation"] = 1
        for transient in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            md.pop(transient, None)
        if info.has_status:
            new.pop("status", None)
        new["apiVersion"] = new.get("apiVersion") or info.api_version
        return self._commit("ADDED", new)

    def update(self, obj: Obj) -> Obj:
        info = kinds.by_kind(obj.get("kind", ""))
        stored = self._existing(obj)
        new = clone(obj)
        md = new["metadata"]
        smd = stored["metadata"]
        for kept in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if kept in smd:
                md[kept] = smd[kept]
            else:
                md.pop(kept, None)
        md["namespace"] = smd.get("namespace", "") if info.namespaced else md.pop("namespace", None) or ""
        if not info.namespaced:
            md.pop("namespace", None)
        if info.has_status:
            if "status" in stored:
                new["status"] = stored["status"]
            else:
                new.pop("status", None)
        spec_changed = new.get("spec") != stored.get("spec")
        if info.generation_tracks_annotations and md.get("annotations") != smd.get("annotations"):
            spec_changed = True
        if spec_changed:
            md["generation"] = int(smd.get("generation", 0)) + 1
        md["resourceVersion"] = smd["resourceVersion"]
        if new == stored:
            return stored
        if smd.get("deletionTimestamp") and not md.get("finalizers") and smd.get("deletionGracePeriodSeconds", 0) == 0:
            self._remove(stored)
            return new
        return self._commit("MODIFIED", new)

    def update_status(self, obj: Obj) -> Obj:
        """Writes ``status`` and ``metadata.annotations`` only (the apps/v1 status strategy keeps
        spec and labels but takes annotations: the Deployment controller records its revision so)."""
        stored = self._existing(obj)
        annotations = (obj.get("metadata") or {}).get("annotations")
        if obj.get("status") == stored.get("status") and annotations == stored["metadata"].get("annotations"):
            return stored
        new = dict(stored)
        new["metadata"] = dict(stored["metadata"])
        if annotations:
            new["metadata"]["annotations"] = clone(annotations)
        else:
            new["metadata"].pop("annotations", None)
        new["status"] = clone(obj.get("status") or {})
        return self._commit("MODIFIED", new)

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        orphan: bool = False,
        uid: str | None = None,
    ) -> Obj | None:
        stored = self.get(kind, namespace, name)
        smd = stored["metadata"]
        if uid is not None and smd.get("uid") != uid:
            raise Conflict(_resource(kind), name, f"Precondition failed: UID in precondition: {uid}, UID in object meta: {smd.get('uid')}")
        grace = grace_period_seconds
        if grace is None:
            grace = int((stored.get("spec") or {}).get("terminationGracePeriodSeconds", 0) or 0)
        finalizers = smd.get("finalizers") or []
        if smd.get("deletionTimestamp"):
            current = int(smd.get("deletionGracePeriodSeconds", 0))
            if grace == 0 and not finalizers:
                self._remove(stored, orphan)
                return None
            if grace < current:  # a shorter grace period may replace a longer one, never the reverse
                return self._mark_deleting(stored, grace)
            return stored
        if grace > 0 or finalizers:
            return self._mark_deleting(stored, grace)
        self._remove(stored, orphan)
        return None

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def events_since(self, resource_version: int) -> list[WatchEvent]:
        if resource_version >= self._rv:
            return []
        if not self._log or self._log[0].resource_version > resource_version + 1:
            raise Expired(f"too old resource version: {resource_version} ({self._rv})")
        return [e for e in self._log if e.resource_version > resource_version]

    def collect_garbage(self) -> int:
        """Delete objects whose every owner is gone (finishes a cascade a crash interrupted)."""
        removed = 0
        for obj in self.all_objects():
            refs = obj["metadata"].get("ownerReferences") or []
            if refs and not any(self._uid_exists(r.get("uid", "")) for r in refs) and self.try_get(*key_of(obj)) is obj:
                self.delete(obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
                removed += 1
        return removed

    def all_objects(self) -> list[Obj]:
        """Every stored object, grouped by kind."""
        return [o for t in self._objects.values() for o in t.values()]

    def close(self) -> None:
        if self._persist is not None:
            self._persist.close()

    # ---- internals ---------------------------------------------------------------------------
    def _existing(self, obj: Obj) -> Obj:
        md = obj.get("metadata") or {}
        info = kinds.by_kind(obj.get("kind", ""))
        ns = (md.get("namespace") or "default") if info.namespaced else ""
        stored = self.get(info.kind, ns, md.get("name", ""))
        rv = md.get("resourceVersion")
        if rv not in (None, "") and str(rv) != stored["metadata"]["resourceVersion"]:
            raise Conflict(_resource(info.kind), md.get("name", ""))
        if md.get("uid") and md["uid"] != stored["metadata"]["uid"]:
            raise Conflict(_resource(info.kind), md.get("name", ""), "the object has been deleted and recreated")
        return stored

    def _mark_deleting(self, stored: Obj, grace: int) -> Obj:
        new = dict(stored)
        new["metadata"] = md = dict(stored["metadata"])
        md["deletionTimestamp"] = format_time(self._clock.now() + grace)
        md["deletionGracePeriodSeconds"] = grace
        return self._commit("MODIFIED", new)

    def _commit(self, type_: EventType, new: Obj) -> Obj:
        rv = self._rv + 1
        new["metadata"]["resourceVersion"] = str(rv)
        if self._persist is not None:
            self._persist.put(new, rv)
        self._rv = rv
        old = self.try_get(*key_of(new))
        if old is not None:
            self._unindex(old)
        self._index(new)
        self._emit(type_, new)
        return new

    def _remove(self, stored: Obj, orphan: bool = False) -> None:
        rv = self._rv + 1
        if self._persist is not None:
            self._persist.remove(key_of(stored), rv)
        self._rv = rv
        self._unindex(stored)
        gone = dict(stored)
        gone["metadata"] = dict(stored["metadata"], resourceVersion=str(rv))
        self._emit("DELETED", gone)
        owner_uid = stored["metadata"].get("uid", "")
        for dep in list(self._owned.pop(owner_uid, {})):
            obj = self.try_get(*dep)
            if obj is None:
                continue
            if orphan:
                self._orphan(obj, owner_uid)
            elif not any(self._uid_exists(r.get("uid", "")) for r in obj["metadata"].get("ownerReferences") or []):
                self.delete(dep[0], dep[1], dep[2])

    def _orphan(self, obj: Obj, owner_uid: str) -> None:
        new = clone(obj)
        refs = [r for r in new["metadata"].get("ownerReferences") or [] if r.get("uid") != owner_uid]
        if refs:
            new["metadata"]["ownerReferences"] = refs
        else:
            new["metadata"].pop("ownerReferences", None)
        self._commit("MODIFIED", new)

    def _uid_exists(self, uid: str) -> bool:
        return uid in self._uids

    def _index(self, obj: Obj) -> None:
        k = key_of(obj)
        self._objects.setdefault(k[0], {})[(k[1], k[2])] = obj
        self._uids[obj["metadata"].get("uid", "")] = k
        for r in obj["metadata"].get("ownerReferences") or ():
            self._owned.setdefault(r.get("uid", ""), {})[k] = None

    def _unindex(self, obj: Obj) -> None:
        k = key_of(obj)
        self._objects.get(k[0], {}).pop((k[1], k[2]), None)
        self._uids.pop(obj["metadata"].get("uid", ""), None)
        for r in obj["metadata"].get("ownerReferences") or ():
            deps = self._owned.get(r.get("uid", ""))
            if deps is not None:
                deps.pop(k, None)

    def _emit(self, type_: EventType, obj: Obj) -> None:
        ev = WatchEvent(type_, obj, self._rv)
        self._log.append(ev)
        for listener in self._listeners:
            listener(ev)

    def _generate_name(self, kind: str, namespace: str, prefix: str) -> str:
        for _ in range(100):
            candidate = prefix + "".join(self._rng.choice(NAME_ALPHABET) for _ in range(5))
            if self.try_get(kind, namespace, candidate) is None:
                return candidate
        raise AlreadyExists(_resource(kind), prefix + "*****")


def _resource(kind: str) -> str:
    info = kinds.find(kind)
    if info is None:
        return kind
    return f"{info.plural}.{info.group}" if info.group else info.plural

