"""The store: Kubernetes object semantics over in-memory indexes, optionally written through to disk.

One implementation holds every rule (see ``store.base``); a ``Persistence`` (SQLite for the engine)
receives each committed write *before* memory changes, so a write that returned survives a crash
and a write that failed leaves nothing behind. Reads never touch the disk.

Cost: a write costs the size of the object plus its owner references, never a scan of the store,
so a simulation can create and delete tens of thousands of pods. Only ``list`` (sorted by
namespace and name), cascades and ``collect_garbage`` walk many objects.

Not thread-safe: one thread (the engine's event loop, or the simulator) owns a store.
"""

from __future__ import annotations

import builtins
import itertools
import random
import uuid
from collections import deque
from collections.abc import Iterable
from typing import Protocol

from graceroll.api import kinds
from graceroll.api.meta import clone
from graceroll.api.selectors import Selector
from graceroll.clock import Clock, format_time
from graceroll.errors import AlreadyExists, Conflict, FieldError, Invalid, NotFound, StorageError
from graceroll.store import deletion
from graceroll.store.base import EventType, Expired, Listener, Obj, WatchEvent
from graceroll.store.deletion import Propagation
from graceroll.store.index import Key, ObjectIndex, key_of

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery util/rand: no vowels, no confusables
# Metadata only the store writes; an update cannot change them.
SERVER_FIELDS = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")


class Persistence(Protocol):
    """Durable storage under a MemoryStore. It only records: every rule lives in the MemoryStore."""

    def load(self) -> tuple[int, Iterable[Obj]]:
        """The global resourceVersion and every object, as last committed."""
        ...

    def put(self, obj: Obj, resource_version: int) -> None:
        """Store ``obj`` and the new global resourceVersion in one transaction; on failure, raise."""
        ...

    def remove(self, key: Key, resource_version: int) -> None:
        """Remove one object and store the new global resourceVersion in one transaction."""
        ...

    def close(self) -> None: ...


