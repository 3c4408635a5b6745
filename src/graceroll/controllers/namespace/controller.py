"""Deleting a Namespace deletes its contents, then the Namespace (``pkg/controller/namespace``).

A deleted Namespace is marked (``status.phase: Terminating``) and held by ``kubernetes`` in its
``spec.finalizers``. This controller deletes every namespaced object in it, each the way a
client's delete would (Pods stop gracefully within their grace period, owners take their
dependents along); once nothing is left it removes ``kubernetes`` from ``spec.finalizers`` (the
``/finalize`` step), and the store removes the Namespace when no finalizer holds it any more.
An object held by a finalizer nobody removes keeps its namespace terminating, as upstream.

Level-triggered: every reconcile deletes what is left and checks again; the deletion of an
object in a terminating namespace brings its namespace back.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api import kinds
from graceroll.api.core_v1_namespace import KUBERNETES_FINALIZER, is_terminating
from graceroll.api.meta import Obj, clone
from graceroll.clock import Clock
from graceroll.controllers.runtime import Key, Result
from graceroll.store.base import Store, WatchEvent

NAMESPACE = "Namespace"


class NamespaceController:
    name = "namespace"

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def all_keys(self) -> list[Key]:
        return [("", n["metadata"]["name"]) for n in self.store.list(NAMESPACE) if is_terminating(n)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        if obj.get("kind") == NAMESPACE:
            return (("", obj["metadata"]["name"]),) if event.type != "DELETED" else ()
        namespace = obj["metadata"].get("namespace")
        if event.type == "DELETED" and namespace:
            ns = self.store.try_get(NAMESPACE, "", namespace)
            if ns is not None and is_terminating(ns):
                return (("", namespace),)
        return ()

    def reconcile(self, key: Key) -> Result:
        ns = self.store.try_get(NAMESPACE, "", key[1])
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return Result()
        left = self._delete_contents(key[1])
        if left:
            return Result()  # the deletion of the last of them brings this namespace back
        finalizers = list((ns.get("spec") or {}).get("finalizers") or [])
        if KUBERNETES_FINALIZER in finalizers:
            done = clone(ns)
            done["spec"]["finalizers"] = [f for f in finalizers if f != KUBERNETES_FINALIZER]
            self.store.update(done)
        return Result()

    def _delete_contents(self, namespace: str) -> int:
        """Delete what is not being deleted yet; the number of objects still in the namespace."""
        left = 0
        for info in kinds.all_kinds():
            if not info.namespaced:
                continue
            for obj in self.store.list(info.kind, namespace):
                current = self._current(info.kind, obj)
                if current is None:
                    continue  # went with its owner meanwhile
                if not current["metadata"].get("deletionTimestamp"):
                    current = self.store.delete(info.kind, namespace, current["metadata"]["name"], uid=current["metadata"].get("uid"))
                left += current is not None
        return left

    def _current(self, kind: str, obj: Obj) -> Obj | None:
        md = obj["metadata"]
        found = self.store.try_get(kind, md["namespace"], md["name"])
        return found if found is not None and found["metadata"].get("uid") == md.get("uid") else None
