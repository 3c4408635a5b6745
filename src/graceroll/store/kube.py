"""The ``Store`` of a real Kubernetes cluster, informer-style.

Reads answer from a cache of the watched kinds (``store.kube_cache``), kept fresh by one
list+watch per kind (``store.informer``); writes go to the API server and their answers enter the
cache at once, so a controller reads its own writes. Kinds nobody watches (Events: the operator
only writes them) go straight to the API.

The API server does not run graceroll's admission for custom resources (there is no webhook), so
CloneSets, GameStatefulSets, HookTemplates and HookRuns are admitted as they enter the cache:
defaulted as ``graceroll apply`` would, and, when invalid, kept out of the controllers' sight
with a Warning Event naming the field and the reason (once per resourceVersion).

Threading: informers run on their own threads and hand everything to ``deliver``, which must run
it on the one thread that owns this store (the operator's event loop); reads, writes and
listeners all happen there.
"""

from __future__ import annotations

import builtins
import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol

import httpx

from graceroll.api import kinds as kind_registry
from graceroll.api.admission import admit
from graceroll.api.selectors import Selector
from graceroll.clock import Clock
from graceroll.controllers.events import WARNING, EventRecorder
from graceroll.errors import AlreadyExists, Conflict, GracerollError, Invalid, NotFound
from graceroll.store.base import Expired, Listener, Obj, WatchEvent
from graceroll.store.deletion import Propagation, gone_after_delete
from graceroll.store.informer import Deliver, Informer, ListWatch
from graceroll.store.kube_cache import Cache, rv_of

log = logging.getLogger("graceroll.kube")
COMPONENT = "graceroll-operator"
REJECTED_REASON = "FailedValidation"
# Custom resources the API server stores as sent: graceroll defaults and validates them itself.
STATUS_RACE_RETRIES = 3
ADMITTED_KINDS = frozenset({"CloneSet", "GameStatefulSet", "HookTemplate", "HookRun"})


class Rest(ListWatch, Protocol):
    """The REST calls KubeStore makes (``client.http_store.HttpStore``): an informer's list and
    watch, and the Store calls for what is not cached and for every write."""

    def get(self, kind: str, namespace: str, name: str) -> Obj: ...

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None: ...

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> list[Obj]: ...

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]: ...

    def create(self, obj: Obj) -> Obj: ...

    def update(self, obj: Obj) -> Obj: ...

    def update_status(self, obj: Obj) -> Obj: ...

    def delete(self, kind: str, namespace: str, name: str, grace_period_seconds: int | None = None, propagation: Propagation = "Background", uid: str | None = None) -> Obj | None: ...


def admitted(obj: Obj) -> tuple[Obj, Invalid | None]:
    """``obj`` as graceroll's admission would store it, or the validation failure."""
    if obj["kind"] not in ADMITTED_KINDS:
        return obj, None
    try:
        return admit(obj), None
    except Invalid as e:
        return obj, e


def same_but_status(a: Obj, b: Obj) -> bool:
    """Whether two versions of an object differ in nothing but status and resourceVersion."""

    def rest(o: Obj) -> Obj:
        md = {k: v for k, v in o["metadata"].items() if k not in ("resourceVersion", "managedFields")}
        return {k: v for k, v in o.items() if k != "status"} | {"metadata": md}

    return rest(a) == rest(b)


def _name_of(obj: Obj) -> tuple[str, str]:
    md = obj["metadata"]
    return md.get("namespace") or "default", md["name"]