class MemoryStore:
    """See ``store.base.Store``. ``seed`` makes names and uids reproducible (simulator).

    ``history`` is how many watch events ``events_since`` can replay; older versions are ``Expired``.
    """

    def __init__(
        self,
        clock: Clock,
        persistence: Persistence | None = None,
        seed: int | None = None,
        history: int = 100_000,
    ) -> None:
        if history < 1:
            raise ValueError(f"history must hold at least one event, got {history}")
        self._clock = clock
        self._persist = persistence
        self._rng = random.Random(seed)
        self._objects = ObjectIndex()
        self._uids: dict[str, Key] = {}
        self._log: deque[WatchEvent] = deque(maxlen=history)
        self._listeners: list[Listener] = []
        self._undelivered: deque[WatchEvent] = deque()
        self._delivering = False
        self._closed = False
        self._rv = 0
        if persistence is not None:
            rv, objs = persistence.load()
            for o in objs:
                self._index(o)
                rv = max(rv, int(o["metadata"].get("resourceVersion") or 0))
            self._rv = rv
            if seed is not None and rv:
                # A reopened store with the same seed must not hand out its first run's uids again.
                self._rng = random.Random(f"{seed}/{rv}")
            self.collect_garbage()

    # ---- reads -------------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return self._rv

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self._objects.get(kind, namespace, name)

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        obj = self.try_get(kind, namespace, name)
        if obj is None:
            raise NotFound(kinds.resource_of(kind), name)
        return obj

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        selector: Selector | None = None,
        name: str | None = None,
    ) -> list[Obj]:
        """Objects of ``kind`` sorted by (namespace, name); ``name`` is the metadata.name field selector."""
        return self._objects.list(kind, namespace, selector, name)

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]:
        """Objects of ``kind`` with an ownerReference to ``owner_uid``, from an index (no scan)."""
        return self._objects.list_owned(kind, owner_uid)

    # ---- writes ------------------------------------------------------------------------------
    def create(self, obj: Obj) -> Obj:
        self._check_open()
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
                raise Invalid(
                    info.kind,
                    "",
                    [FieldError("metadata.name", "Required value", "name or generateName is required")],
                )
        k = key_of(new)
        if self.try_get(*k) is not None:
            raise AlreadyExists(info.resource, md["name"])
        md["uid"] = self._new_uid()
        md["creationTimestamp"] = format_time(self._clock.now())
        md["generation"] = 1
        for transient in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            md.pop(transient, None)
        if info.has_status:
            new.pop("status", None)
        if info.on_create is not None:
            info.on_create(new)
        new["apiVersion"] = new.get("apiVersion") or info.api_version
        return self._commit("ADDED", new)

    def update(self, obj: Obj) -> Obj:
        """Replace an object; returns the stored result (the same object when nothing changed).

        Removing the last finalizer of an object marked for deletion with grace 0 removes it (the
        apiserver's ``ShouldDeleteDuringUpdate``); the result then carries the deletion's resourceVersion.
        """
        self._check_open()
        info = kinds.by_kind(obj.get("kind", ""))
        stored = self._existing(obj)
        smd = stored["metadata"]
        new = clone(obj)
        md = new["metadata"]
        for kept in SERVER_FIELDS:
            if kept in smd:
                md[kept] = smd[kept]
            else:
                md.pop(kept, None)
        if info.namespaced:
            md["namespace"] = smd["namespace"]
        else:
            md.pop("namespace", None)
        new["apiVersion"] = new.get("apiVersion") or stored.get("apiVersion") or info.api_version
        if info.has_status:
            if "status" in stored:
                new["status"] = stored["status"]
            else:
                new.pop("status", None)
        if smd.get("deletionTimestamp"):
            old_finalizers = smd.get("finalizers") or []
            added = [f for f in md.get("finalizers") or [] if f not in old_finalizers]
            if added:
                detail = (
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {added}"
                )
                raise Invalid(
                    info.kind, md.get("name", ""), [FieldError("metadata.finalizers", "Forbidden", detail)]
                )
        if _generation_changes(info, new, stored):
            md["generation"] = int(smd.get("generation", 0)) + 1
        md["resourceVersion"] = smd["resourceVersion"]
        if new == stored:
            return stored
        if (
            smd.get("deletionTimestamp")
            and not deletion.held(info, new)
            and not (info.graceful_deletion and smd.get("deletionGracePeriodSeconds"))
        ):
            return self._remove(stored, final=new)
        return self._commit("MODIFIED", new)

    def update_status(self, obj: Obj) -> Obj:
        """Write ``status`` and ``metadata.annotations``; spec, labels and the rest are ignored.

        This is the apps/v1 status strategy: it keeps spec and labels but takes annotations, which
        is how the Deployment controller records its revision without bumping the generation.
        """
        self._check_open()
        stored = self._existing(obj)
        status = obj.get("status") or {}
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if status == (stored.get("status") or {}) and annotations == (stored["metadata"].get("annotations") or {}):
            return stored
        new = dict(stored)
        new["metadata"] = dict(stored["metadata"])
        if annotations:
            new["metadata"]["annotations"] = clone(annotations)
        else:
            new["metadata"].pop("annotations", None)
        new["status"] = clone(status)
        return self._commit("MODIFIED", new)

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        propagation: Propagation = "Background",
        uid: str | None = None,
    ) -> Obj | None:
        """Delete or mark for deletion; returns the marked object, or ``None`` once it is gone.

        ``store.deletion.plan`` decides (grace periods for Pods only, finalizers, a pending
        deletion shortened but never lengthened). ``Orphan`` strips this owner from its dependents'
        ownerReferences right away (what the garbage collector does for the ``orphan`` finalizer),
        so they survive however the owner goes; ``Foreground`` keeps the owner, with the
        ``foregroundDeletion`` finalizer, until its blocking dependents are gone.
        """
        self._check_open()
        stored = self.get(kind, namespace, name)
        smd = stored["metadata"]
        if uid is not None and smd.get("uid") != uid:
            raise Conflict(
                kinds.resource_of(kind),
                name,
                f"Precondition failed: UID in precondition: {uid}, UID in object meta: {smd.get('uid')}",
            )
        info = kinds.by_kind(kind)
        decided = deletion.plan(info, stored, grace_period_seconds, propagation, self._clock.now())
        if propagation == "Orphan":
            self._orphan_dependents(smd.get("uid", ""))
        if decided.remove:
            self._remove(stored)
            return None
        assert decided.marked is not None
        marked = stored if decided.marked is stored else self._commit("MODIFIED", decided.marked)
        if deletion.FOREGROUND_DELETION in (marked["metadata"].get("finalizers") or ()):
            return self._delete_dependents_first(marked)
        return marked

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every later event, in resourceVersion order.

        A listener may write to the store: the events of its writes are delivered, to every listener,
        after the event being delivered. Listeners must not raise.
        """
        self._listeners.append(listener)

    def events_since(self, resource_version: int) -> builtins.list[WatchEvent]:
        """The events after ``resource_version``, oldest first; ``Expired`` if they are no longer held."""
        if resource_version >= self._rv:
            return []
        if not self._log or self._log[0].resource_version > resource_version + 1:
            raise Expired(f"too old resource version: {resource_version} ({self._rv})")
        # Every write adds exactly one event, so the wanted events are the newest (rv - resource_version).
        wanted = self._rv - resource_version
        newest_first = list(itertools.islice(reversed(self._log), wanted))
        newest_first.reverse()
        return newest_first

    def collect_garbage(self) -> int:
        """Finish what a crash interrupted: delete objects whose every owner is gone and drop references
        to vanished owners from objects that still have a live one; go on with foreground deletions;
        remove marked objects nothing holds any more (a kind without graceful deletion marked with
        a grace period by an older graceroll). Returns how many objects changed."""
        changed = 0
        for obj in self.all_objects():
            key = key_of(obj)
            if self.try_get(*key) is not obj:
                continue  # already changed by a cascade during this pass
            before = self._rv
            md = obj["metadata"]
            if deletion.FOREGROUND_DELETION in (md.get("finalizers") or ()) and md.get("deletionTimestamp"):
                self._delete_dependents_first(obj)
            elif md.get("deletionTimestamp") and not getattr(kinds.find(obj["kind"]), "graceful_deletion", True):
                self.delete(*key)
            if self._rv != before:
                changed += 1
                continue
            refs = obj["metadata"].get("ownerReferences") or []
            live = [r for r in refs if self._uid_exists(r.get("uid", ""))]
            if len(live) == len(refs):
                continue
            if live:
                self._drop_owner_refs(
                    obj, {r.get("uid", "") for r in refs} - {r.get("uid", "") for r in live}
                )
            else:
                self.delete(*key)
            if self._rv != before:
                changed += 1
        return changed

    def all_objects(self) -> builtins.list[Obj]:
        """Every stored object, grouped by kind."""
        return self._objects.all()

    def close(self) -> None:
        """Close the persistence; later writes raise ``StorageError``. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._persist is not None:
            self._persist.close()

    # ---- internals ---------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the store is closed")

    def _existing(self, obj: Obj) -> Obj:
        md = obj.get("metadata") or {}
        info = kinds.by_kind(obj.get("kind", ""))
        ns = (md.get("namespace") or "default") if info.namespaced else ""
        stored = self.get(info.kind, ns, md.get("name", ""))
        rv = md.get("resourceVersion")
        if rv not in (None, "") and str(rv) != stored["metadata"]["resourceVersion"]:
            raise Conflict(info.resource, md.get("name", ""))
        if md.get("uid") and md["uid"] != stored["metadata"]["uid"]:
            raise Conflict(
                info.resource, md.get("name", ""), "the object has been deleted and recreated"
            )
        return stored

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

    def _remove(self, stored: Obj, final: Obj | None = None) -> Obj:
        """Remove ``stored``, announce ``final`` (its last state) as DELETED, then collect its dependents."""
        rv = self._rv + 1
        if self._persist is not None:
            self._persist.remove(key_of(stored), rv)
        self._rv = rv
        self._unindex(stored)
        gone = dict(final if final is not None else stored)
        gone["metadata"] = dict(gone["metadata"], resourceVersion=str(rv))
        self._emit("DELETED", gone)
        self._collect_dependents(stored["metadata"].get("uid", ""))
        self._release_waiting_owners(stored)
        return gone

    def _delete_dependents_first(self, owner: Obj) -> Obj | None:
        """Foreground propagation, as the garbage collector does it for an owner with the
        ``foregroundDeletion`` finalizer: every dependent that no other live owner keeps is deleted
        (in the foreground itself when it has dependents of its own, so a Deployment waits for
        its ReplicaSets and they for their pods); a dependent that another owner keeps only loses
        its reference. The owner is released at once if no blocking dependent is left, else when
        the last one goes (``_release_waiting_owners``). Returns the owner, or None once gone."""
        owner_uid = owner["metadata"].get("uid", "")
        for key in self._objects.dependents(owner_uid):
            dep = self.try_get(*key)
            if dep is None or dep["metadata"].get("deletionTimestamp"):
                continue
            others = {
                r.get("uid", "") for r in dep["metadata"].get("ownerReferences") or () if r.get("uid", "") != owner_uid
            }
            if any(self._alive(u) for u in others):
                self._drop_owner_refs(dep, {owner_uid})
                continue
            nested = bool(self._objects.dependents(dep["metadata"].get("uid", "")))
            self.delete(*key, propagation="Foreground" if nested else "Background")
        current = self.try_get(*key_of(owner))
        if current is None or current["metadata"].get("uid") != owner_uid:
            return None
        return self._release_if_unblocked(current)

    def _release_waiting_owners(self, gone: Obj) -> None:
        """A dependent went: an owner waiting for it in the foreground may go too."""
        for ref in gone["metadata"].get("ownerReferences") or ():
            key = self._uids.get(ref.get("uid", ""))
            owner = self.try_get(*key) if key is not None else None
            if owner is not None and deletion.FOREGROUND_DELETION in (owner["metadata"].get("finalizers") or ()):
                self._release_if_unblocked(owner)

    def _release_if_unblocked(self, owner: Obj) -> Obj | None:
        """Drop ``foregroundDeletion`` once no dependent with ``blockOwnerDeletion`` refers to the owner."""
        owner_uid = owner["metadata"].get("uid", "")
        for key in self._objects.dependents(owner_uid):
            dep = self.try_get(*key)
            refs = dep["metadata"].get("ownerReferences") or () if dep is not None else ()
            if any(r.get("uid") == owner_uid and r.get("blockOwnerDeletion") for r in refs):
                return owner
        new = clone(owner)
        finalizers = [f for f in new["metadata"].get("finalizers") or () if f != deletion.FOREGROUND_DELETION]
        if finalizers:
            new["metadata"]["finalizers"] = finalizers
        else:
            new["metadata"].pop("finalizers", None)
        left = self.update(new)
        return left if self.try_get(*key_of(owner)) is left else None

    def _alive(self, uid: str) -> bool:
        """An owner that exists and is not being deleted itself."""
        key = self._uids.get(uid) if uid else None
        owner = self.try_get(*key) if key is not None else None
        return owner is not None and not owner["metadata"].get("deletionTimestamp")

    def _collect_dependents(self, owner_uid: str) -> None:
        """Background propagation, as the garbage collector's ``attemptToDeleteItem`` does it: a
        dependent with no live owner left is deleted (with its own default grace period); one that
        still has a live owner only loses its references to the vanished ones."""
        for key in self._objects.release(owner_uid):
            dep = self.try_get(*key)
            if dep is None:
                continue
            refs = dep["metadata"].get("ownerReferences") or []
            dangling = {r.get("uid", "") for r in refs if not self._uid_exists(r.get("uid", ""))}
            if owner_uid not in dangling:
                continue
            if len(dangling) < len(refs):
                self._drop_owner_refs(dep, dangling)
            else:
                self.delete(*key)

    def _orphan_dependents(self, owner_uid: str) -> None:
        for key in self._objects.dependents(owner_uid):
            dep = self.try_get(*key)
            if dep is not None:
                self._drop_owner_refs(dep, {owner_uid})

    def _drop_owner_refs(self, obj: Obj, uids: set[str]) -> None:
        new = dict(obj)
        new["metadata"] = md = dict(obj["metadata"])
        refs = [r for r in md.get("ownerReferences") or [] if r.get("uid", "") not in uids]
        if refs:
            md["ownerReferences"] = refs
        else:
            md.pop("ownerReferences", None)
        self._commit("MODIFIED", new)

    def _uid_exists(self, uid: str) -> bool:
        return bool(uid) and uid in self._uids

    def _index(self, obj: Obj) -> None:
        self._objects.add(obj)
        self._uids[obj["metadata"].get("uid", "")] = key_of(obj)

    def _unindex(self, obj: Obj) -> None:
        self._objects.remove(obj)
        self._uids.pop(obj["metadata"].get("uid", ""), None)

    def _emit(self, type_: EventType, obj: Obj) -> None:
        ev = WatchEvent(type_, obj, self._rv)
        self._log.append(ev)
        if not self._listeners:
            return
        self._undelivered.append(ev)
        if self._delivering:
            return  # a listener is writing: its events follow the one being delivered, in order
        self._delivering = True
        try:
            while self._undelivered:
                current = self._undelivered.popleft()
                for listener in self._listeners:
                    listener(current)
        finally:
            self._delivering = False

    def _new_uid(self) -> str:
        while True:
            uid = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            if uid not in self._uids:
                return uid

    def _generate_name(self, kind: str, namespace: str, prefix: str) -> str:
        for _ in range(100):
            candidate = prefix + "".join(self._rng.choice(NAME_ALPHABET) for _ in range(5))
            if self.try_get(kind, namespace, candidate) is None:
                return candidate
        raise AlreadyExists(kinds.resource_of(kind), prefix + "*****")


def _generation_changes(info: kinds.Kind, new: Obj, stored: Obj) -> bool:
    """``spec`` changed, or (Deployment) annotations changed; missing and empty count as equal."""
    if (new.get("spec") or {}) != (stored.get("spec") or {}):
        return True
    if info.generation_tracks_annotations:
        return (new["metadata"].get("annotations") or {}) != (stored["metadata"].get("annotations") or {})
    return False