class KubeStore:
    def __init__(
        self,
        rest: Rest,
        clock: Clock,
        kinds: Iterable[str],
        deliver: Deliver,
        namespace: str | None = None,
        watch_timeout: float = 300.0,
    ) -> None:
        """``namespace``: watch one namespace (None: all). ``deliver`` runs a callable on the owning thread."""
        self._rest = rest
        self._cache = Cache()
        self._listeners: list[Listener] = []
        self._warned: dict[str, int] = {}  # uid -> resourceVersion a Warning was recorded for
        self._recorder = EventRecorder(self, clock, COMPONENT)
        self._watched = frozenset(kinds)
        self._synced: set[str] = set()
        self._on_synced: list[Callable[[], None]] = []
        self.informers = [
            Informer(rest, k, namespace, deliver, self.observe_list, self.observe_event, watch_timeout) for k in sorted(self._watched)
        ]

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        for i in self.informers:
            i.start()

    def stop(self, timeout: float = 5.0) -> list[str]:
        """Stop every informer, waiting at most ``timeout`` seconds in all; the kinds still running."""
        for i in self.informers:
            i.stop()
        deadline = time.monotonic() + timeout
        return [i.kind for i in self.informers if not i.join(max(0.0, deadline - time.monotonic()))]

    @property
    def synced(self) -> bool:
        """Every watched kind has been listed once: the cache can be trusted."""
        return self._synced >= self._watched

    def when_synced(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the owning thread) once every watched kind has been listed."""
        if self.synced:
            callback()
        else:
            self._on_synced.append(callback)

    def cached_count(self) -> int:
        return sum(len(self._cache.list(k)) for k in self._watched)

    # ---- reads -------------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return self._cache.resource_version

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        if kind not in self._watched:
            return self._rest.get(kind, namespace, name)
        obj = self._cache.get(kind, namespace, name)
        if obj is None:
            raise NotFound(kind_registry.resource_of(kind), name)
        return obj

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        if kind not in self._watched:
            return self._rest.try_get(kind, namespace, name)
        return self._cache.get(kind, namespace, name)

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> list[Obj]:
        if kind not in self._watched:
            return self._rest.list(kind, namespace, selector, name)
        return self._cache.list(kind, namespace, selector, name)

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]:
        if kind not in self._watched:
            return self._rest.list_owned(kind, owner_uid)
        return self._cache.list_owned(kind, owner_uid)

    # ---- writes ------------------------------------------------------------------------------
    def create(self, obj: Obj) -> Obj:
        return self._wrote(self._refreshing(obj, self._rest.create))

    def update(self, obj: Obj) -> Obj:
        """A conflict caused only by a status write in between (the kubelet reporting on a pod we
        just marked) is retried on the newer version: the main endpoint never writes status, so the
        change is still the one the caller meant. Any other conflict goes back to the caller."""
        kind, (namespace, name) = obj["kind"], _name_of(obj)
        base = self._cache.get(kind, namespace, name) if kind in self._watched else None
        if base is None or rv_of(base) != rv_of(obj):  # not an edit of what we hold: nothing to compare
            return self._wrote(self._refreshing(obj, self._rest.update))
        for _ in range(STATUS_RACE_RETRIES):
            try:
                return self._wrote(self._rest.update(obj))
            except Conflict:
                latest = self._refresh(kind, namespace, name)
                if latest is None or not same_but_status(base, admitted(latest)[0]):
                    raise
                obj = dict(obj, metadata=dict(obj["metadata"], resourceVersion=latest["metadata"]["resourceVersion"]))
        return self._wrote(self._refreshing(obj, self._rest.update))

    def update_status(self, obj: Obj) -> Obj:
        return self._wrote(self._refreshing(obj, self._rest.update_status))

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        propagation: Propagation = "Background",
        uid: str | None = None,
    ) -> Obj | None:
        """``uid`` becomes a precondition of the DELETE: a newer object of that name is left alone."""
        try:
            answer = self._rest.delete(kind, namespace, name, grace_period_seconds, propagation, uid)
        except (Conflict, NotFound):
            self._refresh(kind, namespace, name)
            raise
        if kind not in self._watched:
            return answer
        if gone_after_delete(answer):
            self._emit(self._cache.forget(kind, namespace, name, uid or ""))
            return None
        return self._wrote(answer) if answer is not None else None

    # ---- watch -------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def events_since(self, resource_version: int) -> builtins.list[WatchEvent]:
        raise Expired("the cluster store keeps no history of its own: list again")

    # ---- entering the cache (on the owning thread) -------------------------------------------
    def _refreshing(self, obj: Obj, write: Callable[[Obj], Obj]) -> Obj:
        """``write(obj)``; when the cache proved stale (a conflict, a vanished or an existing
        object), fetch the object first, so the controller's immediate retry sees the cluster's
        version instead of failing the same way until the watch catches up."""
        try:
            return write(obj)
        except (Conflict, NotFound, AlreadyExists):
            md = obj.get("metadata") or {}
            if md.get("name"):
                self._refresh(obj["kind"], md.get("namespace") or "default", md["name"])
            raise

    def _refresh(self, kind: str, namespace: str, name: str) -> Obj | None:
        """Fetch the cluster's version into the cache; it, or None (gone, or not fetched: logged)."""
        if kind not in self._watched:
            return None
        try:
            fresh = self._rest.try_get(kind, namespace, name)
        except (GracerollError, httpx.HTTPError) as e:
            log.warning("cannot refresh %s %s/%s: %s", kind, namespace, name, e)
            return None
        if fresh is None:
            self._emit(self._cache.forget(kind, namespace, name))
        else:
            self.observe_event(WatchEvent("MODIFIED", fresh, rv_of(fresh)))
        return fresh

    def _wrote(self, answer: Obj) -> Obj:
        if answer["kind"] not in self._watched:
            return answer
        obj, invalid = self._admitted(answer)
        if invalid is not None:
            self._emit(self._cache.drop(answer))
            return answer
        self._emit(self._cache.apply(WatchEvent("MODIFIED", obj, rv_of(obj))))
        return obj

    def observe_event(self, event: WatchEvent) -> None:
        """A watch event from an informer."""
        if event.type == "DELETED":
            self._warned.pop(str(event.object["metadata"].get("uid")), None)
            self._emit(self._cache.apply(event))
            return
        obj, invalid = self._admitted(event.object)
        if invalid is not None:
            self._emit(self._cache.drop(event.object))
            return
        self._emit(self._cache.apply(WatchEvent(event.type, obj, event.resource_version)))

    def observe_list(self, kind: str, items: builtins.list[Obj], list_rv: int) -> None:
        """A (re)list from an informer: the difference to the cache goes out as events."""
        valid = []
        for item in items:
            obj, invalid = self._admitted(item)
            if invalid is None:
                valid.append(obj)
        for ev in self._cache.replace(kind, valid, list_rv):
            self._emit(ev)
        self._synced.add(kind)
        if self.synced and self._on_synced:
            callbacks, self._on_synced = self._on_synced, []
            for cb in callbacks:
                cb()

    def _admitted(self, obj: Obj) -> tuple[Obj, Invalid | None]:
        out, invalid = admitted(obj)
        if invalid is not None:
            self._warn_rejected(obj, invalid)
        return out, invalid

    def _warn_rejected(self, obj: Obj, invalid: Invalid) -> None:
        md = obj["metadata"]
        uid, rv = str(md.get("uid") or ""), rv_of(obj)
        if self._warned.get(uid) == rv:
            return
        self._warned[uid] = rv
        message = f"{invalid}; graceroll leaves it alone until it is fixed"
        log.warning("%s %s/%s rejected: %s", obj["kind"], md.get("namespace"), md.get("name"), invalid)
        try:
            self._recorder.record(obj, WARNING, REJECTED_REASON, message)
        except (GracerollError, httpx.HTTPError) as e:
            log.warning("cannot record the Warning event on %s %s: %s", obj["kind"], md.get("name"), e)

    def _emit(self, event: WatchEvent | None) -> None:
        if event is None:
            return
        for listener in self._listeners:
            listener(event)
